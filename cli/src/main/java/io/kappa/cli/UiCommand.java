package io.kappa.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.kappa.server.Authentication;
import io.kappa.ui.UiContext;
import io.kappa.ui.UiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa ui}: the live web console over the data directory, until SIGTERM/SIGINT. */
@Command(name = "ui", mixinStandardHelpOptions = true,
    description = {"Serve a live web console over the data directory: topics, records, groups with their lag, rates and",
        "audit logs, replays with their ETA; updated every second. Read-only unless --allow-actions. JSON API: docs/ui.md."})
final class UiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Option(names = "--bind", defaultValue = UiContext.DEFAULT_BIND, description = {"Address to listen on (default: ${DEFAULT-VALUE}).",
        "An address other machines can reach needs --token-file, or --insecure to let anyone look."})
    String bind;
    @Option(names = "--port", defaultValue = "7080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--token-file", paramLabel = "FILE", description = {"Browsers and clients must present one of the tokens in FILE",
        "(one per line, 16 characters or more, as for kappa serve): open http://HOST:PORT/?token=TOKEN once, or send",
        "Authorization: Bearer TOKEN."})
    java.nio.file.Path tokenFile;
    @Option(names = "--insecure", description = "Serve an address other machines can reach without --token-file.")
    boolean insecure;
    @Option(names = "--allow-actions", description = {"Let the page plan rewinds (dry run) and stop groups (SIGTERM to their process),",
        "each after a confirmation, and each written to the group's audit log."})
    boolean allowActions;
    @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = {"Also show the kappa groups of this Kafka cluster (run with",
        "kappa run --kafka): lag per partition, members, state topics, as kappa status --kafka."})
    String kafka;
    @Option(names = "--kafka-timeout", defaultValue = "10s", paramLabel = "DURATION", description = "--kafka: how long to wait for the cluster.")
    String kafkaTimeout;

    @Override
    public Integer call() throws InterruptedException, java.io.IOException {
        Authentication authentication = tokenFile == null ? null : Authentication.fromFile(tokenFile);
        ServeCommand.checkBind(spec.commandLine(), bind, authentication != null, insecure, "read every topic and group",
            allowActions ? " (and --allow-actions lets them stop groups)" : "");
        UiContext context = new UiContext().log(data.context()).bind(bind).port(port).allowActions(allowActions);
        if (kafka != null) {
            context.kafka(kafka, io.kappa.log.Durations.parse(kafkaTimeout, "--kafka-timeout"));
        }
        if (authentication != null) {
            context.tokens(token -> {
                byte[] b = token.getBytes(StandardCharsets.UTF_8);
                return authentication.accepts(b, 0, b.length);
            });
        }
        UiServer ui = UiServer.start(context);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ui.close();
            stopped.countDown();
        }, "kappa-ui-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("kappa: console for %s at %s%s%n", data.resolve(), ui.url(), allowActions ? " (actions allowed)" : " (read-only)");
        out.flush();
        stopped.await();
        return 0;
    }
}
