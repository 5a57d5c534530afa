package io.kappa.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.replay.PromoteTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa promote}: a logical topic name means a new version from now on, for readers and writers. */
@Command(name = "promote", mixinStandardHelpOptions = true,
    description = {"Make TOPIC mean TOPIC.VERSION from now on, for readers and writers (read, append, the server, groups that start with it).",
        "The old version stays readable (a first version named TOPIC becomes TOPIC.v1). Refused while a group writing the",
        "new version still has input to consume, unless --force."})
final class PromoteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;
    @Option(names = "--to", required = true, paramLabel = "VERSION", description = "The version, e.g. v2 (or the full name TOPIC.v2).")
    String version;
    @Option(names = "--force", description = "Promote even if the new version is not caught up.")
    boolean force;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (EventLog log = data.openExisting()) {
            PromoteTool.Result r;
            try {
                r = PromoteTool.promote(log, topic, version, force);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage(), e); // a refusal over the state of the topics, not a usage error
            }
            out.printf("%s now reads as %s%s%s%n", r.name(), r.target(), r.previous() != null ? " (was " + r.previous() + ")" : "",
                r.oldName() != null ? "; the first version stays readable as " + r.oldName() : "");
            out.flush();
            return 0;
        }
    }
}
