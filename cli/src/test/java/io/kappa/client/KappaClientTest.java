package io.kappa.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.kappa.log.Appended;
import io.kappa.log.Event;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.log.PartitionTailer;
import io.kappa.log.TopicConfig;
import io.kappa.server.KappaServer;
import io.kappa.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** The client's deadlines and bounds, against a real server and against one that accepts and never answers. */
class KappaClientTest {
    @TempDir
    Path dir;

    /** Accepts connections and reads everything sent, answering nothing. */
    static final class SilentServer implements AutoCloseable {
        final ServerSocket socket;
        final List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
        final Thread acceptor;

        SilentServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = socket.accept();
                        accepted.add(s);
                        Thread drain = new Thread(() -> {
                            try (InputStream in = s.getInputStream()) {
                                in.transferTo(java.io.OutputStream.nullOutputStream());
                            } catch (IOException ignored) {
                                // closed
                            }
                        });
                        drain.setDaemon(true);
                        drain.start();
                    }
                } catch (IOException closed) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        /** Closes the listening socket, then (once no accept can still return one) every connection. */
        @Override
        public void close() throws IOException {
            socket.close();
            try {
                acceptor.join(10_000); // an accept under way when the socket closes may still return a connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    private static List<Event> events(int n) {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Event.of(("e" + i).getBytes()));
        }
        return out;
    }

    @Test
    @Timeout(30)
    void aSilentServerFailsTheClientWithAClearExceptionInsteadOfAHang() throws Exception {
        try (SilentServer silent = new SilentServer();
             KappaClient client = KappaClient.connect("127.0.0.1", silent.port(), KappaClient.Options.defaults().withReadTimeoutMs(500))) {
            CompletableFuture<List<Appended>> f = client.send("ev", events(1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(15, TimeUnit.SECONDS));
            assertInstanceOf(KappaClient.NoAnswer.class, e.getCause());
            assertTrue(e.getCause().getMessage().matches("no answer from .* for \\d+ ms \\(readTimeoutMs 500\\) with 1 batches unanswered; the client is closed"),
                e.getCause().getMessage());
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> client.send("ev", events(1)));
            assertTrue(closed.getMessage().contains("no answer from"), closed.getMessage());
        }
    }

    @Test
    @Timeout(60)
    void aBatchThatCannotBeBuiltGivesItsPermitBackAndAnIdleConnectionHasNoDeadline() throws Exception {
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir))) {
            log.createTopic("ev", TopicConfig.partitions(1));
            try (KappaServer server = KappaServer.start(log, ServerConfig.defaults().withPort(0));
                 KappaClient client = KappaClient.connect("127.0.0.1", server.address().getPort(),
                     KappaClient.Options.defaults().withMaxInFlight(2).withMaxFrameBytes(4096).withReadTimeoutMs(300))) {
                for (int i = 0; i < 3; i++) {
                    IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                        () -> client.send("ev", List.of(Event.of(new byte[5000]))));
                    assertTrue(tooLarge.getMessage().endsWith("bytes is over maxFrameBytes (4096); split it"), tooLarge.getMessage());
                    assertThrows(IllegalArgumentException.class, () -> client.send("t".repeat(40_000), events(1)), "topic name over 32767 bytes");
                    assertThrows(NullPointerException.class, () -> client.send("ev", Arrays.asList((Event) null)));
                }
                Thread.sleep(1000); // idle for longer than the read timeout: no failure
                List<CompletableFuture<List<Appended>>> sent = new ArrayList<>();
                for (int i = 0; i < 4; i++) { // twice maxInFlight: each needs a permit given back by an answer
                    sent.add(client.send("ev", events(1)));
                }
                for (int i = 0; i < sent.size(); i++) {
                    assertEquals(i, sent.get(i).get(10, TimeUnit.SECONDS).get(0).offset());
                }
            }
        }
    }

    /** The value stored at each acknowledged (partition, offset), read back from the log. */
    private static List<String> valuesAt(EventLog log, String topic, List<Appended> acks) {
        List<String> values = new ArrayList<>();
        for (Appended a : acks) {
            try (PartitionTailer tailer = log.topic(topic).partition(a.partition()).newTailer().moveToOffset(a.offset())) {
                List<String> one = new ArrayList<>();
                tailer.poll(r -> one.add(r.toRecord().valueString()), 1);
                values.add(one.isEmpty() ? null : one.get(0));
            }
        }
        return values;
    }

    @Test
    @Timeout(60)
    void everyAcknowledgementNamesWhereItsEventIsStored() throws Exception {
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir))) {
            log.createTopic("one", TopicConfig.partitions(1));
            log.createTopic("four", TopicConfig.partitions(4));
            try (KappaServer server = KappaServer.start(log, ServerConfig.defaults().withPort(0));
                 KappaClient client = KappaClient.connect("127.0.0.1", server.address().getPort(),
                     KappaClient.Options.defaults().withProducerId(77))) {
                List<Event> batch = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    values.add("v" + i + "-".repeat(60)); // a frame of ~45 KB: over the server's first receive buffer
                    batch.add(new Event(("key" + i).getBytes(), values.get(i).getBytes(), Event.NO_TIME, null));
                }
                client.append("one", events(3)); // the batch starts at offset 3
                List<Appended> one = client.append("one", batch);
                assertEquals(500, one.size());
                assertEquals(new Appended(0, 3), one.get(0));
                assertEquals(new Appended(0, 502), one.get(499));
                assertEquals(values, valuesAt(log, "one", one));
                assertThrows(IndexOutOfBoundsException.class, () -> one.get(500));
                assertThrows(UnsupportedOperationException.class, () -> one.set(0, new Appended(0, 0)), "acknowledgements are read-only");

                List<Appended> four = client.append("four", batch); // spread by key: several partitions, offsets not in a run
                assertEquals(500, four.size());
                assertTrue(four.stream().map(Appended::partition).distinct().count() > 1, "spread over partitions: " + four.subList(0, 5));
                assertEquals(values, valuesAt(log, "four", four));
                assertEquals(new ArrayList<>(four), four, "equal to a plain list of the same offsets");
                assertEquals(new ArrayList<>(four).hashCode(), four.hashCode());
            }
        }
    }

    @Test
    @Timeout(60)
    void unansweredEventsAreBoundedNotOnlyBatches() throws Exception {
        SilentServer silent = new SilentServer();
        KappaClient client = KappaClient.connect("127.0.0.1", silent.port(),
            KappaClient.Options.defaults().withMaxInFlightEvents(10).withReconnectTimeoutMs(200));
        try {
            IllegalArgumentException over = assertThrows(IllegalArgumentException.class, () -> client.send("ev", events(11)));
            assertEquals("a batch of 11 events is over maxInFlightEvents (10); split it", over.getMessage());
            CompletableFuture<List<Appended>> first = client.send("ev", events(6));
            CompletableFuture<Object> second = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.send("ev", events(6));
                } catch (Exception e) {
                    return e;
                }
            });
            Thread.sleep(500);
            assertFalse(second.isDone(), "6 + 6 unanswered events are over the bound of 10: the second send waits");
            silent.close(); // the connection breaks and cannot be re-established: the client fails and lets go
            assertThrows(ExecutionException.class, () -> first.get(20, TimeUnit.SECONDS));
            Object secondOutcome = second.get(20, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, secondOutcome, String.valueOf(secondOutcome));
        } finally {
            silent.close();
            client.close();
        }
    }
}
