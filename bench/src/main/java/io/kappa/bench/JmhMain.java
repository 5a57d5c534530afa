package io.kappa.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.kappa.log.JvmFlags;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the kappa JMH benchmarks, writes JMH's JSON results, then prints each kappa benchmark next to its raw
 * Chronicle Queue baseline from the same run. A baseline is the method named {@code rawChronicle<Name>} in the
 * same class as the kappa benchmark {@code <name>}, with the same values of the parameters both have.
 *
 * <pre>
 * JmhMain [--fast] [--out FILE] [--prof PROFILER]... [REGEX]
 *   REGEX      which benchmarks (JMH include pattern; default: every benchmark in io.kappa.bench)
 *   --fast     1 fork, 1 warm-up and 2 measurement iterations of 1 s: a smoke run, not figures to quote
 *   --out      the JSON results file (default bench/target/jmh-results.json)
 *   --prof     a JMH profiler, NAME or NAME:OPTIONS (gc, stack, jfr:dir=/tmp/jfr, ...), may repeat
 * </pre>
 *
 * The forked JVMs get the JVM flags Chronicle Queue needs ({@link JvmFlags#forCurrentJvm()}) appended to
 * whatever this JVM was started with.
 */
public final class JmhMain {
    static final String DEFAULT_OUT = "bench/target/jmh-results.json";
    static final String BASELINE_PREFIX = "rawChronicle";

    private JmhMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean fast = false;
        String include = null;
        String out = DEFAULT_OUT;
        List<String> profilers = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--fast") || a.equals("-f")) {
                fast = true;
            } else if (a.equals("--out") || a.equals("-o")) {
                out = value(args, ++i, a);
            } else if (a.startsWith("--out=")) {
                out = a.substring("--out=".length());
            } else if (a.equals("--prof")) {
                profilers.add(value(args, ++i, a));
            } else if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: JmhMain [--fast] [--out FILE] [--prof PROFILER]... [REGEX]");
                return;
            } else if (a.startsWith("-")) {
                throw new IllegalArgumentException("unknown option " + a + " (try --help)");
            } else if (include == null) {
                include = a;
            } else {
                throw new IllegalArgumentException("one include pattern only, got '" + include + "' and '" + a + "'");
            }
        }

        Path outFile = Path.of(out).toAbsolutePath();
        Files.createDirectories(outFile.getParent());
        ChainedOptionsBuilder options = new OptionsBuilder()
            .include(include == null ? JmhMain.class.getPackageName() + "\\." : include)
            .jvmArgsAppend(forkFlags().toArray(new String[0]))
            .shouldFailOnError(true)
            .result(outFile.toString())
            .resultFormat(ResultFormatType.JSON);
        if (fast) {
            options.forks(1)
                .warmupIterations(1).warmupTime(TimeValue.seconds(1))
                .measurementIterations(2).measurementTime(TimeValue.seconds(1));
        }
        for (String p : profilers) {
            int colon = p.indexOf(':');
            if (colon < 0) {
                options.addProfiler(p);
            } else {
                options.addProfiler(p.substring(0, colon), p.substring(colon + 1));
            }
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.println("JSON results: " + outFile);
        System.out.println();
        System.out.print(table(results));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** Chronicle's flags for the forks, less those this JVM already has (the forks inherit this JVM's flags). */
    static List<String> forkFlags() {
        Set<String> have = new HashSet<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        List<String> flags = new ArrayList<>();
        for (String f : JvmFlags.forCurrentJvm()) {
            if (!have.contains(f)) {
                flags.add(f);
            }
        }
        return flags;
    }

    /** The comparison table: one row per kappa benchmark (and parameter set), with its baseline if any. */
    static String table(Collection<RunResult> results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"benchmark", "params", "mode", "kappa", "raw Chronicle", "unit", "kappa/raw", "kappa speed"});
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String method = methodOf(p.getBenchmark());
            if (method.startsWith(BASELINE_PREFIX)) {
                continue;
            }
            Result<?> kappa = r.getPrimaryResult();
            RunResult base = baselineOf(r, results);
            String[] row = new String[8];
            row[0] = shortName(p.getBenchmark());
            row[1] = params(p);
            row[2] = p.getMode().shortLabel();
            row[3] = score(kappa);
            row[6] = "-";
            row[7] = "-";
            row[4] = "-";
            row[5] = kappa.getScoreUnit();
            if (base != null) {
                Result<?> raw = base.getPrimaryResult();
                row[4] = score(raw);
                double ratio = kappa.getScore() / raw.getScore();
                row[6] = String.format(Locale.ROOT, "%.2f", ratio);
                // Share of raw Chronicle's speed: the score ratio for throughput, its inverse for time per op.
                double speed = p.getMode() == Mode.Throughput ? ratio : 1 / ratio;
                row[7] = String.format(Locale.ROOT, "%.0f%%", 100 * speed);
            }
            rows.add(row);
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                boolean left = i <= 2 || i == 5;
                String cell = left ? pad(row[i], width[i], true) : pad(row[i], width[i], false);
                sb.append(cell).append(i + 1 < row.length ? "  " : "\n");
            }
        }
        sb.append("kappa/raw is the ratio of the scores; 'kappa speed' is kappa's speed as a share of raw Chronicle's\n")
            .append("(thrpt: kappa/raw, higher is better; avgt: raw/kappa, since lower time is better). \u00b1 is JMH's 99.9% interval.\n");
        return sb.toString();
    }

    private static RunResult baselineOf(RunResult kappa, Collection<RunResult> results) {
        BenchmarkParams kp = kappa.getParams();
        String name = kp.getBenchmark();
        String method = methodOf(name);
        String wanted = classOf(name) + "." + BASELINE_PREFIX + Character.toUpperCase(method.charAt(0)) + method.substring(1);
        for (RunResult r : results) {
            BenchmarkParams bp = r.getParams();
            if (!bp.getBenchmark().equals(wanted) || bp.getMode() != kp.getMode()) {
                continue;
            }
            boolean same = true;
            for (String key : bp.getParamsKeys()) {
                String v = kp.getParam(key);
                if (v != null && !v.equals(bp.getParam(key))) {
                    same = false;
                }
            }
            if (same) {
                return r;
            }
        }
        return null;
    }

    private static String score(Result<?> r) {
        double error = r.getScoreError();
        String s = format(r.getScore());
        return Double.isNaN(error) ? s : s + " \u00b1 " + format(error);
    }

    private static String format(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String params(BenchmarkParams p) {
        StringBuilder sb = new StringBuilder();
        for (String key : p.getParamsKeys()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(key).append('=').append(p.getParam(key));
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }

    private static String methodOf(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private static String classOf(String benchmark) {
        return benchmark.substring(0, benchmark.lastIndexOf('.'));
    }

    private static String shortName(String benchmark) {
        String cls = classOf(benchmark);
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        if (cls.endsWith("Benchmark")) {
            cls = cls.substring(0, cls.length() - "Benchmark".length());
        }
        return cls + "." + methodOf(benchmark);
    }

    private static String pad(String s, int width, boolean left) {
        if (s.length() >= width) {
            return s;
        }
        String spaces = " ".repeat(width - s.length());
        return left ? s + spaces : spaces + s;
    }
}
