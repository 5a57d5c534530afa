package io.kappa.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kappa.log.Dirs;
import io.kappa.log.EventLog;
import io.kappa.log.LogContext;
import io.kappa.server.KappaServer;
import io.kappa.server.ServerConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One data directory driven through the real {@code kappa} commands, beside the {@link LoopModel} of what a user
 * should see. Input topic {@code in}; the live group {@code g} writes {@code out}; replays write {@code out.vN}
 * under group {@code out.vN}. After every operation {@link #check()} compares what {@code status}, {@code read} and
 * the files show with the model.
 */
final class LoopWorld implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String IN = "in";
    static final String OUT = "out";
    static final String LIVE = "g";

    /** What the model knows of one group. */
    static final class Group {
        final String name;
        final String output;
        long[] committed;
        /** Set after a kill: the offsets are read back from status (somewhere between the last known and the end). */
        boolean unknown;
        /** The committed offsets saved by the last rewind, for --undo (null: nothing to undo). */
        long[] undo;
        boolean undoDrained;
        boolean ran;
        /** Rewound at least once (replay --verify then refuses it: it needs the group's whole history). */
        boolean rewound;
        /** Ran with --drain: its watermark is at the end of time, and a run is refused until a rewind. */
        boolean drained;
        /** Where the records the group sent to G.late or G.dlq came from ("p/offset"), once per time it read them. */
        final List<String> aside = new ArrayList<>();
        /** How far the group had read each partition before its last rewind: what it reads below is recomputed. */
        long[] reached;
        final boolean replay;

        Group(String name, String output, int partitions, boolean replay) {
            this.name = name;
            this.output = output;
            this.committed = new long[partitions];
            this.reached = new long[partitions];
            this.replay = replay;
        }
    }

    final Path dir;
    final LoopModel model;
    /** Runs and replays emit the latest change per key and commit ({@code --emit latest-per-commit}). */
    final boolean emitCache;
    final List<String> log = new ArrayList<>();
    final Map<String, Group> groups = new TreeMap<>();
    /** Latest expected row values of each physical output topic. */
    final Map<String, Map<String, String>> outputs = new TreeMap<>();
    /** Logical name -> physical topic, as promote leaves it. */
    final Map<String, String> aliases = new TreeMap<>();
    /** Per append action: the wall time before it and the input's end offsets then (for rewinds by time). */
    final List<Long> appendTimes = new ArrayList<>();
    final List<long[]> appendEnds = new ArrayList<>();
    int versions = 1;
    int markers;
    /** Producer ids of the binary appends, one per call (positive: a client's). */
    long binaryProducers = 0x5EED0000L;
    /** Event time per input partition: a partition may run ahead of the others (a backfill, a skewed source). */
    final long[] clocks;
    int ids;
    private EventLog serverLog;
    private KappaServer server;

    /** The world of the running try, closed after it whether it passed or not ({@code LoopSequenceTest}). */
    static volatile LoopWorld current;

    LoopWorld(int partitions, LoopModel.Kind kind) {
        this(partitions, kind, false);
    }

    /**
     * @param emitCache whether every run and replay emits the latest change per key and commit ({@code --emit
     *     latest-per-commit}, with a cache small enough to be written out early too) instead of every change
     */
    LoopWorld(int partitions, LoopModel.Kind kind, boolean emitCache) {
        current = this;
        this.emitCache = emitCache;
        try {
            this.dir = Files.createTempDirectory("kappa-loop-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.model = new LoopModel(partitions, kind);
        this.clocks = new long[partitions];
        Arrays.fill(clocks, 1_800_000_000_000L);
        ok("topic", "create", IN, "--partitions", Integer.toString(partitions));
        groups.put(LIVE, new Group(LIVE, OUT, partitions, false));
        outputs.put(OUT, new TreeMap<>());
    }

    @Override
    public String toString() {
        return "world(" + model.kind + ", " + model.partitions + " partitions" + (emitCache ? ", --emit latest-per-commit" : "") + ")";
    }

    // ---------------------------------------------------------------- running kappa

    Cli.Result kappa(String... args) {
        return Cli.run(Cli.inDir(dir, args));
    }

    Cli.Result ok(String... args) {
        Cli.Result r = kappa(args);
        assertEquals(0, r.code(), () -> "kappa " + String.join(" ", args) + " failed: " + r.err() + r.out());
        return r;
    }

    String[] processorArgs(String command, String group, String output, String... more) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(Arrays.asList(model.kind.args));
        if (group != null) {
            a.addAll(List.of("--group", group));
        }
        a.addAll(List.of("--input", IN, "--output", output, "--checkpoint-interval", "50ms"));
        if (command.equals("run") || command.equals("replay")) {
            // snapshots often: a rewind rebuilds from the nearest one (single-stage groups; a later stage takes none)
            a.addAll(List.of("--snapshot-every-records", "7", "--snapshots-keep", "4"));
            if (emitCache) {
                a.addAll(List.of("--emit", "latest-per-commit", "--emit-cache-bytes", "256"));
            }
        }
        a.addAll(Arrays.asList(more));
        return a.toArray(new String[0]);
    }

    // ---------------------------------------------------------------- operations

    /**
     * Events with increasing times per partition (each at most 3 s out of order: inside the allowed disorder); a
     * drawn retry repeats one of the last events of its partition (same key, id and value) a little later;
     * {@code jump} moves one partition's clock 10 minutes ahead first.
     */
    List<LoopModel.Ev> events(List<int[]> drawn, int jump) {
        if (jump >= 0) {
            clocks[jump % clocks.length] += 600_000;
        }
        List<LoopModel.Ev> evs = new ArrayList<>();
        for (int[] d : drawn) {
            LoopModel.Ev e = new LoopModel.Ev("k" + d[0], "p" + d[1], d[2], 0, "e" + ids, false);
            int p = model.partitionOf(e);
            List<LoopModel.Ev> earlier = new ArrayList<>(model.input.get(p));
            evs.stream().filter(x -> model.partitionOf(x) == p).forEach(earlier::add);
            clocks[p] += 1_000;
            if (d[4] == 0 && !earlier.isEmpty()) {
                LoopModel.Ev o = earlier.get(earlier.size() - 1 - (d[3] % Math.min(10, earlier.size())));
                evs.add(new LoopModel.Ev(o.key(), o.page(), o.n(), clocks[p] + d[3], o.id(), o.poison()));
            } else {
                ids++;
                // a window-count sees some events too late for their window; a sum some values that are not numbers
                boolean odd = d[5] == 0;
                long time = odd && model.kind.hasLate() ? clocks[p] - 30_000 : clocks[p] + d[3];
                evs.add(new LoopModel.Ev(e.key(), e.page(), e.n(), time, e.id(), odd && model.kind == LoopModel.Kind.SUM_BY_KEY));
            }
        }
        return evs;
    }

    void appendCli(List<LoopModel.Ev> evs) {
        beforeAppend();
        StringBuilder b = new StringBuilder();
        for (LoopModel.Ev e : evs) {
            b.append(e.json()).append('\n');
        }
        Cli.Result r = Cli.runWithStdin(b.toString(), "append", IN, "--data-dir=" + dir);
        assertEquals(0, r.code(), r.err());
        evs.forEach(model::append);
    }

    void appendTcp(List<LoopModel.Ev> evs) throws IOException {
        beforeAppend();
        startServer();
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            StringBuilder b = new StringBuilder();
            for (LoopModel.Ev e : evs) {
                b.append(e.json().replace("{\"key\"", "{\"topic\":\"" + IN + "\",\"key\"")).append('\n');
            }
            o.write(b.toString().getBytes(StandardCharsets.UTF_8));
            o.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (LoopModel.Ev e : evs) {
                String answer = in.readLine();
                assertTrue(answer != null && answer.contains("\"ok\":true"), "server answered " + answer + " for " + e);
                JsonNode a = JSON.readTree(answer);
                assertEquals(model.partitionOf(e), a.path("partition").asInt(), "partition of " + e);
                model.append(e);
            }
        }
    }

    /**
     * Appends through {@code KappaClient} (binary frames) as an idempotent producer, then sends the first
     * {@code retried} events again under the same producer id, as a client does that lost its answers: the
     * server must answer them with their first offsets and write nothing twice.
     */
    void appendBinary(List<LoopModel.Ev> evs, int retried) throws Exception {
        beforeAppend();
        startServer();
        long producer = ++binaryProducers; // a new idempotent producer per call: its sequences start at 0
        List<io.kappa.log.Event> events = new ArrayList<>();
        for (LoopModel.Ev e : evs) {
            events.add(new io.kappa.log.Event(e.key().getBytes(StandardCharsets.UTF_8), e.value().getBytes(StandardCharsets.UTF_8),
                e.time(), e.id().getBytes(StandardCharsets.UTF_8)));
        }
        List<io.kappa.log.Appended> first;
        io.kappa.client.KappaClient.Options options = io.kappa.client.KappaClient.Options.defaults().withProducerId(producer);
        try (io.kappa.client.KappaClient c = io.kappa.client.KappaClient.connect("127.0.0.1", server.address().getPort(), options)) {
            first = c.append(IN, events);
        }
        for (int i = 0; i < evs.size(); i++) {
            assertEquals(model.partitionOf(evs.get(i)), first.get(i).partition(), "partition of " + evs.get(i));
            assertEquals(model.input.get(first.get(i).partition()).size(), first.get(i).offset(), "offset of " + evs.get(i));
            model.append(evs.get(i));
        }
        int n = Math.min(retried, evs.size());
        if (n > 0) {
            try (io.kappa.client.KappaClient c = io.kappa.client.KappaClient.connect("127.0.0.1", server.address().getPort(), options)) {
                List<io.kappa.log.Appended> again = c.append(IN, events.subList(0, n));
                assertEquals(first.subList(0, n), again, "a retried batch must be answered with its first offsets");
            }
        }
    }

    private void startServer() throws IOException {
        if (server == null) {
            serverLog = EventLog.open(new LogContext().dataDir(dir));
            server = KappaServer.start(serverLog, ServerConfig.defaults().withPort(0));
        }
    }

    private void beforeAppend() {
        sleepMs(3);
        appendTimes.add(System.currentTimeMillis());
        appendEnds.add(model.ends());
        sleepMs(3);
    }

    void runUntilCaughtUp(String group, boolean drain) {
        Group g = groups.get(group);
        if (g.drained && !(drain && Arrays.equals(g.committed, model.ends()))) {
            // refused: only --drain again with nothing new (finishing an interrupted drain) is accepted
            String before = fingerprint();
            Cli.Result r = drain ? kappa(processorArgs("run", group, g.output, "--until-caught-up", "--drain"))
                : kappa(processorArgs("run", group, g.output, "--until-caught-up"));
            assertEquals(1, r.code(), () -> "a run of a drained group was not refused: " + r.out() + r.err());
            assertTrue(r.err().contains("drained"), r.err());
            assertEquals(before, fingerprint(), "a refused run changed something");
            return;
        }
        if (drain) {
            ok(processorArgs("run", group, g.output, "--until-caught-up", "--drain"));
        } else {
            ok(processorArgs("run", group, g.output, "--until-caught-up"));
        }
        finished(g, drain);
    }

    /** The model's half of a run that consumed everything: outputs of the keys touched since the state's prefix. */
    private void finished(Group g, boolean drain) {
        long[] end = model.ends();
        model.run(outputs.computeIfAbsent(g.output, o -> new TreeMap<>()), g.committed, g.drained, end, drain || g.drained, g.reached,
            g.replay);
        g.aside.addAll(model.asideIn(g.committed, end));
        g.committed = end;
        g.unknown = false;
        g.ran = true;
        g.drained |= drain;
    }

    /** A run in a child JVM, killed with SIGKILL after {@code millis}; the run after it must make up for it. */
    void runKilled(String group, int millis) throws Exception {
        Group g = groups.get(group);
        if (g.drained) {
            return; // refused at once (runUntilCaughtUp checks the refusal)
        }
        Process p = Cli.start(dir, processorArgs("run", group, g.output));
        try {
            p.waitFor(millis, TimeUnit.MILLISECONDS);
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Cli.Result status = kappa("status", group, "--json");
        if (status.err().contains("unknown group") || !JSON.readTree(status.out()).path("partitions").elements().hasNext()) {
            return; // killed before the group's first checkpoint (written before anything is processed): nothing happened
        }
        // outputs written before the kill are recognised on the next run; offsets are somewhere in between
        long[] seen = committedFromStatus(group);
        long[] end = model.ends();
        for (int i = 0; i < seen.length; i++) {
            long at = seen[i];
            int part = i;
            assertTrue(at >= g.committed[i] && at <= end[i], () -> "after kill -9 partition " + part + " is at " + at + ", outside ["
                + g.committed[part] + ", " + end[part] + "]");
        }
        g.unknown = true;
        g.ran = true;
        // the model's prefix stays the last known one: the next completed run writes every key touched since then
    }

    enum RewindKind { EARLIEST, LATEST, OFFSET, TIME, SHIFT, PARTITION }

    void rewind(String group, RewindKind kind, int pick, boolean dryRun) {
        Group g = groups.get(group);
        syncUnknown(g);
        long[] end = model.ends();
        long[] target = g.committed.clone();
        List<String> args = new ArrayList<>(List.of("rewind", "--group", group));
        switch (kind) {
            case EARLIEST -> {
                args.addAll(List.of("--to", "earliest"));
                Arrays.fill(target, 0);
            }
            case LATEST -> {
                args.addAll(List.of("--to", "latest"));
                target = end.clone();
            }
            case OFFSET -> {
                long max = Arrays.stream(end).max().orElse(0);
                long o = max == 0 ? 0 : pick % (max + 1);
                args.addAll(List.of("--to", Long.toString(o)));
                for (int p = 0; p < target.length; p++) {
                    target[p] = Math.min(o, end[p]);
                }
            }
            case TIME -> {
                if (appendTimes.isEmpty()) {
                    args.addAll(List.of("--to", "earliest"));
                    Arrays.fill(target, 0);
                } else {
                    int i = pick % appendTimes.size();
                    args.addAll(List.of("--to", "@" + appendTimes.get(i)));
                    target = appendEnds.get(i).clone();
                }
            }
            case SHIFT -> {
                int n = 1 + pick % 7;
                args.addAll(List.of("--shift", Integer.toString(-n)));
                for (int p = 0; p < target.length; p++) {
                    target[p] = Math.max(0, g.committed[p] - n);
                }
            }
            case PARTITION -> {
                int p = pick % target.length;
                long o = end[p] == 0 ? 0 : (pick / 3) % (end[p] + 1);
                args.addAll(List.of("--to", Long.toString(o), "--partition", Integer.toString(p)));
                target[p] = o;
            }
        }
        if (dryRun) {
            args.add("--dry-run");
        }
        String before = dryRun ? fingerprint() : null;
        long fromSnapshot = dryRun && !twoStages() ? fromNearestSnapshot(group, target) : -1;
        Cli.Result r = kappa(args.toArray(new String[0]));
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        if (dryRun) {
            assertEquals(before, fingerprint(), "rewind --dry-run changed something");
            // the cost names the state rebuild: a muted replay from the nearest snapshot or the start to the new offsets
            // (from the start for a group with a later stage, and more)
            long rebuild = fromSnapshot >= 0 ? fromSnapshot : Arrays.stream(target).sum();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("to rebuild the state: ([0-9,]+) events").matcher(r.out());
            if (rebuild == 0) {
                assertTrue(!m.find(), () -> "nothing to rebuild at the start of the inputs, but: " + r.out());
            } else {
                assertTrue(m.find(), () -> "the dry run does not show the rebuild of " + rebuild + " events: " + r.out());
                long shown = Long.parseLong(m.group(1).replace(",", ""));
                if (twoStages()) {
                    assertTrue(shown >= rebuild, "rebuild of " + shown + " events, less than the " + rebuild + " of the first stage");
                } else {
                    assertEquals(rebuild, shown, "events to rebuild the state: " + r.out());
                }
            }
            return;
        }
        g.rewound = true;
        g.undo = g.committed.clone();
        g.undoDrained = g.drained;
        for (int p = 0; p < target.length; p++) {
            g.reached[p] = Math.max(g.reached[p], g.committed[p]);
        }
        g.committed = target;
        g.drained = false; // the state is rebuilt (or cleared) at the new offsets: no longer drained
    }

    /**
     * The events a rebuild at {@code target} replays from the group's snapshot nearest below it (as {@code kappa status
     * --snapshots} lists them), or -1 when none is at or below it.
     */
    private long fromNearestSnapshot(String group, long[] target) {
        JsonNode list;
        try {
            list = JSON.readTree(ok("status", group, "--snapshots", "--json").out()).get("snapshots").get("list");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        long fewest = -1;
        for (JsonNode snap : list) {
            long events = 0;
            for (JsonNode pos : snap.get("positions")) {
                long next = pos.get("next").asLong();
                long to = target[pos.get("partition").asInt()];
                events = events < 0 || next > to ? -1 : events + to - next;
            }
            if (events >= 0 && (fewest < 0 || events < fewest)) {
                fewest = events;
            }
        }
        return fewest;
    }

    void undo(String group, boolean dryRun) {
        Group g = groups.get(group);
        syncUnknown(g);
        String before = fingerprint();
        Cli.Result r = dryRun ? kappa("rewind", "--group", group, "--undo", "--dry-run") : kappa("rewind", "--group", group, "--undo");
        if (g.undo == null) {
            assertNotEquals(0, r.code(), "undo with nothing to undo succeeded: " + r.out());
            assertEquals(before, fingerprint(), "a refused undo changed something");
            return;
        }
        assertEquals(0, r.code(), () -> "undo: " + r.err());
        if (dryRun) {
            assertEquals(before, fingerprint(), "rewind --undo --dry-run changed something");
            return;
        }
        for (int p = 0; p < g.reached.length; p++) {
            g.reached[p] = Math.max(g.reached[p], g.committed[p]); // an undo moves back too: what was read is read again
        }
        g.committed = g.undo;
        g.drained = g.undoDrained;
        g.undo = null;
    }

    /** Replays the live processor from the start into the next version {@code out.vN} under group {@code out.vN}. */
    void replay() {
        String name = OUT + ".v" + (++versions);
        Group g = new Group(name, name, model.partitions, true);
        groups.put(name, g);
        Cli.Result r = kappa(processorArgs("replay", null, name, "--until-caught-up")); // the group: the output's name
        assertEquals(0, r.code(), () -> "replay: " + r.err());
        finished(g, false);
    }

    /** Promotes the newest version; refused (and nothing changes) when its group has not consumed every event. */
    void promote() {
        String name = OUT + ".v" + versions;
        Group g = groups.get(name);
        String before = fingerprint();
        Cli.Result r = kappa("promote", OUT, "--to", "v" + versions);
        boolean caughtUp = !g.unknown && Arrays.equals(g.committed, model.ends());
        if (!caughtUp) {
            assertNotEquals(0, r.code(), "promote of a version that is behind succeeded");
            assertEquals(before, fingerprint(), "a refused promote changed something");
            return;
        }
        assertEquals(0, r.code(), () -> "promote: " + r.err());
        if (!aliases.containsKey(OUT)) {
            aliases.put(OUT + ".v1", OUT);
        }
        aliases.put(OUT, name);
    }

    /** Writes a marker event to the logical output name: a reader of that name must see it. */
    void appendToOutput() {
        String key = "m" + (markers++);
        Cli.Result r = kappa("append", OUT, "--key", key, "{\"marker\":" + markers + "}");
        assertEquals(0, r.code(), () -> "append to " + OUT + ": " + r.err());
        outputs.computeIfAbsent(physical(OUT), o -> new TreeMap<>()).put(key, "marker");
    }

    /** Whether the group has a later stage reading what its first stage writes. */
    boolean twoStages() {
        return model.kind == LoopModel.Kind.FLAGS || (model.partitions > 1 && (model.kind == LoopModel.Kind.COUNT_BY_PAGE
            || model.kind == LoopModel.Kind.WINDOW_BY_PAGE || model.kind == LoopModel.Kind.TOP));
    }

    /**
     * {@code kappa replay --verify --group g}: refused for a group that was rewound; else the replay reproduces the
     * output and state, except for a processor whose output depends on {@code isReplaying()}, where it names the first
     * offset that differs.
     */
    void verify() {
        Group g = groups.get(LIVE);
        String before = fingerprint();
        Cli.Result r = kappa("replay", "--verify", "--group", LIVE);
        assertEquals(before, fingerprint(), "replay --verify changed something");
        if (g.rewound) {
            assertNotEquals(0, r.code(), () -> "verify of a rewound group: " + r.out());
            assertTrue(r.err().contains("rewound"), r.err());
        } else if (emitCache) {
            // which changes reach the output depends on when commits fell: nothing to compare record by record
            assertEquals(2, r.code(), () -> "verify of a group run with --emit latest-per-commit: " + r.out() + r.err());
            assertTrue(r.err().contains("--emit latest-per-commit"), r.err());
        } else if (model.kind == LoopModel.Kind.FLAGS && Arrays.stream(g.committed).sum() > 0) {
            assertEquals(1, r.code(), () -> "verify of a processor that writes isReplaying(): " + r.out() + r.err());
            assertTrue(r.out().contains("DIVERGES at offset 0"), r.out());
        } else {
            assertEquals(0, r.code(), () -> "verify: " + r.out() + r.err());
            assertTrue(r.out().contains("equal: the replay reproduces"), r.out());
        }
    }

    /** {@code kappa diff out out.vN}: equal exactly when the model's rows are. */
    void diff() {
        String right = OUT + ".v" + versions;
        List<String> a = new ArrayList<>(List.of("diff", OUT, right));
        if (model.kind.windowed()) {
            a.addAll(List.of("--by", "key,windowStart"));
        } else if (model.kind == LoopModel.Kind.DEDUP) {
            a.addAll(List.of("--by", "key,i")); // a row per kept record, as the model has them
        }
        Cli.Result r = kappa(a.toArray(new String[0]));
        Map<String, String> left = outputs.getOrDefault(physical(OUT), Map.of());
        Map<String, String> other = outputs.getOrDefault(physical(right), Map.of());
        // diff compares the latest record of a row; a dedup's rows count how often each was written, which diff does not see
        boolean equal = model.kind == LoopModel.Kind.DEDUP ? left.keySet().equals(other.keySet()) : left.equals(other);
        assertEquals(equal ? 0 : 1, r.code(), () -> "diff " + OUT + " " + right + " (model: " + (equal ? "equal" : "different") + "): "
            + r.out() + r.err());
    }

    // ---------------------------------------------------------------- observations

    String physical(String name) {
        return aliases.getOrDefault(name, name);
    }

    /** Compares every observation with the model. */
    void check() throws Exception {
        for (Group g : groups.values()) {
            if (!g.ran) {
                continue;
            }
            long[] c = committedFromStatus(g.name);
            if (!g.unknown) {
                assertEquals(Arrays.toString(g.committed), Arrays.toString(c), "committed offsets of group " + g.name + " in status");
            }
        }
        for (Group g : groups.values()) {
            if (g.ran && !g.unknown) {
                checkAside(g);
            }
        }
        boolean settled = groups.values().stream().noneMatch(g -> g.unknown);
        if (!settled) {
            return;
        }
        if (model.kind == LoopModel.Kind.WINDOW_BY_PAGE) {
            return; // its outputs are not modelled (see LoopModel.Kind)
        }
        for (Map.Entry<String, Map<String, String>> e : outputs.entrySet()) {
            assertEquals(e.getValue(), latestRows(readName(e.getKey())), "latest rows of topic " + e.getKey());
        }
        // what a reader of a logical name sees is its current version
        for (String name : List.of(OUT)) {
            if (outputs.containsKey(physical(name))) {
                assertEquals(outputs.get(physical(name)), latestRows(name), "latest rows read as " + name);
            }
        }
    }

    /** What status counts as late and dead-lettered, and what G.late / G.dlq hold: the records the model sent aside. */
    private void checkAside(Group g) throws IOException {
        JsonNode s = JSON.readTree(ok("status", g.name, "--json").out());
        if (model.kind == LoopModel.Kind.WINDOW_BY_PAGE) {
            // which records were late is not modelled: each must be an input record as the user wrote it, counted once
            List<String> found = asideRecords(g.name);
            assertEquals(found.size(), s.path("late").asLong() + s.path("deadLettered").asLong(), "late records of " + g.name
                + " in status: " + s);
            return;
        }
        List<String> expected = new ArrayList<>(g.aside);
        expected.sort(null);
        List<String> found = asideRecords(g.name);
        assertEquals(expected, found, "records of group " + g.name + " in " + g.name + ".late and " + g.name + ".dlq");
        long count = s.path("late").asLong() + s.path("deadLettered").asLong();
        assertEquals(expected.size(), count, "late + dead-lettered of group " + g.name + " in status: " + s);
    }

    /** Where the records in {@code G.late} and {@code G.dlq} came from, sorted; each must name the input topic. */
    private List<String> asideRecords(String group) throws IOException {
        List<String> found = new ArrayList<>();
        for (String side : List.of(group + ".late", group + ".dlq")) {
            Cli.Result r = kappa("read", side);
            if (r.code() != 0) {
                assertTrue(r.err().contains("unknown topic"), r.err());
                continue;
            }
            for (String line : r.lines()) {
                JsonNode v = JSON.readTree(line).path("value");
                assertEquals(IN, v.path("topic").asText(), "the topic named by " + line);
                int p = v.path("partition").asInt();
                long o = v.path("offset").asLong();
                assertTrue(p >= 0 && p < model.partitions && o >= 0 && o < model.input.get(p).size(), "no input record at " + line);
                // G.late carries a JSON value as JSON, G.dlq the value's text
                JsonNode original = v.path("value").isTextual() ? JSON.readTree(v.path("value").asText()) : v.path("value");
                assertEquals(JSON.readTree(model.input.get(p).get((int) o).value()), original, "the original value in " + line);
                found.add(p + "/" + o);
            }
        }
        found.sort(null);
        return found;
    }

    long[] committedFromStatus(String group) throws IOException {
        Cli.Result r = ok("status", group, "--json");
        JsonNode s = JSON.readTree(r.out());
        long[] c = groups.get(group).committed.clone();
        for (JsonNode p : s.path("partitions")) {
            if (p.path("topic").asText().equals(IN)) {
                c[p.path("partition").asInt()] = p.path("committed").asLong();
            }
        }
        return c;
    }

    /**
     * Before an operation that moves a killed group's offsets: the killed run wrote outputs up to a point the model
     * cannot know, and no later run will write those keys again. Takes the offsets from status, and each output row
     * the killed run wrote, after checking that a run from the last known offsets could have written it.
     */
    private void syncUnknown(Group g) {
        if (!g.unknown) {
            return;
        }
        try {
            long[] from = g.committed;
            long[] end = model.ends();
            Map<String, String> expected = outputs.computeIfAbsent(g.output, o -> new TreeMap<>());
            Map<String, String> actual = latestRows(readName(g.output));
            for (String row : expected.keySet()) {
                assertTrue(actual.containsKey(row), () -> "row " + row + " of " + g.output + " disappeared after kill -9");
            }
            actual.forEach((row, value) -> {
                if (!value.equals(expected.get(row))) {
                    assertTrue(model.couldWrite(row, value, expected.get(row), from, end), () -> "after kill -9, " + g.output + " has " + row + " = " + value
                        + ", which no run from " + Arrays.toString(from) + " to " + Arrays.toString(end) + " writes");
                    expected.put(row, value);
                }
            });
            List<String> aside = asideRecords(g.name);
            List<String> possible = model.asideIn(from, end);
            List<String> before = new ArrayList<>(g.aside);
            for (String a : aside) {
                // which records a window-count through a repartition sends aside is not modelled (asideRecords checked them)
                if (!before.remove(a) && model.kind != LoopModel.Kind.WINDOW_BY_PAGE) {
                    assertTrue(possible.contains(a), () -> "after kill -9 " + g.name + " sent " + a + " aside, which no run from "
                        + Arrays.toString(from) + " sends aside");
                }
            }
            g.aside.clear();
            g.aside.addAll(aside);
            g.committed = committedFromStatus(g.name);
            g.unknown = false;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The name that reads physical topic {@code topic}: itself, or after a promote of it the alias kept for it. */
    String readName(String topic) {
        if (!aliases.containsKey(topic)) {
            return topic;
        }
        return aliases.entrySet().stream().filter(a -> a.getValue().equals(topic)).map(Map.Entry::getKey).findFirst()
            .orElseThrow(() -> new AssertionError(topic + " is shadowed by an alias and has none of its own"));
    }

    /** Latest value per row of what {@code kappa read NAME} shows. */
    Map<String, String> latestRows(String topic) throws IOException {
        Map<String, String> m = new TreeMap<>();
        Cli.Result r = kappa("read", topic);
        if (r.code() != 0 && r.err().contains("unknown topic")) {
            return m;
        }
        assertEquals(0, r.code(), () -> "read " + topic + ": " + r.err());
        for (String line : r.lines()) {
            JsonNode n = JSON.readTree(line);
            String key = n.path("key").asText();
            if (key.startsWith("m") && n.path("value").has("marker")) {
                m.put(key, "marker");
            } else if (model.kind == LoopModel.Kind.DEDUP) {
                m.merge(model.kind.rowOf(n), "kept=1", (a, b) -> "kept=" + (LoopModel.times(a) + 1)); // how often written
            } else {
                m.put(model.kind.rowOf(n), model.valueOf(n));
            }
        }
        return m;
    }

    /**
     * Everything an operation that must change nothing could change: the group directories' files (not the lock) and
     * the topics' end offsets and aliases.
     */
    String fingerprint() {
        StringBuilder b = new StringBuilder();
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path groupsDir = dir.resolve("groups");
            if (Files.isDirectory(groupsDir)) {
                try (Stream<Path> s = Files.walk(groupsDir)) {
                    for (Path f : s.sorted().toList()) {
                        if (Files.isRegularFile(f) && !f.getFileName().toString().equals("lock")) {
                            b.append(dir.relativize(f)).append(' ')
                                .append(java.util.HexFormat.of().formatHex(md.digest(Files.readAllBytes(f)))).append('\n');
                        }
                    }
                }
            }
            Path aliasesFile = dir.resolve("aliases.json");
            if (Files.exists(aliasesFile)) {
                b.append(Files.readString(aliasesFile));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        try (EventLog log = EventLog.open(new LogContext().dataDir(dir))) {
            for (String t : log.topicNames()) {
                b.append(t).append(':');
                for (int p = 0; p < log.topic(t).partitionCount(); p++) {
                    b.append(' ').append(log.topic(t).partition(p).endOffset());
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (current == this) {
            current = null;
        }
        if (server != null) {
            server.close();
            serverLog.close();
        }
        try {
            Dirs.deleteRecursively(dir);
        } catch (IOException e) {
            // a temp dir
        }
    }
}
