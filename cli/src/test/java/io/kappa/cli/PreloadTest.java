package io.kappa.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which command lines get the start-up preloading, and with it a read-only process: a writing command declared
 * read-only would fail its appends, so every writing command must get none.
 */
class PreloadTest {
    @Test
    void readingCommandsOpenQueuesAndAreDeclaredReadOnly() {
        assertEquals(Preload.Need.QUEUES, Preload.need(new String[] {"read", "clicks", "--limit", "1"}));
        assertEquals(Preload.Need.QUEUES, Preload.need(new String[] {"status", "--json"}));
        assertEquals(Preload.Need.QUEUES, Preload.need(new String[] {"topic", "describe", "clicks"}));
        assertEquals(Preload.Need.QUEUES, Preload.need(new String[] {"--data-dir", "/tmp/d", "--profile=p", "read", "t"}));
        assertEquals(Preload.Need.QUEUES, Preload.need(new String[] {"--data-dir=/tmp/d", "--profile", "p", "status"}));
    }

    /**
     * Every class the preloading thread initialises exists: it stops at the first that fails, so a name that a library
     * upgrade removed would silently leave the rest of its list to the main thread.
     */
    @Test
    void everyPreloadedClassExists() throws Exception {
        for (String[] list : new String[][] {Preload.METADATA, Preload.QUEUES}) {
            for (String name : list) {
                Class.forName(name, false, Preload.class.getClassLoader());
            }
        }
    }

    @Test
    void topicListNeedsTheMetadataOnly() {
        assertEquals(Preload.Need.METADATA, Preload.need(new String[] {"topic", "list", "--all"}));
    }

    @Test
    void writingAndLongRunningCommandsGetNothing() {
        for (String line : new String[] {"append t", "topic create t --partitions 2", "topic delete t", "topic alias a t", "run count --group g",
            "serve", "rewind g --to-start", "replay g", "promote g", "mirror a b", "state g", "diff a b", "golden g", "ui", "demo",
            "--data-dir /d append t", "--help", "help read", "--version", "", "--data-dir", "topic", "reads t", "statuses"}) {
            String[] args = line.isEmpty() ? new String[0] : line.split(" ");
            assertEquals(Preload.Need.NOTHING, Preload.need(args), line);
        }
    }
}
