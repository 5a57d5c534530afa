package io.kappa.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The outputs of {@code kappa bench} from its results (the JSON of {@link BenchCommand}): the compact text table and
 * a self-contained HTML report (inline CSS, inline SVG drawn here; no scripts, nothing fetched). Every text taken
 * from the results is escaped.
 */
final class BenchReport {
    /** The percentiles of the latency curves, and where they sit on the log axis: -log10(1 - p/100). */
    static final String[] PERCENTILES = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};
    private static final double[] PERCENTILE_X = {Math.log10(2), 1, 2, 3, 4, 5};
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private BenchReport() {
    }

    // ---- text

    /** The ratio kappa aims for against its baseline (docs/benchmarks.md, "The target"): lower ones are flagged. */
    static final double RATIO_TARGET = 0.80;

    /** A ratio as the tables show it, flagged when below {@link #RATIO_TARGET}. */
    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r) + (r < RATIO_TARGET ? " LOW" : "");
    }

    /**
     * A warning when the machine was busy with other work during the run: the 1-minute load average at start or end
     * above the number of cores ("" when it was not, or is unknown).
     */
    static String loadWarning(JsonNode results) {
        int cores = results.path("machine").path("availableProcessors").asInt(Runtime.getRuntime().availableProcessors());
        double start = firstNumber(results.path("loadAverageAtStart").asText());
        double end = firstNumber(results.path("loadAverageAtEnd").asText());
        if (Math.max(start, end) <= cores) {
            return "";
        }
        return String.format(Locale.ROOT, "WARNING: the load average was %.2f at start and %.2f at end, above the %d cores: other work "
            + "competed with this run,\n  so its rates are low and its ratios noisy; run it again on a quieter machine", start, end, cores);
    }

    private static double firstNumber(String loadAverage) {
        try {
            return Double.parseDouble(loadAverage.trim().split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A figure's rate: events or operations per second in SI units; commands per second with two decimals. */
    private static String rate(JsonNode f) {
        double v = f.path("eventsPerSec").asDouble();
        return f.path("unit").asText().equals("commands") ? String.format(Locale.ROOT, "%.2f", v) : TcpIngestBench.si(v);
    }

    static String table(JsonNode results) {
        StringBuilder sb = new StringBuilder();
        String warning = loadWarning(results);
        if (!warning.isEmpty()) {
            sb.append(warning).append("\n\n");
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"scenario", "subject", "events/s", "baseline/s", "ratio", "passes: min-max"});
        List<String[]> costs = new ArrayList<>();
        costs.add(new String[] {"scenario", "subject", "events", "CPU s/M ev", "base", "disk B/ev", "base"});
        List<String[]> lat = new ArrayList<>();
        lat.add(new String[] {"scenario", "latency (ms)", "offered/s", "p50", "p99", "p99.9", "p99.99", "max", ""});
        for (JsonNode section : results.path("scenarios")) {
            String scenario = section.path("scenario").asText();
            for (JsonNode c : section.path("comparisons")) {
                JsonNode s = c.path("subject");
                JsonNode b = c.path("baseline");
                String unit = s.path("unit").asText();
                String name = c.path("name").asText() + (unit.equals("operations") ? " [ops]" : unit.equals("commands") ? " [cmd]" : "");
                rows.add(new String[] {scenario, name, rate(s), rate(b), ratio(c.path("ratio").asDouble()), range(c)});
                if (!(cpu(s) + cpu(b) + disk(s) + disk(b)).equals("----")) {
                    costs.add(new String[] {scenario, name, String.format(Locale.ROOT, "%,d", s.path("events").asLong()), cpu(s), cpu(b),
                        disk(s), disk(b)});
                }
            }
            for (JsonNode l : section.path("latency")) {
                JsonNode p = l.path("latencyUs");
                String[] row = new String[9];
                row[0] = scenario;
                row[1] = l.path("name").asText();
                row[2] = offered(l);
                String[] shown = {"p50", "p99", "p99.9", "p99.99", "max"};
                for (int i = 0; i < shown.length; i++) {
                    row[3 + i] = ms(p.path(shown[i]));
                }
                row[8] = l.path("saturated").asBoolean() ? "SATURATED" : "";
                lat.add(row);
            }
        }
        if (rows.size() > 1) {
            TcpIngestBench.format(sb, rows, 2);
            if (rows.stream().anyMatch(r -> r[1].endsWith(" [ops]"))) {
                sb.append("[ops]: the rates are operations/s (one seek + read, or one time lookup, per operation)\n");
            }
            if (rows.stream().anyMatch(r -> r[1].endsWith(" [cmd]"))) {
                sb.append("[cmd]: the rates are commands/s of the median pass (startup: 1 / its wall time)\n");
            }
            sb.append("ratio: of the median subject and median baseline over the passes; min-max: the lowest and highest\n"
                + "pass's own ratio; LOW: below the target of " + String.format(Locale.ROOT, "%.2f", RATIO_TARGET) + " (docs/benchmarks.md)\n");
        }
        if (costs.size() > 1) {
            sb.append('\n');
            TcpIngestBench.format(sb, costs, 2);
            sb.append("CPU seconds per million events and disk bytes per event, of the subject and of its baseline (base)\n");
        }
        if (lat.size() > 1) {
            sb.append('\n');
            TcpIngestBench.format(sb, lat);
        }
        List<String[]> memory = new ArrayList<>();
        memory.add(new String[] {"scenario", "RSS at end MB", "peak RSS so far MB", "heap used MB"});
        for (JsonNode section : results.path("scenarios")) {
            JsonNode m = section.path("memory");
            if (!m.isMissingNode()) {
                memory.add(new String[] {section.path("scenario").asText(), mb(m.path("rssBytes")), mb(m.path("hwmBytes")),
                    mb(m.path("heapUsedBytes"))});
            }
        }
        if (memory.size() > 1) {
            sb.append('\n');
            TcpIngestBench.format(sb, memory);
            sb.append("RSS = VmRSS, peak = VmHWM of this JVM (from /proc/self/status) at the end of each scenario\n");
        }
        List<String[]> targets = new ArrayList<>();
        targets.add(new String[] {"scenario", "target", "value", "target value", "met"});
        for (JsonNode section : results.path("scenarios")) {
            for (JsonNode t : section.path("targets")) {
                targets.add(new String[] {section.path("scenario").asText(), t.path("name").asText(), targetValue(t, "value"),
                    targetValue(t, "target"), t.path("met").asBoolean() ? "met" : "NOT MET"});
            }
        }
        if (targets.size() > 1) {
            sb.append('\n');
            TcpIngestBench.format(sb, targets);
            for (JsonNode section : results.path("scenarios")) {
                for (JsonNode t : section.path("targets")) {
                    if (!t.path("note").asText().isEmpty()) {
                        sb.append("  ").append(t.path("name").asText()).append(": ").append(t.path("note").asText()).append('\n');
                    }
                }
            }
        }
        sb.append("ratio = subject events/s / baseline events/s, both measured in this run.\nLoad average at start / end: ")
            .append(results.path("loadAverageAtStart").asText()).append(" / ").append(results.path("loadAverageAtEnd").asText())
            .append('\n');
        return sb.toString();
    }

    /** A target's value or goal: a ratio with 2 decimals, a rate with its unit. */
    static String targetValue(JsonNode t, String field) {
        double v = t.path(field).asDouble();
        return t.path("unit").asText().equals("ratio") ? String.format(Locale.ROOT, "%.2f", v)
            : TcpIngestBench.si(v) + " " + t.path("unit").asText();
    }

    /**
     * The offered rate of a latency entry, "closed loop" for one operation after the other, and "max=" before the rate when
     * it is the throughput measured in the same run ({@code --rate max}).
     */
    static String offered(JsonNode l) {
        return l.path("closedLoop").asBoolean() ? "closed loop"
            : (l.path("maxRate").asBoolean() ? "max=" : "") + TcpIngestBench.si(l.path("offeredEventsPerSec").asDouble());
    }

    /** Passes of a comparison and its lowest and highest pass ratio: "3: 0.70-0.81"; "1" for a single pass. */
    static String range(JsonNode c) {
        int passes = Math.max(1, c.path("passes").asInt(1));
        if (passes == 1 || !c.has("ratioMin")) {
            return String.valueOf(passes);
        }
        return String.format(Locale.ROOT, "%d: %.2f-%.2f", passes, c.path("ratioMin").asDouble(), c.path("ratioMax").asDouble());
    }

    static String mb(JsonNode bytes) {
        return bytes.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.0f", bytes.asDouble() / (1 << 20));
    }

    private static String cpu(JsonNode f) {
        return f.has("cpuNsPerEvent") ? String.format(Locale.ROOT, "%.2f", f.path("cpuNsPerEvent").asDouble() / 1e3) : "-";
    }

    private static String disk(JsonNode f) {
        return f.has("diskBytesPerEvent") ? String.format(Locale.ROOT, "%.0f", f.path("diskBytesPerEvent").asDouble()) : "-";
    }

    private static String ms(JsonNode micros) {
        if (micros.isMissingNode()) {
            return "-";
        }
        double v = micros.asDouble() / 1e3;
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : v >= 0.01 ? "%.3f" : "%.5f", v);
    }

    // ---- HTML

    static String html(JsonNode results, String table) {
        StringBuilder h = new StringBuilder(32 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kappa bench</title>\n<style>\n")
            .append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px;color:#222}")
            .append("h1,h2,h3{font-weight:600}table{border-collapse:collapse;margin:1em 0}")
            .append("td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}td.n{text-align:right;font-variant-numeric:tabular-nums}")
            .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}svg{display:block;margin:1em 0}")
            .append("th{white-space:nowrap}td.low{background:#fdd;font-weight:600}p.warning{background:#fff3cd;padding:.5em 1em;border:1px solid #e0c060}")
            .append("svg text{font-size:12px;font-family:system-ui,sans-serif}.muted{color:#666;font-size:13px}\n</style></head><body>\n");
        h.append("<h1>kappa bench</h1>\n<p class=\"muted\">").append(esc(results.path("started").asText())).append(" to ")
            .append(esc(results.path("finished").asText())).append("; ").append(esc(results.path("machine").path("cpuModel").asText()))
            .append(", ").append(results.path("machine").path("availableProcessors").asInt()).append(" CPUs, Java ")
            .append(esc(results.path("machine").path("javaVersion").asText())).append("; load average at start ")
            .append(esc(results.path("loadAverageAtStart").asText())).append(", at end ").append(esc(results.path("loadAverageAtEnd").asText()))
            .append(".</p>\n<p>Each kappa figure stands beside its baseline measured in the same run; the ratio (kappa / baseline) is the "
                + "figure to compare between runs and machines, the absolute rates drift on a shared machine. Latencies are corrected for "
                + "coordinated omission: measured from when an event was due under the fixed offered rate. An offered rate shown as "
                + "max=R offers R, the throughput the same scenario measured earlier in this run: the system at its limit, where a queue "
                + "builds whenever it slows down, and the corrected latency includes that wait (SATURATED: under 97% of R was "
                + "achieved).</p>\n");
        String warning = loadWarning(results);
        if (!warning.isEmpty()) {
            h.append("<p class=\"warning\">").append(esc(warning)).append(".</p>\n");
        }
        for (JsonNode section : results.path("scenarios")) {
            String scenario = section.path("scenario").asText();
            h.append("<h2>").append(esc(scenario)).append("</h2>\n");
            h.append(barChart(scenario, section.path("comparisons")));
            h.append("<table><tr><th>comparison</th><th>subject</th><th>events/s</th><th>baseline</th><th>events/s</th><th>ratio</th>"
                + "<th>passes: ratio min-max</th></tr>\n");
            StringBuilder cost = new StringBuilder("<table><tr><th>comparison</th><th>CPU s / M events</th><th>baseline CPU</th>"
                + "<th>disk B / event</th><th>baseline disk</th></tr>\n");
            for (JsonNode c : section.path("comparisons")) {
                JsonNode s = c.path("subject");
                JsonNode b = c.path("baseline");
                h.append("<tr><td>").append(esc(c.path("name").asText())).append("</td><td>").append(esc(s.path("what").asText()))
                    .append("</td><td class=\"n\">").append(esc(TcpIngestBench.si(s.path("eventsPerSec").asDouble())))
                    .append("</td><td>").append(esc(b.path("what").asText())).append("</td><td class=\"n\">")
                    .append(esc(TcpIngestBench.si(b.path("eventsPerSec").asDouble()))).append("</td><td class=\"n")
                    .append(c.path("ratio").asDouble() < RATIO_TARGET ? " low\" title=\"below the target of " + RATIO_TARGET + "\">" : "\">")
                    .append(esc(ratio(c.path("ratio").asDouble()))).append("</td><td class=\"n\">")
                    .append(esc(range(c))).append("</td></tr>\n");
                cost.append("<tr><td>").append(esc(c.path("name").asText())).append("</td><td class=\"n\">").append(cpu(s))
                    .append("</td><td class=\"n\">").append(cpu(b)).append("</td><td class=\"n\">").append(disk(s))
                    .append("</td><td class=\"n\">").append(disk(b)).append("</td></tr>\n");
            }
            h.append("</table>\n");
            if (section.path("comparisons").size() > 0) {
                h.append(cost).append("</table>\n");
            }
            JsonNode targets = section.path("targets");
            if (targets.isArray() && targets.size() > 0) {
                h.append("<table class=\"targets\"><tr><th>target</th><th>value</th><th>target value</th><th>met</th><th>note</th></tr>\n");
                for (JsonNode t : targets) {
                    h.append("<tr><td>").append(esc(t.path("name").asText())).append("</td><td class=\"n\">").append(esc(targetValue(t, "value")))
                        .append("</td><td class=\"n\">").append(esc(targetValue(t, "target"))).append("</td><td>")
                        .append(t.path("met").asBoolean() ? "met" : "<b>not met</b>").append("</td><td>").append(esc(t.path("note").asText()))
                        .append("</td></tr>\n");
                }
                h.append("</table>\n");
            }
            JsonNode memory = section.path("memory");
            if (!memory.isMissingNode()) {
                h.append("<p class=\"memory\">Resident memory of this JVM at the end of ").append(esc(scenario)).append(": ")
                    .append(esc(mb(memory.path("rssBytes")))).append(" MB (VmRSS), peak so far ").append(esc(mb(memory.path("hwmBytes"))))
                    .append(" MB (VmHWM); heap used ").append(esc(mb(memory.path("heapUsedBytes")))).append(" MB.</p>\n");
            }
            String definition = section.path("liveDefinition").asText();
            if (!definition.isEmpty()) {
                h.append("<p class=\"muted\">").append(esc(definition)).append(".</p>\n");
            }
            JsonNode latency = section.path("latency");
            if (latency.isArray() && latency.size() > 0) {
                h.append("<h3>").append(esc(scenario)).append(": latency percentiles</h3>\n").append(latencyChart(scenario, latency));
                h.append("<table><tr><th>latency</th><th>offered/s</th>");
                for (String p : PERCENTILES) {
                    h.append("<th>").append(esc(p)).append(" ms</th>");
                }
                h.append("<th>HdrHistogram</th></tr>\n");
                for (JsonNode l : latency) {
                    h.append("<tr><td>").append(esc(l.path("name").asText())).append(l.path("saturated").asBoolean() ? " (saturated)" : "")
                        .append("</td><td class=\"n\">").append(esc(offered(l))).append("</td>");
                    for (String p : PERCENTILES) {
                        h.append("<td class=\"n\">").append(ms(l.path("latencyUs").path(p))).append("</td>");
                    }
                    h.append("<td>").append(esc(l.path("hgrm").asText())).append("</td></tr>\n");
                }
                h.append("</table>\n");
            }
        }
        h.append("<h2>Table</h2>\n<pre>").append(esc(table)).append("</pre>\n");
        h.append("<p class=\"muted\">Raw results: results.json; HdrHistogram percentile distributions (.hgrm, microseconds) beside it.</p>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    /** Horizontal bars, subject and baseline of each comparison, scaled to the largest rate of the scenario. */
    static String barChart(String scenario, JsonNode comparisons) {
        int n = comparisons.size();
        int left = 250;
        int width = 900;
        int barH = 16;
        int groupH = 2 * barH + 18;
        int top = 24;
        int height = top + Math.max(1, n) * groupH + 10;
        double max = 1;
        for (JsonNode c : comparisons) {
            max = Math.max(max, Math.max(c.path("subject").path("eventsPerSec").asDouble(), c.path("baseline").path("eventsPerSec").asDouble()));
        }
        double scale = (width - left - 160) / max;
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"throughput\" data-scenario=\"").append(esc(scenario)).append("\" width=\"").append(width)
            .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
            .append("\" role=\"img\" aria-label=\"").append(esc(scenario)).append(" throughput, events per second\">\n");
        s.append("<rect x=\"").append(left).append("\" y=\"4\" width=\"12\" height=\"12\" fill=\"").append(COLORS[0])
            .append("\"/><text x=\"").append(left + 16).append("\" y=\"14\">kappa (subject)</text>");
        s.append("<rect x=\"").append(left + 130).append("\" y=\"4\" width=\"12\" height=\"12\" fill=\"#aaa\"/><text x=\"")
            .append(left + 146).append("\" y=\"14\">baseline, same run</text>\n");
        int y = top;
        for (JsonNode c : comparisons) {
            double sv = c.path("subject").path("eventsPerSec").asDouble();
            double bv = c.path("baseline").path("eventsPerSec").asDouble();
            String unit = c.path("subject").path("unit").asText().equals("operations") ? " ops/s" : " ev/s";
            s.append("<text x=\"").append(left - 6).append("\" y=\"").append(y + barH + 4).append("\" text-anchor=\"end\">")
                .append(esc(c.path("name").asText())).append("</text>\n");
            bar(s, left, y, sv * scale, barH, COLORS[0], TcpIngestBench.si(sv) + unit + "  (x" + String.format(Locale.ROOT, "%.2f",
                c.path("ratio").asDouble()) + ")");
            bar(s, left, y + barH + 2, bv * scale, barH, "#aaa", TcpIngestBench.si(bv) + unit);
            y += groupH;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void bar(StringBuilder s, int x, int y, double w, int h, String color, String label) {
        s.append("<rect x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(fmt(Math.max(1, w)))
            .append("\" height=\"").append(h).append("\" fill=\"").append(color).append("\"/><text x=\"").append(fmt(x + Math.max(1, w) + 4))
            .append("\" y=\"").append(y + h - 4).append("\">").append(esc(label)).append("</text>\n");
    }

    /** Latency against percentile, both axes logarithmic: x = -log10(1 - p/100) from p50 to p99.99, then max. */
    static String latencyChart(String scenario, JsonNode series) {
        int width = 900;
        int height = 320;
        int left = 70;
        int right = 220;
        int top = 15;
        int bottom = 40;
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (JsonNode l : series) {
            for (String p : PERCENTILES) {
                double v = l.path("latencyUs").path(p).asDouble(Double.NaN) / 1e3;
                if (v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (hi <= 0) {
            lo = 0.001;
            hi = 1;
        }
        double yLo = Math.floor(Math.log10(lo));
        double yHi = Math.max(yLo + 1, Math.ceil(Math.log10(hi)));
        double plotW = width - left - right;
        double plotH = height - top - bottom;
        double xMin = PERCENTILE_X[0];
        double xMax = PERCENTILE_X[PERCENTILE_X.length - 1];
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"latency\" data-scenario=\"").append(esc(scenario)).append("\" width=\"").append(width)
            .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
            .append("\" role=\"img\" aria-label=\"").append(esc(scenario)).append(" latency percentiles, milliseconds\">\n");
        s.append("<rect x=\"").append(left).append("\" y=\"").append(top).append("\" width=\"").append(fmt(plotW)).append("\" height=\"")
            .append(fmt(plotH)).append("\" fill=\"none\" stroke=\"#999\"/>\n");
        for (int i = 0; i < PERCENTILES.length; i++) {
            double x = left + (PERCENTILE_X[i] - xMin) / (xMax - xMin) * plotW;
            s.append("<line x1=\"").append(fmt(x)).append("\" y1=\"").append(top).append("\" x2=\"").append(fmt(x)).append("\" y2=\"")
                .append(fmt(top + plotH)).append("\" stroke=\"#eee\"/><text x=\"").append(fmt(x)).append("\" y=\"")
                .append(fmt(top + plotH + 16)).append("\" text-anchor=\"middle\">").append(esc(PERCENTILES[i])).append("</text>\n");
        }
        for (double d = yLo; d <= yHi + 1e-9; d++) {
            double y = top + plotH - (d - yLo) / (yHi - yLo) * plotH;
            s.append("<line x1=\"").append(left).append("\" y1=\"").append(fmt(y)).append("\" x2=\"").append(fmt(left + plotW))
                .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#eee\"/><text x=\"").append(left - 6).append("\" y=\"")
                .append(fmt(y + 4)).append("\" text-anchor=\"end\">").append(esc(msLabel(Math.pow(10, d)))).append("</text>\n");
        }
        s.append("<text x=\"").append(fmt(left + plotW / 2)).append("\" y=\"").append(height - 4)
            .append("\" text-anchor=\"middle\">percentile (log scale)</text>");
        s.append("<text x=\"14\" y=\"").append(fmt(top + plotH / 2)).append("\" transform=\"rotate(-90 14 ").append(fmt(top + plotH / 2))
            .append(")\" text-anchor=\"middle\">latency, ms (log scale)</text>\n");
        int k = 0;
        for (JsonNode l : series) {
            String color = COLORS[k % COLORS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < PERCENTILES.length; i++) {
                double v = l.path("latencyUs").path(PERCENTILES[i]).asDouble(Double.NaN) / 1e3;
                if (!(v > 0)) {
                    continue;
                }
                double x = left + (PERCENTILE_X[i] - xMin) / (xMax - xMin) * plotW;
                double y = top + plotH - (Math.log10(v) - yLo) / (yHi - yLo) * plotH;
                points.append(fmt(x)).append(',').append(fmt(y)).append(' ');
                s.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y)).append("\" r=\"3\" fill=\"").append(color)
                    .append("\"><title>").append(esc(l.path("name").asText() + " at " + TcpIngestBench.si(l.path("offeredEventsPerSec").asDouble())
                        + "/s, " + PERCENTILES[i] + ": " + ms(l.path("latencyUs").path(PERCENTILES[i])) + " ms")).append("</title></circle>\n");
            }
            s.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\" points=\"").append(points.toString().trim())
                .append("\"/>\n");
            double ly = top + 10 + k * 18;
            s.append("<line x1=\"").append(fmt(left + plotW + 10)).append("\" y1=\"").append(fmt(ly)).append("\" x2=\"")
                .append(fmt(left + plotW + 30)).append("\" y2=\"").append(fmt(ly)).append("\" stroke=\"").append(color)
                .append("\" stroke-width=\"2\"/><text x=\"").append(fmt(left + plotW + 34)).append("\" y=\"").append(fmt(ly + 4)).append("\">")
                .append(esc(l.path("closedLoop").asBoolean() ? l.path("name").asText()
                    : TcpIngestBench.si(l.path("offeredEventsPerSec").asDouble()) + " ev/s offered"
                    + (l.path("saturated").asBoolean() ? " (saturated)" : ""))).append("</text>\n");
            k++;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String msLabel(double ms) {
        return ms >= 1 ? String.format(Locale.ROOT, "%.0f ms", ms) : String.format(Locale.ROOT, "%s ms", Double.toString(ms));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Text safe in HTML element content and in double- or single-quoted attributes. */
    static String esc(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
