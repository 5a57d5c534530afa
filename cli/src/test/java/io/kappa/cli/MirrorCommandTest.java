package io.kappa.cli;

import java.nio.file.Path;
import java.util.Random;

import io.kappa.kafka.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scale-out loop through the CLI on a real broker: mirror a local topic to Kafka, run the same processor on
 * the local log and on Kafka, mirror Kafka's output back, and diff the two outputs with {@code kappa diff}.
 */
class MirrorCommandTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    static final TestBroker broker = new TestBroker();

    @TempDir
    Path dir;

    Cli.Result kappa(String... args) {
        return kappaWithStdin(null, args);
    }

    Cli.Result kappaWithStdin(String stdin, String... args) {
        String[] full = java.util.Arrays.copyOf(args, args.length + 1);
        full[args.length] = "--data-dir=" + dir;
        return Cli.runWithStdin(stdin, full);
    }

    static String clicks(Random rnd, int n, int from) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            b.append("{\"key\":\"u").append(rnd.nextInt(60)).append("\",\"value\":{\"page\":\"p").append(rnd.nextInt(7))
                .append("\",\"v\":").append(i).append("},\"time\":").append(1_763_800_000_000L + i * 100L).append(",\"id\":\"c").append(i)
                .append("\"}\n");
        }
        return b.toString();
    }

    @Test
    void mirrorRunOnBothAndDiff() throws Exception {
        String b = broker.bootstrap();
        Random rnd = new Random(11);
        assertEquals(0, kappa("topic", "create", "clicks", "--partitions", "3").code());
        assertEquals(0, kappaWithStdin(clicks(rnd, 3000, 0), "append", "clicks").code());

        Cli.Result m = kappa("mirror", "clicks", "--kafka", b, "--until-caught-up");
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("mirrored 3,000 records clicks -> clicks"), m.out());
        assertTrue(m.err().contains("from earliest"), m.err());

        assertEquals(0, kappaWithStdin(clicks(rnd, 1000, 3000), "append", "clicks").code());
        m = kappa("mirror", "clicks", "--kafka", b, "--until-caught-up");
        assertEquals(0, m.code(), m.err());
        assertTrue(m.err().contains("going on where the last run stopped"), m.err());
        assertTrue(m.out().contains("mirrored 1,000 records"), m.out());
        assertEquals(4000, broker.readAll("clicks").size(), "each event once on Kafka");

        Cli.Result local = kappa("run", "count", "--by", "page", "--group", "lc", "--input", "clicks", "--output", "counts",
            "--until-caught-up");
        assertEquals(0, local.code(), local.err());
        Cli.Result onKafka = kappa("run", "count", "--by", "page", "--group", "kc", "--input", "clicks", "--output", "counts-k",
            "--kafka", b, "--until-caught-up");
        assertEquals(0, onKafka.code(), onKafka.err());

        Cli.Result back = kappa("mirror", "counts-k", "--from-kafka", "--kafka", b, "--until-caught-up");
        assertEquals(0, back.code(), back.err());
        assertTrue(back.out().contains("mirrored 4,000 records counts-k -> counts-k"), back.out());
        Cli.Result again = kappa("mirror", "counts-k", "--from-kafka", "--kafka", b, "--until-caught-up");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("mirrored 0 records"), "nothing twice: " + again.out());

        Cli.Result diff = kappa("diff", "counts", "counts-k");
        assertEquals(0, diff.code(), diff.out() + diff.err());
        assertTrue(diff.out().contains("equal"), diff.out());
    }

    @Test
    void badInputIsAClearError() {
        String b = broker.bootstrap();
        Cli.Result unknown = kappa("mirror", "nope", "--kafka", b, "--until-caught-up");
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("unknown topic 'nope'"), unknown.err());
        Cli.Result unknownKafka = kappa("mirror", "nope", "--from-kafka", "--kafka", b, "--until-caught-up");
        assertNotEquals(0, unknownKafka.code());
        assertTrue(unknownKafka.err().contains("no topic 'nope' on the Kafka cluster"), unknownKafka.err());
        Cli.Result offset = kappa("mirror", "nope", "--from-kafka", "--kafka", b, "--from", "12");
        assertEquals(2, offset.code(), offset.err());
        Cli.Result trick = kappa("mirror", "../etc", "--kafka", b);
        assertNotEquals(0, trick.code());
        // a Kafka topic that already holds records, with no progress of this mirror: refused unless forced
        assertEquals(0, kappa("topic", "create", "busy").code());
        assertEquals(0, kappaWithStdin("{\"value\":1}\n", "append", "busy").code());
        assertEquals(0, kappa("mirror", "busy", "--kafka", b, "--to", "busy-k", "--until-caught-up").code());
        Cli.Result clash = kappa("topic", "create", "busy2");
        assertEquals(0, clash.code());
        Cli.Result refused = kappa("mirror", "busy2", "--kafka", b, "--to", "busy-k", "--until-caught-up");
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("already holds records"), refused.err());
        Cli.Result down = kappa("mirror", "nope", "--from-kafka", "--kafka", "127.0.0.1:1", "--kafka-timeout", "2s");
        assertNotEquals(0, down.code());
        assertTrue(down.err().contains("is the cluster reachable?"), down.err());
    }
}
