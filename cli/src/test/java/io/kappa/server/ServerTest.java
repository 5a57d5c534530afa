package io.kappa.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.kappa.cli.EventJson;
import io.kappa.client.KappaClient;
import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.Record;
import io.kappa.log.Topic;
import io.kappa.log.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(120)
class ServerTest {
    @TempDir
    Path dir;
    EventLog log;
    KappaServer server;
    int port;

    @BeforeEach
    void start() throws IOException {
        log = EventLog.open(new LogContext().dataDir(dir).maxRecordBytes(10_000));
        log.createTopic("ev", TopicConfig.partitions(3));
        startServer(ServerConfig.defaults().withPort(0).withMaxConnections(8).withLimits(64 * 1024, 32 * 1024).withTimeouts(800, 60_000));
    }

    private void startServer(ServerConfig config) throws IOException {
        server = KappaServer.start(log, config);
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
    }

    private List<Record> all(String topic) {
        Topic t = log.topic(topic);
        List<Record> out = new ArrayList<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            try (PartitionTailer tailer = t.partition(p).newTailer()) {
                while (tailer.poll(r -> out.add(r.toRecord()), 1000) > 0) {
                    // drain
                }
            }
        }
        return out;
    }

    private static JsonNode json(String s) throws IOException {
        return EventJson.MAPPER.readTree(s);
    }

    @Test
    void lineProtocolAnswersEveryPipelinedLineInOrder() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                lines.append("{\"topic\":\"ev\",\"key\":\"k").append(i % 7).append("\",\"value\":{\"n\":").append(i).append("}}\n");
            }
            lines.append("{broken\n");
            lines.append("{\"topic\":\"missing\",\"value\":1}\n");
            lines.append("{\"value\":1}\n");
            lines.append("{\"topic\":\"ev\",\"value\":\"").append("x".repeat(20_000)).append("\"}\n");
            lines.append("{\"topic\":\"ev\",\"value\":\"after the errors\",\"partition\":2}\r\n");
            out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            long[] next = new long[3];
            for (int i = 0; i < 200; i++) {
                JsonNode a = json(in.readLine());
                assertTrue(a.get("ok").asBoolean(), a.toString());
                int p = a.get("partition").asInt();
                assertEquals(next[p]++, a.get("offset").asLong(), "answers come in order");
            }
            assertTrue(json(in.readLine()).get("error").asText().startsWith("malformed JSON"));
            assertEquals("unknown topic 'missing'", json(in.readLine()).get("error").asText());
            assertEquals("missing \"topic\"", json(in.readLine()).get("error").asText());
            assertTrue(json(in.readLine()).get("error").asText().contains("over the maximum"), "oversized record");
            JsonNode last = json(in.readLine());
            assertEquals(2, last.get("partition").asInt());
        }
        List<Record> stored = all("ev");
        assertEquals(201, stored.size());
        assertTrue(stored.stream().anyMatch(r -> r.valueString().equals("after the errors")));
    }

    @Test
    void aNamePromotedWhileTheServerRunsIsWrittenToItsNewVersionByBothProtocols() throws Exception {
        log.createTopic("ev.v2", TopicConfig.partitions(2));
        try (Socket s = new Socket("127.0.0.1", port); KappaClient client = KappaClient.connect("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write("{\"topic\":\"ev\",\"value\":\"before\"}\n".getBytes(StandardCharsets.UTF_8));
            assertTrue(json(in.readLine()).get("ok").asBoolean());
            client.append("ev", List.of(Event.of("before, binary".getBytes())));
            try (EventLog other = EventLog.open(dir)) { // another process promotes
                io.kappa.replay.PromoteTool.promote(other, "ev", "v2", true);
            }
            out.write("{\"topic\":\"ev\",\"value\":\"after\"}\n".getBytes(StandardCharsets.UTF_8));
            assertTrue(json(in.readLine()).get("ok").asBoolean());
            client.append("ev", List.of(Event.of("after, binary".getBytes())));
        }
        assertEquals(List.of("before", "before, binary"), all("ev").stream().map(Record::valueString).sorted().toList(),
            "the first version keeps what came before the promote");
        assertEquals(List.of("after", "after, binary"), all("ev.v2").stream().map(Record::valueString).sorted().toList(),
            "after the promote, ev means ev.v2 for writers too");
    }

    @Test
    void aProducerIdReservedForProcessorTasksIsRefusedOnBothProtocolsAndNothingIsWritten() throws Exception {
        long taskId = io.kappa.processor.Groups.producerId("count", "count", 0);
        assertTrue(taskId < 0, "task ids lie in the reserved range");
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write(("{\"topic\":\"ev\",\"value\":\"forged\",\"partition\":0,\"producer\":" + taskId
                + ",\"sequence\":" + Long.MAX_VALUE / 2 + "}\n").getBytes(StandardCharsets.UTF_8));
            JsonNode refused = json(in.readLine());
            assertFalse(refused.get("ok").asBoolean());
            assertTrue(refused.get("error").asText().contains("is reserved"), refused.toString());
            out.write("{\"topic\":\"ev\",\"value\":\"line after\",\"partition\":0,\"producer\":7,\"sequence\":0}\n"
                .getBytes(StandardCharsets.UTF_8));
            assertTrue(json(in.readLine()).get("ok").asBoolean(), "the connection stays usable");
        }
        try (KappaClient forger = KappaClient.connect("127.0.0.1", port, KappaClient.Options.defaults().withProducerId(taskId))) {
            KappaClient.RequestFailed e = assertThrows(KappaClient.RequestFailed.class,
                () -> forger.append("ev", List.of(Event.of("forged, binary".getBytes()))));
            assertEquals(BinaryProtocol.ERR_INVALID, e.code());
            assertTrue(e.getMessage().contains("is reserved"), e.getMessage());
        }
        try (KappaClient client = KappaClient.connect("127.0.0.1", port)) {
            assertTrue(client.producerId() > 0, "a client's own id lies outside the reserved range");
            client.append("ev", List.of(Event.of("binary after".getBytes())));
        }
        List<Record> stored = all("ev");
        assertEquals(List.of("binary after", "line after"), stored.stream().map(Record::valueString).sorted().toList());
    }

    @Test
    void oneBadEventAmongPipelinedLinesFailsOnlyItsOwnLine() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            String lines = "{\"topic\":\"ev\",\"value\":1,\"partition\":0}\n"
                + "{\"topic\":\"ev\",\"value\":2,\"partition\":9}\n"
                + "{\"topic\":\"ev\",\"value\":3,\"partition\":0}\n"
                + "{\"topic\":\"ev\",\"value\":4,\"partition\":0,\"producer\":9,\"sequence\":0}\n"
                + "{\"topic\":\"ev\",\"value\":4,\"partition\":0,\"producer\":9,\"sequence\":0}\n";
            s.getOutputStream().write(lines.getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertEquals(0, json(in.readLine()).get("offset").asLong());
            assertTrue(json(in.readLine()).get("error").asText().contains("no partition 9"));
            assertEquals(1, json(in.readLine()).get("offset").asLong());
            assertEquals(2, json(in.readLine()).get("offset").asLong());
            assertEquals(2, json(in.readLine()).get("offset").asLong(), "a retried line of a producer is not written twice");
        }
        assertEquals(3, all("ev").size());
    }

    @Test
    void aLineOverTheLimitIsSkippedAndTheConnectionGoesOn() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("{\"topic\":\"ev\",\"value\":\"" + "y".repeat(100_000) + "\"}\n{\"topic\":\"ev\",\"value\":2}\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(json(in.readLine()).get("error").asText().contains("line longer than"));
            assertTrue(json(in.readLine()).get("ok").asBoolean());
        }
        assertEquals(1, all("ev").size());
    }

    @Test
    void aFinalLineWithoutNewlineIsStillAppended() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("{\"topic\":\"ev\",\"value\":\"no newline\"}".getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(json(in.readLine()).get("ok").asBoolean());
            assertNull(in.readLine(), "then the server closes");
        }
    }

    @Test
    void binaryClientAppendsBatchesAndGetsTheirOffsets() throws Exception {
        try (KappaClient client = KappaClient.connect("127.0.0.1", port)) {
            List<Appended> all = new ArrayList<>();
            List<java.util.concurrent.CompletableFuture<List<Appended>>> futures = new ArrayList<>();
            for (int b = 0; b < 50; b++) {
                List<Event> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    batch.add(new Event(("k" + i).getBytes(), ("v" + (b * 100 + i)).getBytes(), 1000L + i, i == 0 ? "id".getBytes() : null));
                }
                futures.add(client.send("ev", batch));
            }
            for (var f : futures) {
                all.addAll(f.get());
            }
            assertEquals(5000, all.size());
            assertEquals(5000, new HashSet<>(all).size(), "every event got its own offset");
            List<Appended> explicit = client.append("ev", List.of(Event.of("x".getBytes()).withPartition(1)));
            assertEquals(1, explicit.get(0).partition());
            KappaClient.RequestFailed unknown = assertThrows(KappaClient.RequestFailed.class, () -> client.append("nope", List.of(Event.of("x".getBytes()))));
            assertEquals(BinaryProtocol.ERR_UNKNOWN_TOPIC, unknown.code());
            KappaClient.RequestFailed big = assertThrows(KappaClient.RequestFailed.class,
                () -> client.append("ev", List.of(Event.of("ok".getBytes()), Event.of(new byte[20_000]))));
            assertEquals(BinaryProtocol.ERR_TOO_LARGE, big.code());
            KappaClient.RequestFailed badPartition = assertThrows(KappaClient.RequestFailed.class,
                () -> client.append("ev", List.of(Event.of("p".getBytes()).withPartition(9))));
            assertTrue(badPartition.getMessage().contains("no partition 9"), badPartition.getMessage());
            assertEquals(1, client.append("ev", List.of(Event.of("still fine".getBytes()))).size(), "errors leave the connection usable");
        }
        List<Record> stored = all("ev");
        assertEquals(5002, stored.size(), "refused batches appended nothing");
        Record first = stored.stream().filter(r -> r.valueString().equals("v0")).findFirst().orElseThrow();
        assertEquals("k0", first.keyString());
        assertEquals("id", first.idString());
        assertEquals(1000L, first.eventTime());
    }

    private static byte[] frame(long requestId, long producer, long firstSequence, String topic, List<Event> events) {
        ByteBuffer b = ByteBuffer.allocate(BinaryProtocol.requestSize(topic, events));
        BinaryProtocol.writeRequest(b, requestId, producer, firstSequence, topic, events);
        return b.array();
    }

    private static ByteBuffer readFrame(InputStream in) throws IOException {
        byte[] len = in.readNBytes(4);
        if (len.length < 4) {
            return null;
        }
        int n = ByteBuffer.wrap(len).getInt();
        return ByteBuffer.wrap(in.readNBytes(n));
    }

    @Test
    void aRetriedBatchIsAcknowledgedWithItsOriginalOffsetsAlsoAfterARestart() throws Exception {
        List<Event> events = List.of(Event.of("a", "1"), Event.of("b", "2"), Event.of("c", "3"));
        byte[] request = frame(1, 42, 100, "ev", events);
        List<Long> firstOffsets = new ArrayList<>();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(BinaryProtocol.MAGIC);
            s.getOutputStream().write(request);
            s.getOutputStream().write(request); // the same batch again, as a retry would send it
            for (int round = 0; round < 2; round++) {
                ByteBuffer ack = readFrame(s.getInputStream());
                assertEquals(BinaryProtocol.ACK, ack.get());
                assertEquals(1, ack.getLong());
                assertEquals(3, ack.getInt());
                for (int i = 0; i < 3; i++) {
                    ack.getInt();
                    long offset = ack.getLong();
                    if (round == 0) {
                        firstOffsets.add(offset);
                    } else {
                        assertEquals(firstOffsets.get(i), offset, "the retry gets the original offsets");
                    }
                }
            }
        }
        assertEquals(3, all("ev").size());
        // A new server on the same log rebuilds what producers appended from the records themselves.
        server.close();
        log.close();
        log = EventLog.open(new LogContext().dataDir(dir).maxRecordBytes(10_000));
        startServer(ServerConfig.defaults().withPort(0));
        List<Event> overlapping = List.of(Event.of("b", "2"), Event.of("c", "3"), Event.of("d", "4"));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(BinaryProtocol.MAGIC);
            s.getOutputStream().write(frame(7, 42, 101, "ev", overlapping));
            ByteBuffer ack = readFrame(s.getInputStream());
            assertEquals(BinaryProtocol.ACK, ack.get());
            ack.getLong();
            assertEquals(3, ack.getInt());
            ack.getInt();
            assertEquals(firstOffsets.get(1), ack.getLong());
            ack.getInt();
            assertEquals(firstOffsets.get(2), ack.getLong());
        }
        List<Record> stored = all("ev");
        assertEquals(4, stored.size(), "only the new event was appended: " + stored.size());
    }

    @Test
    void malformedAndOversizedFramesGetAnErrorAndACloseAndHarmNothing() throws Exception {
        try (KappaClient good = KappaClient.connect("127.0.0.1", port)) {
            good.append("ev", List.of(Event.of("before".getBytes())));
            // a frame length over the limit
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(BinaryProtocol.MAGIC);
                s.getOutputStream().write(ByteBuffer.allocate(4).putInt(10 << 20).array());
                ByteBuffer err = readFrame(s.getInputStream());
                assertEquals(BinaryProtocol.ERROR, err.get());
                err.getLong();
                assertEquals(BinaryProtocol.ERR_TOO_LARGE, err.getShort());
                assertEquals(-1, s.getInputStream().read(), "closed after the error");
            }
            // lengths inside the frame that do not add up
            try (Socket s = new Socket("127.0.0.1", port)) {
                byte[] f = frame(5, 0, 0, "ev", List.of(Event.of("x".getBytes())));
                ByteBuffer.wrap(f).putInt(f.length - 4, 999_999); // value length runs past the frame
                s.getOutputStream().write(BinaryProtocol.MAGIC);
                s.getOutputStream().write(f);
                ByteBuffer err = readFrame(s.getInputStream());
                assertEquals(BinaryProtocol.ERROR, err.get());
                assertEquals(5, err.getLong());
                assertEquals(BinaryProtocol.ERR_MALFORMED, err.getShort());
                assertEquals(-1, s.getInputStream().read());
            }
            // a frame cut off mid-way, then the client goes away
            try (Socket s = new Socket("127.0.0.1", port)) {
                byte[] f = frame(6, 0, 0, "ev", List.of(Event.of("never".getBytes())));
                s.getOutputStream().write(BinaryProtocol.MAGIC);
                s.getOutputStream().write(f, 0, f.length - 3);
            }
            // a frame cut off mid-way, and the client stays silent: closed after the stall timeout
            try (Socket s = new Socket("127.0.0.1", port)) {
                byte[] f = frame(8, 0, 0, "ev", List.of(Event.of("never either".getBytes())));
                s.getOutputStream().write(BinaryProtocol.MAGIC);
                s.getOutputStream().write(f, 0, 10);
                ByteBuffer err = readFrame(s.getInputStream());
                assertEquals(BinaryProtocol.ERROR, err.get());
                err.getLong();
                err.getShort();
                byte[] m = new byte[err.getShort()];
                err.get(m);
                assertTrue(new String(m, StandardCharsets.UTF_8).contains("cut off"));
            }
            // an unknown protocol
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("KXYZ".getBytes(StandardCharsets.US_ASCII));
                ByteBuffer err = readFrame(s.getInputStream());
                assertEquals(BinaryProtocol.ERROR, err.get());
            }
            good.append("ev", List.of(Event.of("after".getBytes())));
        }
        List<Record> stored = all("ev");
        assertEquals(List.of("before", "after"), stored.stream().map(Record::valueString).sorted((a, b) -> a.equals("before") ? -1 : 1).toList());
    }

    @Test
    void aFrameOverTheServersLimitFailsThatBatchOnlyAndTheClientGoesOn() throws Exception {
        try (KappaClient client = KappaClient.connect("127.0.0.1", port)) {
            List<Event> huge = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                huge.add(Event.of(new byte[9_000])); // 90 KB in one frame, over the 64 KB limit of this server
            }
            var failed = client.send("ev", huge);
            var fine = client.send("ev", List.of(Event.of("after".getBytes())));
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> failed.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertInstanceOf(KappaClient.RequestFailed.class, e.getCause());
            assertEquals(BinaryProtocol.ERR_TOO_LARGE, ((KappaClient.RequestFailed) e.getCause()).code());
            assertEquals(1, fine.get(30, java.util.concurrent.TimeUnit.SECONDS).size(), "the next batch is sent again and answered");
            assertTrue(client.reconnects() <= 2, "no reconnect loop: " + client.reconnects());
        }
        assertEquals(1, all("ev").size());
    }

    @Test
    void negativeProducerSequencesAreRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(BinaryProtocol.MAGIC);
            s.getOutputStream().write(frame(3, 42, -1, "ev", List.of(Event.of("x".getBytes()))));
            ByteBuffer err = readFrame(s.getInputStream());
            assertEquals(BinaryProtocol.ERROR, err.get());
            assertEquals(3, err.getLong());
            assertEquals(BinaryProtocol.ERR_MALFORMED, err.getShort());
        }
        assertEquals(0, all("ev").size());
    }

    @Test
    void everyLineSentBeforeTheClientsEndOfInputIsAnsweredEvenUnderBackpressure() throws Exception {
        server.close();
        ServerConfig d = ServerConfig.defaults();
        startServer(d.withPort(0).withMaxConnections(8).withTimeouts(60_000, 60_000).withMaxPendingOutput(1024));
        int lines = 3000;
        try (Socket s = new Socket("127.0.0.1", port)) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                b.append("{\"topic\":\"ev\",\"value\":").append(i).append("}\n");
            }
            s.getOutputStream().write(b.toString().getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput(); // as `nc -N` does, before reading any answer
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            int ok = 0;
            String line;
            while ((line = in.readLine()) != null) {
                assertTrue(json(line).get("ok").asBoolean(), line);
                ok++;
            }
            assertEquals(lines, ok, "every line answered before the server closed");
        }
        assertEquals(lines, all("ev").size());
    }

    @Test
    void silentClientsAndAConnectionFloodDoNotBlockOthers() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 7; i++) {
                idle.add(new Socket("127.0.0.1", port)); // connect and say nothing
            }
            try (KappaClient client = KappaClient.connect("127.0.0.1", port)) { // the 8th, the limit
                assertEquals(1, client.append("ev", List.of(Event.of("served".getBytes()))).size());
                try (Socket ninth = new Socket("127.0.0.1", port)) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(ninth.getInputStream(), StandardCharsets.UTF_8));
                    assertTrue(json(in.readLine()).get("error").asText().contains("too many connections (limit 8)"));
                    assertNull(in.readLine());
                }
                assertTrue(server.connectionsRefused() >= 1);
                // The silent ones are closed after the stall timeout (800 ms here), which frees their slots.
                for (Socket s : idle) {
                    s.setSoTimeout(10_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    String line = in.readLine();
                    assertTrue(line == null || line.contains("closing"), line);
                }
                try (Socket again = new Socket("127.0.0.1", port)) {
                    again.getOutputStream().write("{\"topic\":\"ev\",\"value\":1}\n".getBytes(StandardCharsets.UTF_8));
                    BufferedReader in = new BufferedReader(new InputStreamReader(again.getInputStream(), StandardCharsets.UTF_8));
                    assertTrue(json(in.readLine()).get("ok").asBoolean());
                }
                assertEquals(1, client.append("ev", List.of(Event.of("still served".getBytes()))).size());
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void theClientReconnectsAndRetriesWithoutDuplicatesWhenTheServerRestarts() throws Exception {
        try (KappaClient client = KappaClient.connect("127.0.0.1", port, KappaClient.Options.defaults().withMaxInFlight(8))) {
            List<java.util.concurrent.CompletableFuture<List<Appended>>> futures = new ArrayList<>();
            int batches = 200;
            for (int b = 0; b < batches; b++) {
                List<Event> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    batch.add(Event.of("k" + i, "" + (b * 50 + i)));
                }
                futures.add(client.send("ev", batch));
                if (b == batches / 2) {
                    // Restart the server on the same port while batches are in flight.
                    server.close();
                    startServer(ServerConfig.defaults().withPort(port));
                }
            }
            Set<Appended> acked = new HashSet<>();
            for (var f : futures) {
                acked.addAll(f.get());
            }
            assertEquals(batches * 50, acked.size());
            assertTrue(client.reconnects() >= 1, "the client had to reconnect");
        }
        List<Record> stored = all("ev");
        Set<String> values = new HashSet<>();
        for (Record r : stored) {
            assertTrue(values.add(r.valueString()), "appended once: " + r.valueString());
        }
        assertEquals(200 * 50, values.size(), "nothing lost, nothing doubled");
    }
}
