package io.kappa.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import io.kappa.log.EventLog;
import io.kappa.server.KappaServer;
import io.kappa.server.ServerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kappa serve}: the TCP ingestion server, until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Accept events over TCP: JSON lines ({\"topic\":..,\"value\":..} per line, each answered with",
        "{\"ok\":true,\"partition\":p,\"offset\":o}) or the binary batch protocol (see BinaryProtocol). Stops cleanly on SIGTERM."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOptions data;
    @Mixin
    WriteOptions write;
    @Option(names = "--bind", defaultValue = "127.0.0.1", description = {"Address to listen on (default: ${DEFAULT-VALUE}). An",
        "address other machines can reach needs --token-file (TLS alone does not authenticate clients), or --insecure",
        "to accept anyone."})
    String bind;
    @Option(names = "--token-file", paramLabel = "FILE", description = {"Clients must present one of the tokens in FILE (one per line,",
        "16 characters or more) before anything else: the line protocol's first line {\"auth\":\"TOKEN\"}, the binary",
        "protocol's first frame an AUTH request (KappaClient.Options.withToken)."})
    java.nio.file.Path tokenFile;
    @Option(names = "--tls-cert", paramLabel = "CERT.pem", description = {"Serve both protocols over TLS 1.3 only, with the",
        "certificate chain in CERT.pem (PEM, the server's certificate first); needs --tls-key."})
    java.nio.file.Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "KEY.pem", description = {"The certificate's private key: unencrypted PKCS#8 PEM",
        "(-----BEGIN PRIVATE KEY-----, RSA or EC); convert others with `openssl pkcs8 -topk8 -nocrypt`."})
    java.nio.file.Path tlsKey;
    @Option(names = "--insecure", description = "Serve an address other machines can reach without --token-file: anyone who reaches the port "
        + "writes any topic, processors' outputs included.")
    boolean insecure;
    @Option(names = "--port", defaultValue = "7070", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--max-connections", defaultValue = "1024", description = "Connections served at once (default: ${DEFAULT-VALUE}).")
    int maxConnections;
    @Option(names = "--max-frame-bytes", defaultValue = "67108864", description = "Largest binary frame (default: ${DEFAULT-VALUE}).")
    int maxFrameBytes;
    @Option(names = "--stall-timeout-ms", defaultValue = "10000",
        description = "Close a connection stuck in the middle of a frame or line, or silent since it connected, after this long (default: ${DEFAULT-VALUE}).")
    long stallTimeoutMs;
    @Option(names = "--idle-timeout-ms", defaultValue = "300000",
        description = "Close a silent connection after this long; near --max-connections, after the stall timeout (default: ${DEFAULT-VALUE}).")
    long idleTimeoutMs;
    @Option(names = "--request-timeout-ms", defaultValue = "30000",
        description = "Close a connection whose request (frame or line) is not whole this long after its first byte (default: ${DEFAULT-VALUE}).")
    long requestTimeoutMs;
    @Option(names = "--write-timeout-ms", defaultValue = "30000",
        description = "Close a connection that takes none of its answers for this long (default: ${DEFAULT-VALUE}).")
    long writeTimeoutMs;
    @Option(names = "--max-buffer-bytes", defaultValue = "33554432",
        description = "Memory for receive-buffer growth and unsent answers, over all connections; past it, connections wait unread (default: ${DEFAULT-VALUE}).")
    long maxBufferBytes;
    @Option(names = "--max-producers", defaultValue = "1000",
        description = "Idempotent producers remembered; the one idle longest is forgotten first (default: ${DEFAULT-VALUE}).")
    int maxProducers;
    @Option(names = "--max-producers-per-connection", defaultValue = "16",
        description = "Producer ids one connection may use; a further new id is refused (default: ${DEFAULT-VALUE}).")
    int maxProducersPerConnection;
    @Option(names = "--max-producer-entries", defaultValue = "2097152",
        description = "Sequences remembered across all producers, about 24 bytes each (default: ${DEFAULT-VALUE}).")
    int maxProducerEntries;

    @Override
    public Integer call() throws Exception {
        ServerConfig defaults = ServerConfig.defaults();
        int maxLine = write.maxRecordBytes * 2 + 64 * 1024;
        ServerConfig config = new ServerConfig(bind, port, maxConnections, maxFrameBytes, maxLine, stallTimeoutMs, idleTimeoutMs,
            defaults.dedupWindow(), defaults.maxPendingOutput(), requestTimeoutMs, writeTimeoutMs, maxBufferBytes, maxProducers,
            maxProducersPerConnection, maxProducerEntries);
        PrintWriter out = spec.commandLine().getOut();
        io.kappa.server.Authentication authentication = tokenFile == null ? io.kappa.server.Authentication.none()
            : io.kappa.server.Authentication.fromFile(tokenFile);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together: give both, or neither");
        }
        checkBind(spec.commandLine(), bind, authentication.required(), insecure, "write any topic",
            " (TLS encrypts, but lets in any client)");
        javax.net.ssl.SSLContext tls = tlsCert == null ? null : io.kappa.server.TlsFiles.server(tlsCert, tlsKey);
        EventLog log = data.open();
        KappaServer server;
        try {
            server = KappaServer.start(log, config, authentication, tls);
        } catch (Exception e) {
            log.close();
            throw e;
        }
        Thread hook = new Thread(() -> {
            server.close();
            log.close();
        }, "kappa-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Signals.onStop(server::close);
        out.printf("kappa: serving %s on %s:%d%s%n", data.resolve(), server.address().getHostString(), server.address().getPort(),
            tls == null ? "" : " (TLS 1.3)");
        out.flush();
        Throwable failure = server.awaitStop();
        server.close();
        log.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook closes them (again, harmlessly)
        }
        if (failure != null) {
            spec.commandLine().getErr().println("kappa: server stopped by an error: " + failure);
            return 1;
        }
        return 0;
    }

    /**
     * The rule of {@code kappa serve} and {@code kappa ui}: an address other machines can reach needs tokens, or
     * {@code --insecure} (then a warning says who can do what: {@code exposes}).
     */
    static void checkBind(CommandLine commandLine, String bind, boolean tokens, boolean insecure, String exposes, String note) {
        if (loopback(bind) || tokens) {
            return;
        }
        if (!insecure) {
            throw new CommandLine.ParameterException(commandLine, "--bind " + bind + " can be reached from other machines: give "
                + "--token-file FILE so that clients authenticate" + note + ", or --insecure to let anyone who reaches the port "
                + exposes);
        }
        commandLine.getErr().println("kappa: warning: serving " + bind + " without authentication (--insecure): anyone who reaches "
            + "the port can " + exposes);
    }

    /** Whether every address {@code bind} names is a loopback address (a name that does not resolve: no). */
    static boolean loopback(String bind) {
        try {
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(bind)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
