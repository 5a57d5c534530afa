package io.kappa.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) driven by
 * Selenium. A group starts while the page is open, and the page shows its lag rise and fall to 0 without a reload.
 * A screenshot of each page goes to {@code target/ui-screenshots/}. Without Chromium the test is skipped, saying so,
 * except in CI ({@code CI=true}), where {@code .ci/run} installs it and a missing browser is a failure.
 */
class UiBrowserTest {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String DRIVER = "/usr/bin/chromedriver";
    private static final Path SHOTS = Path.of("target", "ui-screenshots");

    @TempDir
    Path dir;
    @TempDir
    Path profile;
    private EventLog log;
    private UiServer ui;
    private WebDriver browser;

    @BeforeEach
    void start() {
        boolean present = new File(CHROMIUM).canExecute() && new File(DRIVER).canExecute();
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + CHROMIUM + " or " + DRIVER + " is missing: .ci/run installs chromium and chromium-driver");
        }
        Assumptions.assumeTrue(present, "SKIPPED: the browser test needs " + CHROMIUM + " and " + DRIVER
            + " (apt-get install -y chromium chromium-driver)");
        log = EventLog.open(new LogContext().dataDir(dir));
        ui = UiServer.start(new UiContext().log(new LogContext().dataDir(dir).holder("kappa ui")).port(0).allowActions(true));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
            "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (ui != null) {
            ui.close();
        }
        if (log != null) {
            log.close();
        }
    }

    @Test
    void showsTheLagOfARunningGroupFallingToZeroWithoutAReload() throws Exception {
        Topic clicks = log.createTopic("clicks", TopicConfig.partitions(2));
        append(clicks, 0, 12_000);
        browser.get(ui.url() + "#/topics");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(b -> text(b, "tr[data-topic='clicks'] td.records").equals("12,000"));
        shoot("topics");

        browser.get(ui.url() + "#/groups");
        Object loadedAt = js("return performance.timeOrigin");
        long before = ((Number) js("return state.snapshots")).longValue();
        // a group that reads 3,000 records a second, checkpointing often: its lag is visible for a few seconds
        try (ProcessorRunner runner = new ProcessorRunner(log, Builtins.count("pages", List.of("clicks"), "page-counts",
            GroupKey.parse("page", true), true), new RunnerContext().group("pages").threads(1).description("count --by page")
            .maxRatePerSecond(3_000).checkpointIntervalMs(200))) {
            runner.start();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> lag(b) > 0);
            long seenLag = lag(browser);
            shoot("groups");
            append(clicks, 12_000, 3_000); // more arrives while it runs
            new WebDriverWait(browser, Duration.ofSeconds(90)).until(b -> lag(b) == 0);
            assertTrue(seenLag > 0);
            assertEquals(loadedAt, js("return performance.timeOrigin"), "the page was not reloaded");
            assertTrue(((Number) js("return state.snapshots")).longValue() - before >= 3, "updates arrived over the event stream");
            assertEquals("running", text(browser, "tr[data-group='pages'] td.state"));

            browser.get(ui.url() + "#/group/pages");
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(By.cssSelector("#chart canvas")).isEmpty()
                && ((Number) js("return (state.history['pages'] || []).length")).longValue() >= 3);
            assertEquals("0", text(browser, "#group-lag"));
            assertTrue(runner.awaitCaughtUp(60_000));
        }
        // stopped: a rewind plan can be made from the page, confirmed, and shows up in the audit log
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(By.cssSelector("h1 .badge.stopped")).isEmpty());
        js("window.confirm = () => true");
        browser.findElement(By.id("plan-to")).clear();
        browser.findElement(By.id("plan-to")).sendKeys("earliest");
        browser.findElement(By.cssSelector("#plan-form button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(b -> !b.findElements(By.cssSelector("#plan tbody tr")).isEmpty());
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> text(b, "#audit tbody").contains("rewind-dry-run"));
        shoot("group");

        browser.get(ui.url() + "#/topic/clicks");
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(By.id("read-form")).isEmpty());
        browser.findElement(By.id("read-from")).clear();
        browser.findElement(By.id("read-from")).sendKeys("100");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("read-partition"))).selectByVisibleText("1");
        browser.findElement(By.cssSelector("#read-form button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(By.cssSelector("#records tbody tr")).isEmpty());
        assertEquals("1", text(browser, "#records tbody tr td:nth-child(1)"));
        assertEquals("100", text(browser, "#records tbody tr td:nth-child(2)"), "records from the position typed in");
        assertTrue(text(browser, "#records tbody tr td:nth-child(6)").contains("\"n\":"), "with their values");
        shoot("topic");

        browser.get(ui.url() + "#/replays");
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(By.id("replays")).isEmpty());
        shoot("replays");
        assertFalse(text(browser, "#live").contains("reconnecting"));
    }

    private static void append(Topic topic, int from, int count) {
        List<Event> events = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            events.add(Event.of("user-" + (i % 97), "{\"page\":\"/p/" + (i % 13) + "\",\"n\":" + i + "}"));
        }
        topic.appendBatch(events);
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    /**
     * The text of the first element {@code css} selects ("" when none), read in one script: the page redraws its live
     * parts every second, so an element found in one call may be gone by the next.
     */
    private static String text(WebDriver b, String css) {
        Object t = ((JavascriptExecutor) b).executeScript("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css);
        return String.valueOf(t).strip();
    }

    /** The lag the groups page shows for the group, or -1 while the row is not there. */
    private static long lag(WebDriver b) {
        String t = text(b, "tr[data-group='pages'] td.lag");
        return t.isEmpty() ? -1 : Long.parseLong(t.replace(",", ""));
    }

    private void shoot(String page) throws Exception {
        Files.createDirectories(SHOTS);
        Files.write(SHOTS.resolve(page + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
