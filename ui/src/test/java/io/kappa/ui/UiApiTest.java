package io.kappa.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import io.kappa.processor.ProcessorRunner;
import io.kappa.processor.RunnerContext;
import io.kappa.processor.builtin.Builtins;
import io.kappa.processor.builtin.GroupKey;
import io.kappa.processor.AuditLog;
import io.kappa.replay.StatusTool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's JSON API over real HTTP, against a real data directory. */
class UiApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path dir;
    private EventLog log;
    private final List<UiServer> servers = new ArrayList<>();

    @BeforeEach
    void openLog() {
        log = EventLog.open(new LogContext().dataDir(dir));
        Topic clicks = log.createTopic("clicks", TopicConfig.partitions(2));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(Event.of("u" + (i % 5), "{\"page\":\"/p" + (i % 3) + "\",\"n\":" + i + "}"));
        }
        clicks.appendBatch(events);
    }

    @AfterEach
    void close() {
        servers.forEach(UiServer::close);
        log.close();
    }

    private UiServer start(UiContext context) {
        UiServer ui = UiServer.start(context.log(new LogContext().dataDir(dir).holder("kappa ui")).port(0));
        servers.add(ui);
        return ui;
    }

    private HttpResponse<String> get(UiServer ui, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ui.url() + path.substring(1))).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(UiServer ui, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ui.url() + path.substring(1))).timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode body(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private void runCountToTheEnd(String group) throws Exception {
        try (ProcessorRunner runner = new ProcessorRunner(log, Builtins.count(group, List.of("clicks"), group + ".out",
            GroupKey.parse("key", false), false), new RunnerContext().group(group).threads(1).description("count --by key"))) {
            runner.start();
            assertTrue(runner.awaitCaughtUp(60_000), "the group caught up");
        }
    }

    @Test
    void topicsListEveryTopicWithItsPartitionsAndAliases() throws Exception {
        log.createTopic("orders", TopicConfig.partitions(1));
        log.alias("shop", "orders");
        UiServer ui = start(new UiContext());
        HttpResponse<String> r = get(ui, "/api/topics");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode topics = body(r);
        assertEquals("orders", topics.at("/aliases/shop").asText());
        JsonNode clicks = topics.get("topics").get(0);
        assertEquals("clicks", clicks.get("name").asText());
        assertEquals(2, clicks.get("partitionCount").asInt());
        assertEquals(40, clicks.get("records").asLong());
        assertEquals(40, clicks.at("/partitions/0/end").asLong() + clicks.at("/partitions/1/end").asLong());
        assertTrue(clicks.get("bytes").asLong() > 0);
        JsonNode orders = body(get(ui, "/api/topics/shop"));
        assertEquals("orders", orders.get("name").asText(), "an alias opens the topic it names");
        assertEquals("shop", orders.at("/aliases/0").asText());
        HttpResponse<String> unknown = get(ui, "/api/topics/nope");
        assertEquals(404, unknown.statusCode());
        assertEquals("unknown topic 'nope'", body(unknown).get("error").asText());
    }

    @Test
    void recordsComeFromAPositionAsKappaReadPrintsThem() throws Exception {
        UiServer ui = start(new UiContext());
        long end0 = log.topic("clicks").partition(0).endOffset();
        JsonNode r = body(get(ui, "/api/topics/clicks/records?from=earliest&partition=0&limit=3"));
        assertEquals(3, r.get("records").size());
        JsonNode first = r.get("records").get(0);
        assertEquals(0, first.get("partition").asInt());
        assertEquals(0, first.get("offset").asLong());
        assertTrue(first.get("value").isObject(), "a JSON value comes back as JSON: " + first);
        assertTrue(first.get("appendTime").asText().endsWith("Z"));
        assertEquals(3, r.at("/next/0").asLong());
        JsonNode all = body(get(ui, "/api/topics/clicks/records?from=earliest&limit=1000"));
        assertEquals(40, all.get("records").size(), "both partitions, in turns");
        JsonNode fromOffset = body(get(ui, "/api/topics/clicks/records?from=" + (end0 - 1) + "&partition=0"));
        assertEquals(1, fromOffset.get("records").size());
        assertEquals(end0 - 1, fromOffset.at("/records/0/offset").asLong());
        assertEquals(0, body(get(ui, "/api/topics/clicks/records?from=latest")).get("records").size());

        HttpResponse<String> bad = get(ui, "/api/topics/clicks/records?from=yesterday");
        assertEquals(400, bad.statusCode());
        assertTrue(body(bad).get("error").asText().startsWith("bad position 'yesterday'"), bad.body());
        HttpResponse<String> badPartition = get(ui, "/api/topics/clicks/records?partition=7");
        assertEquals(400, badPartition.statusCode());
        assertEquals("topic clicks has partitions 0..1, not 7", body(badPartition).get("error").asText());
        assertEquals(400, get(ui, "/api/topics/clicks/records?limit=5000").statusCode());
        assertEquals(400, get(ui, "/api/topics/clicks/records?limit=ten").statusCode());
    }

    @Test
    void aGroupIsWhatKappaStatusShowsAndItsHistoryGrowsEverySecond() throws Exception {
        runCountToTheEnd("pages");
        UiServer ui = start(new UiContext());
        JsonNode group = body(get(ui, "/api/groups/pages"));
        assertEquals(StatusTool.group(log, "pages").toString(), group.toString(), "the same object as kappa status --json");
        assertEquals(40, group.get("records").asLong());
        assertEquals(0, group.get("lag").asLong());
        assertFalse(group.get("running").asBoolean());
        assertEquals(group.toString(), body(get(ui, "/api/groups")).get("groups").get(0).toString());
        assertEquals(404, get(ui, "/api/groups/nope").statusCode());
        assertEquals(0, body(get(ui, "/api/replays")).get("replays").size());

        long deadline = System.currentTimeMillis() + 10_000;
        JsonNode history;
        do {
            Thread.sleep(200);
            history = body(get(ui, "/api/groups/pages/history"));
        } while (history.get("samples").size() < 3 && System.currentTimeMillis() < deadline);
        assertTrue(history.get("samples").size() >= 3, history.toString());
        JsonNode s = history.get("samples");
        long gap = s.get(s.size() - 1).get("time").asLong() - s.get(s.size() - 2).get("time").asLong();
        assertTrue(gap <= 1_100, "a look at least once a second, was " + gap + " ms apart");
        assertEquals(0, s.get(s.size() - 1).get("lag").asLong());
    }

    @Test
    void lagGrowsWithAppendsAndCarriesItsAgeInTime() throws Exception {
        runCountToTheEnd("pages");
        Thread.sleep(50);
        log.topic("clicks").partition(0).append(Event.of("u1", "{\"page\":\"/late\"}"));
        UiServer ui = start(new UiContext());
        JsonNode group = body(get(ui, "/api/groups/pages"));
        assertEquals(1, group.get("lag").asLong());
        JsonNode p0 = group.get("partitions").get(0);
        assertEquals(1, p0.get("lag").asLong());
        assertEquals(0, p0.get("lagMs").asLong(), "one record behind: it is both the oldest and the newest unprocessed");
        log.topic("clicks").partition(0).append(Event.of("u1", "{\"page\":\"/later\"}"));
        Thread.sleep(30);
        log.topic("clicks").partition(0).append(Event.of("u1", "{\"page\":\"/latest\"}"));
        JsonNode after = body(get(ui, "/api/groups/pages")).get("partitions").get(0);
        assertEquals(3, after.get("lag").asLong());
        assertTrue(after.get("lagMs").asLong() >= 30, "the oldest unprocessed record was appended 30+ ms before the newest: " + after);
    }

    @Test
    void aReplayShowsWhatRemainsAndWhenItEnds() throws Exception {
        long end0 = log.topic("clicks").partition(0).endOffset();
        long end1 = log.topic("clicks").partition(1).endOffset();
        try (ProcessorRunner runner = new ProcessorRunner(log, Builtins.count("clicks.v2", List.of("clicks"), "clicks.v2",
            GroupKey.parse("key", false), false), new RunnerContext().group("clicks.v2").threads(1).replay(true)
            .stopAt(Map.of("clicks", new long[] {end0 / 2, end1 / 2})))) {
            runner.start();
            assertTrue(runner.awaitCaughtUp(60_000));
        }
        UiServer ui = start(new UiContext());
        JsonNode replays = body(get(ui, "/api/replays")).get("replays");
        assertEquals(1, replays.size());
        JsonNode r = replays.get(0);
        assertTrue(r.get("replay").asBoolean());
        assertEquals(end0 / 2, r.at("/partitions/0/stopAt").asLong());
        assertEquals(0, r.get("remaining").asLong(), "stopped where it was told to: " + r);
        assertEquals(0.0, r.get("etaSeconds").asDouble());
        assertEquals(end0 + end1 - end0 / 2 - end1 / 2, r.get("lag").asLong(), "the lag still counts to the inputs' ends");
    }

    @Test
    void actionsAreOffUnlessAllowedConfirmedAndAudited() throws Exception {
        runCountToTheEnd("pages");
        UiServer readOnly = start(new UiContext());
        HttpResponse<String> off = post(readOnly, "/api/groups/pages/rewind-plan?to=earliest", "X-Kappa-Confirm", "pages");
        assertEquals(403, off.statusCode());
        assertEquals("actions are off: start kappa ui with --allow-actions", body(off).get("error").asText());

        UiServer ui = start(new UiContext().allowActions(true));
        HttpResponse<String> unconfirmed = post(ui, "/api/groups/pages/rewind-plan?to=earliest");
        assertEquals(400, unconfirmed.statusCode());
        assertEquals(0, AuditLog.ofGroup(dir, "pages").size());

        HttpResponse<String> planned = post(ui, "/api/groups/pages/rewind-plan?to=earliest", "X-Kappa-Confirm", "pages");
        assertEquals(200, planned.statusCode(), planned.body());
        JsonNode plan = body(planned);
        assertEquals(2, plan.get("moves").size());
        assertEquals(0, plan.at("/moves/0/target").asLong());
        assertEquals(40, plan.get("events").asLong(), "every record is reprocessed after a rewind to earliest");
        assertEquals(40, StatusTool.group(log, "pages").get("partitions").get(0).get("committed").asLong()
            + StatusTool.group(log, "pages").get("partitions").get(1).get("committed").asLong(), "a dry run moves nothing");
        List<JsonNode> audit = AuditLog.ofGroup(dir, "pages");
        assertEquals(1, audit.size());
        assertEquals("rewind-dry-run", audit.get(0).get("action").asText());
        assertEquals("earliest", audit.get(0).get("to").asText());
        assertEquals("kappa ui", audit.get(0).get("via").asText());
        assertEquals("rewind-dry-run", body(get(ui, "/api/groups/pages/audit")).at("/entries/0/action").asText());

        HttpResponse<String> badPosition = post(ui, "/api/groups/pages/rewind-plan?to=soon", "X-Kappa-Confirm", "pages");
        assertEquals(400, badPosition.statusCode());
        HttpResponse<String> notRunning = post(ui, "/api/groups/pages/stop", "X-Kappa-Confirm", "pages");
        assertEquals(409, notRunning.statusCode());
        assertEquals("group pages is not running", body(notRunning).get("error").asText());
        assertEquals(1, AuditLog.ofGroup(dir, "pages").size(), "refused actions leave no entry");
        assertEquals(405, get(ui, "/api/groups/pages/stop").statusCode());
    }

    @Test
    void tokensAreAskedForWhenGivenAndKeptInACookieForThePage() throws Exception {
        String token = "0123456789abcdef0123";
        UiServer ui = start(new UiContext().tokens(token::equals));
        HttpResponse<String> none = get(ui, "/api/topics");
        assertEquals(401, none.statusCode());
        assertEquals(401, get(ui, "/api/topics", "Authorization", "Bearer wrong-token-0000000").statusCode());
        assertEquals(200, get(ui, "/api/topics", "Authorization", "Bearer " + token).statusCode());
        HttpResponse<String> page = get(ui, "/");
        assertEquals(401, page.statusCode());
        assertTrue(page.body().contains("needs a token"));
        HttpResponse<String> opened = get(ui, "/?token=" + token);
        assertEquals(302, opened.statusCode(), "the token leaves the address bar");
        String cookie = opened.headers().firstValue("set-cookie").orElseThrow();
        assertTrue(cookie.startsWith(Access.COOKIE + "=" + token), cookie);
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        assertEquals(200, get(ui, "/api/groups", "Cookie", Access.COOKIE + "=" + token).statusCode());
    }

    @Test
    void onLoopbackOnlyLoopbackHostNamesAreAnswered() throws Exception {
        UiServer ui = start(new UiContext());
        assertTrue(rawGet(ui, "localhost").startsWith("HTTP/1.1 200"));
        assertTrue(rawGet(ui, "127.0.0.1:" + ui.address().getPort()).startsWith("HTTP/1.1 200"));
        String rebound = rawGet(ui, "attacker.example");
        assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
    }

    private static String rawGet(UiServer ui, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", ui.address().getPort())) {
            s.getOutputStream().write(("GET /api/config HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theEventStreamPushesASnapshotAtLeastOnceASecond() throws Exception {
        UiServer ui = start(new UiContext());
        HttpRequest req = HttpRequest.newBuilder(URI.create(ui.url() + "api/events")).build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        List<JsonNode> snapshots = new ArrayList<>();
        List<Long> arrived = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while (snapshots.size() < 3 && (line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    snapshots.add(JSON.readTree(line.substring(6)));
                    arrived.add(System.nanoTime());
                    if (snapshots.size() == 2) {
                        log.topic("clicks").append(Event.of("u9", "{\"page\":\"/new\"}"));
                    }
                }
            }
        }
        assertEquals(3, snapshots.size());
        assertTrue((arrived.get(2) - arrived.get(1)) / 1_000_000 <= 1_500, "one a second");
        assertEquals(40, snapshots.get(0).at("/topics/topics/0/records").asLong());
        assertEquals(41, snapshots.get(2).at("/topics/topics/0/records").asLong(), "a later snapshot sees the new record");
        assertTrue(snapshots.get(2).has("groups"));
    }

    @Test
    void thePageAndItsFilesComeFromTheJar() throws Exception {
        UiServer ui = start(new UiContext());
        HttpResponse<String> page = get(ui, "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("/static/uPlot.iife.min.js") && page.body().contains("/static/app.js"));
        HttpResponse<String> uplot = get(ui, "/static/uPlot.iife.min.js");
        assertEquals(200, uplot.statusCode());
        assertTrue(uplot.body().contains("uPlot"));
        assertTrue(get(ui, "/static/uPlot.LICENSE").body().contains("MIT"));
        HttpResponse<String> escape = get(ui, "/static/..%2F..%2F..%2Fetc%2Fpasswd");
        assertTrue(escape.statusCode() == 400 || escape.statusCode() == 404, escape.statusCode() + " " + escape.body());
        assertFalse(escape.body().contains("root:"));
        assertEquals(404, get(ui, "/nothing").statusCode());
    }
}
