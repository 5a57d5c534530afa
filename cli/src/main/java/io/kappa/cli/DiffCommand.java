package io.kappa.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.replay.DiffTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa diff}: two outputs compared as tables (latest value per key); exit 0 when equal, 1 when not. */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = {"Compare two topics as tables (the latest value per key): keys only in one, keys whose values differ",
        "(with both values), and a summary. Exit status 0 when they are equal, 1 when they differ, 2 on trouble",
        "(e.g. an unknown topic)."})
final class DiffCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Parameters(index = "0", paramLabel = "LEFT")
    String left;
    @Parameters(index = "1", paramLabel = "RIGHT")
    String right;
    @Option(names = "--by", defaultValue = "key", paramLabel = "key[,FIELD...]",
        description = "What rows are matched by: the record key, and fields of the JSON value (e.g. key,windowStart for "
            + "windowed results); a value without such a field (or not JSON) is a row with the field shown as (missing). "
            + "Default: ${DEFAULT-VALUE}.")
    String by;
    @Option(names = "--limit", defaultValue = "20", paramLabel = "N", description = "Differences to print (default: ${DEFAULT-VALUE}; 0 for all).")
    int limit;
    @Option(names = "--json", description = "One JSON object: the counts, \"equal\", and the \"differences\" (key, left, right; null where missing).")
    boolean json;

    @Override
    public Integer call() {
        java.util.List<io.kappa.processor.builtin.JsonPath> fields = DiffTool.rowFields(by);
        PrintWriter out = spec.commandLine().getOut();
        if (!data.exists()) {
            spec.commandLine().getErr().println("kappa: " + data.noData());
            return 2;
        }
        try (EventLog log = data.open()) {
            DiffTool.Result r;
            try {
                r = DiffTool.diff(log, left, right, fields);
            } catch (io.kappa.log.LogException e) {
                // as diff(1): 2 for trouble, so that 1 always means "different"
                spec.commandLine().getErr().println("kappa: " + e.getMessage()
                    + (e instanceof io.kappa.log.LogException.UnknownTopic u ? Names.didYouMean(u.topic(), Names.topics(log.dataDir())) : ""));
                return 2;
            }
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode n = io.kappa.processor.Serdes.MAPPER.createObjectNode();
                n.put("left", left).put("right", right).put("leftKeys", r.leftKeys()).put("rightKeys", r.rightKeys())
                    .put("equalKeys", r.equalKeys()).put("changed", r.changed()).put("onlyLeft", r.onlyLeft()).put("onlyRight", r.onlyRight())
                    .put("leftKeyless", r.leftKeyless()).put("rightKeyless", r.rightKeyless()).put("equal", r.equal());
                com.fasterxml.jackson.databind.node.ArrayNode diffs = n.putArray("differences");
                for (DiffTool.Difference d : r.differences()) {
                    if (limit > 0 && diffs.size() >= limit) {
                        break;
                    }
                    diffs.addObject().put("key", d.key()).put("left", d.left()).put("right", d.right());
                }
                out.println(n.toString());
                out.flush();
                return r.equal() ? 0 : 1;
            }
            int shown = 0;
            for (DiffTool.Difference d : r.differences()) {
                if (limit > 0 && shown++ >= limit) {
                    out.printf("... %,d more%n", r.differences().size() - limit);
                    break;
                }
                if (d.right() == null) {
                    out.printf("- %s: %s (only in %s)%n", d.key(), d.left(), left);
                } else if (d.left() == null) {
                    out.printf("+ %s: %s (only in %s)%n", d.key(), d.right(), right);
                } else {
                    out.printf("~ %s: %s -> %s%n", d.key(), d.left(), d.right());
                }
            }
            out.printf("%s: %,d keys, %s: %,d keys; %,d equal, %,d differ, %,d only in %s, %,d only in %s%s%n", left, r.leftKeys(), right,
                r.rightKeys(), r.equalKeys(), r.changed(), r.onlyLeft(), left, r.onlyRight(), right,
                r.leftKeyless() + r.rightKeyless() > 0 ? String.format(" (records without a key, not compared: %,d / %,d)",
                    r.leftKeyless(), r.rightKeyless()) : "");
            out.println(r.equal() ? "equal" : "different");
            out.flush();
            return r.equal() ? 0 : 1;
        }
    }
}
