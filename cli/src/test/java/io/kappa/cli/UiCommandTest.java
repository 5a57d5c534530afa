package io.kappa.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kappa ui} as a user starts it: a separate process, its address on stdout, the rule for reachable addresses. */
@Timeout(180)
class UiCommandTest {
    @TempDir
    Path dir;

    @Test
    void aReachableAddressIsRefusedWithoutTokensOrInsecure() {
        Cli.Result r = Cli.run(Cli.inDir(dir, "ui", "--bind", "0.0.0.0", "--port", "0"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--token-file") && r.err().contains("--insecure"), r.err());
    }

    @Test
    void servesWhatKappaStatusJsonPrintsAndHoldsTheTopicsItShows() throws Exception {
        assertEquals(0, Cli.exec(dir, null, "topic", "create", "clicks", "--partitions", "2").code());
        assertEquals(0, Cli.exec(dir, "{\"key\":\"a\",\"value\":{\"page\":\"/x\"}}\n{\"key\":\"b\",\"value\":{\"page\":\"/y\"}}\n", "append",
            "clicks").code());
        Cli.Result run = Cli.exec(dir, null, "run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "counts",
            "--until-caught-up");
        assertEquals(0, run.code(), run.err());
        Process ui = Cli.start(dir, "ui", "--port", "0");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(ui.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher m = Pattern.compile("kappa: console for .* at (http://127\\.0\\.0\\.1:\\d+/) \\(read-only\\)").matcher(String.valueOf(first));
            assertTrue(m.matches(), first);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> group = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/groups/pages")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, group.statusCode(), group.body());
            Cli.Result status = Cli.exec(dir, null, "status", "pages", "--json");
            assertEquals(status.out().strip(), group.body().strip(), "the console serves what status --json prints");

            Cli.Result delete = Cli.exec(dir, null, "topic", "delete", "clicks");
            assertEquals(1, delete.code());
            assertTrue(delete.err().contains("kappa ui (pid " + ui.pid() + ")"), "the console is named among the holders: " + delete.err());
            HttpResponse<String> action = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/groups/pages/stop"))
                .header("X-Kappa-Confirm", "pages").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, action.statusCode(), "read-only without --allow-actions");
        } finally {
            ui.destroy();
            assertTrue(ui.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops the console");
        }
        assertTrue(Files.isDirectory(dir.resolve("topics").resolve("clicks")));
        assertEquals(0, Cli.exec(dir, null, "topic", "delete", "clicks").code(), "once the console stopped, the topic can go");
    }

    @Test
    void withActionsAllowedTheConsoleStopsARunningGroupAndAuditsIt() throws Exception {
        assertEquals(0, Cli.exec(dir, null, "topic", "create", "clicks").code());
        assertEquals(0, Cli.exec(dir, "{\"key\":\"a\",\"value\":{\"page\":\"/x\"}}\n", "append", "clicks").code());
        Process run = Cli.start(dir, "run", "count", "--by", "page", "--group", "pages", "--input", "clicks", "--output", "counts");
        Process ui = Cli.start(dir, "ui", "--port", "0", "--allow-actions");
        try {
            String first = new BufferedReader(new InputStreamReader(ui.getInputStream(), StandardCharsets.UTF_8)).readLine();
            Matcher m = Pattern.compile(".* at (http://\\S+/) \\(actions allowed\\)").matcher(String.valueOf(first));
            assertTrue(m.matches(), first);
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.currentTimeMillis() + 60_000;
            String group = "";
            while (System.currentTimeMillis() < deadline && !group.contains("\"pid\":")) { // running, and group.json written
                Thread.sleep(200);
                group = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/groups/pages")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            }
            assertTrue(group.contains("\"pid\":" + run.pid()), group);
            HttpResponse<String> stop = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/groups/pages/stop"))
                .header("X-Kappa-Confirm", "pages").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stop.statusCode(), stop.body());
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the group's process stopped");
            assertEquals(0, run.exitValue(), "a clean stop, as after Ctrl-C");
            String audit = Files.readString(dir.resolve("groups").resolve("pages").resolve("audit.log"));
            assertTrue(audit.contains("\"action\":\"stop\"") && audit.contains("\"signalled\":" + run.pid()) && audit.contains("kappa ui"), audit);
        } finally {
            run.destroyForcibly();
            ui.destroy();
            ui.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
