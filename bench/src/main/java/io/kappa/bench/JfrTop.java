package io.kappa.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises the execution samples ({@code jdk.ExecutionSample}) of a JFR recording by top frames: samples per
 * thread, then for the threads whose name starts with a prefix the methods most often on top of the stack (self)
 * and most often anywhere in it (inclusive, each method counted once per sample). Enough to see where a harness
 * thread spends its time without a GUI:
 * <pre>
 *   KAPPA_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/p.jfr,settings=profile bench/run-processor.sh --only pass
 *   java -cp bench/target/kappa-bench.jar io.kappa.bench.JfrTop /tmp/p.jfr kappa-pass [30]
 * </pre>
 */
public final class JfrTop {
    private JfrTop() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrTop RECORDING.jfr [THREAD_NAME_PREFIX] [TOP_N] [METHOD: its callers too]");
            System.exit(2);
        }
        String prefix = args.length > 1 ? args[1] : "";
        int top = args.length > 2 ? Integer.parseInt(args[2]) : 25;
        String focus = args.length > 3 ? args[3] : null;
        System.out.print(summarise(Path.of(args[0]), prefix, top, focus));
    }

    /**
     * The summary; with a {@code focus} method ({@code Class.method}, as printed), also the call paths into it: the
     * four frames below its outermost occurrence.
     */
    static String summarise(Path recording, String prefix, int top, String focus) throws IOException {
        Map<String, Integer> callers = new HashMap<>();
        Map<String, Integer> perThread = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int selected = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedThread thread = e.getThread("sampledThread");
            String name = thread == null ? "?" : String.valueOf(thread.getJavaName());
            perThread.merge(name, 1, Integer::sum);
            RecordedStackTrace stack = e.getStackTrace();
            if (!name.startsWith(prefix) || stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            selected++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(frameName(frames.get(0), true), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            int outermost = -1;
            for (int i = 0; i < frames.size(); i++) {
                String m = frameName(frames.get(i), false);
                if (seen.add(m)) {
                    inclusive.merge(m, 1, Integer::sum);
                }
                if (m.equals(focus)) {
                    outermost = i;
                }
            }
            if (outermost >= 0) {
                List<String> path = new ArrayList<>();
                for (int i = outermost + 1; i < Math.min(frames.size(), outermost + 5); i++) {
                    path.add(frameName(frames.get(i), true));
                }
                callers.merge(String.join(" < ", path), 1, Integer::sum);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("samples per thread:\n");
        append(sb, perThread, perThread.values().stream().mapToInt(Integer::intValue).sum(), top);
        sb.append(String.format(Locale.ROOT, "%nthreads '%s*': %d samples%ntop of stack (self):%n", prefix, selected));
        append(sb, self, selected, top);
        sb.append("\nanywhere in the stack (inclusive):\n");
        append(sb, inclusive, selected, top);
        if (focus != null) {
            sb.append("\ncalled from (").append(focus).append(" < caller < ...):\n");
            append(sb, callers, selected, top);
        }
        return sb.toString();
    }

    private static String frameName(RecordedFrame f, boolean withLine) {
        String type = f.getMethod().getType().getName();
        String m = type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
        return withLine && f.getLineNumber() > 0 ? m + ":" + f.getLineNumber() : m;
    }

    private static void append(StringBuilder sb, Map<String, Integer> counts, int total, int top) {
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));
        for (Map.Entry<String, Integer> e : entries.subList(0, Math.min(top, entries.size()))) {
            sb.append(String.format(Locale.ROOT, "  %5.1f%%  %6d  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getValue(),
                e.getKey()));
        }
    }
}
