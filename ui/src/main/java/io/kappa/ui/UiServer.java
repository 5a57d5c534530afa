package io.kappa.ui;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kappa.log.EventLog;
import io.kappa.log.LogException;
import io.kappa.processor.AuditLog;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code kappa ui}: the web console over a data directory, on Jetty. {@code /} is the page (one HTML file, its
 * script and uPlot, all from the jar); {@code /api/...} the JSON API it reads (listed in {@code docs/ui.md});
 * {@code /api/events} a server-sent event stream that pushes every look the {@link Sampler} takes, once an interval
 * (a second by default), to every open page. Requests are answered on Jetty's pool. The console keeps the log open
 * while it runs (opening a topic costs milliseconds, too much for every look), so, like {@code kappa read --follow},
 * it holds the topics it shows: {@code kappa topic delete} names it among the holders until it stops.
 */
public final class UiServer implements AutoCloseable {
    static final String CONFIRM_HEADER = "X-Kappa-Confirm";

    private final UiContext context;
    private final EventLog log;
    private final io.kappa.kafka.KafkaGroups kafka;
    private final Server server;
    private final ServerConnector connector;
    private final Sampler sampler;
    private volatile Access access;
    private final StaticFiles files = new StaticFiles();
    private final EventStream streams;

    private UiServer(UiContext context, EventLog log) {
        this.context = context;
        this.log = log;
        this.kafka = context.kafka() == null ? null : new io.kappa.kafka.KafkaGroups(context.kafka(), context.kafkaTimeoutMs());
        this.sampler = new Sampler(log, context.intervalMs(), context.historyMs(), kafka);
        this.streams = new EventStream(sampler);
        QueuedThreadPool pool = new QueuedThreadPool(EventStream.MAX_STREAMS + 16, 2);
        pool.setName("kappa-ui");
        pool.setDaemon(true);
        server = new Server(pool);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(context.bind());
        connector.setPort(context.port());
        server.addConnector(connector);
        server.setHandler(new Routes());
        server.setStopTimeout(2_000);
    }

    /** Starts the console; it looks at the data directory at once and then once an interval. */
    public static UiServer start(UiContext context) {
        context.conclude();
        UiServer ui = new UiServer(context, EventLog.open(context.log()));
        try {
            ui.connector.open();
            java.net.InetAddress bound = ((java.net.InetSocketAddress) ((java.nio.channels.ServerSocketChannel) ui.connector.getTransport())
                .getLocalAddress()).getAddress();
            ui.access = new Access(context.tokens(), bound.isLoopbackAddress());
            ui.server.start();
        } catch (Exception e) {
            ui.close();
            throw new IllegalStateException("cannot serve on " + context.bind() + ":" + context.port() + ": " + e.getMessage(), e);
        }
        ui.sampler.start();
        return ui;
    }

    /** The address it listens on (the port is the real one when 0 was asked for). */
    public InetSocketAddress address() {
        return new InetSocketAddress(context.bind(), connector.getLocalPort());
    }

    /** The page's address, for a browser. */
    public String url() {
        String host = context.bind().contains(":") ? "[" + context.bind() + "]" : context.bind();
        return "http://" + host + ":" + connector.getLocalPort() + "/";
    }

    @Override
    public void close() {
        sampler.close();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the console: " + e.getMessage(), e);
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            log.close();
        }
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            response.getHeaders().put("Cache-Control", "no-store");
            String path = request.getHttpURI().getDecodedPath();
            Fields query = Request.extractQueryParameters(request);
            String token = query.getValue("token");
            String refusal = access.refusal(request, token);
            if ("host".equals(refusal)) {
                return json(response, callback, 403, error("this console answers only requests for a loopback host name "
                    + "(localhost, 127.0.0.1, [::1])"));
            }
            if ("token".equals(refusal)) {
                if (path.startsWith("/api/")) {
                    return json(response, callback, 401, error("give a token: Authorization: Bearer TOKEN (kappa ui --token-file)"));
                }
                return send(response, callback, 401, "text/html; charset=utf-8", LOGIN.getBytes(StandardCharsets.UTF_8));
            }
            if (token != null && access.tokensRequired() && !path.startsWith("/api/")) {
                // a page opened with ?token=: keep it in a cookie for the page's own requests, and drop it from the address
                Response.addCookie(response, HttpCookie.build(Access.COOKIE, token).httpOnly(true)
                    .sameSite(HttpCookie.SameSite.STRICT).path("/").build());
                Response.sendRedirect(request, response, callback, path);
                return true;
            }
            try {
                return route(request, response, callback, path, query);
            } catch (Api.Refused e) {
                return json(response, callback, e.status, error(e.getMessage()));
            } catch (LogException.UnknownTopic e) {
                return json(response, callback, 404, error(e.getMessage()));
            } catch (IllegalArgumentException | LogException e) {
                return json(response, callback, 400, error(e.getMessage()));
            } catch (RuntimeException e) {
                return json(response, callback, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }

        private boolean route(Request request, Response response, Callback callback, String path, Fields query) {
            String method = request.getMethod();
            if (path.equals("/") || path.equals("/index.html")) {
                return file(response, callback, "index.html");
            }
            if (path.startsWith("/static/")) {
                return file(response, callback, path.substring("/static/".length()));
            }
            if (!path.startsWith("/api/")) {
                return json(response, callback, 404, error("no such page: " + path));
            }
            String[] p = path.substring(1).split("/");
            if (method.equals("POST")) {
                if (p.length == 4 && p[1].equals("groups") && (p[3].equals("rewind-plan") || p[3].equals("stop"))) {
                    return action(request, response, callback, p[2], p[3], query);
                }
                return json(response, callback, 405, error("POST only to /api/groups/G/rewind-plan and /api/groups/G/stop"));
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                return json(response, callback, 405, error(method + " is not served"));
            }
            if (p.length == 2 && p[1].equals("events")) {
                if (!streams.open()) {
                    return json(response, callback, 503, error("too many open pages (" + EventStream.MAX_STREAMS + " event streams)"));
                }
                streams.serve(response, callback);
                return true;
            }
            if (p.length == 2 && p[1].equals("config")) {
                ObjectNode n = Api.JSON.createObjectNode();
                n.put("dataDir", context.log().dataDir().toAbsolutePath().toString());
                n.put("allowActions", context.allowActions());
                n.put("intervalMs", context.intervalMs());
                n.put("historyMs", context.historyMs());
                if (kafka != null) {
                    n.put("kafka", kafka.bootstrap());
                }
                return json(response, callback, 200, n);
            }
            if (p[1].equals("kafka")) {
                if (kafka == null) {
                    return json(response, callback, 404, error("no Kafka cluster: start kappa ui with --kafka BOOTSTRAP"));
                }
                if (p.length == 3 && p[2].equals("groups")) {
                    return json(response, callback, 200, Api.kafkaGroups(kafka));
                }
                if (p.length == 4 && p[2].equals("groups")) {
                    return json(response, callback, 200, Api.kafkaGroup(kafka, p[3]));
                }
                return json(response, callback, 404, error("no such API path: " + path + " (see docs/ui.md)"));
            }
            JsonNode body = switch (p.length) {
                case 2 -> switch (p[1]) {
                    case "topics" -> Api.topics(log, sampler.rates());
                    case "groups" -> wrap("groups", Api.groups(log));
                    case "replays" -> wrap("replays", replays(Api.groups(log)));
                    default -> null;
                };
                case 3 -> switch (p[1]) {
                    case "topics" -> {
                        var t = log.resolveTopic(p[2]);
                        yield Api.topic(log, t, sampler.rates().get(t.name()));
                    }
                    case "groups" -> Api.group(log, p[2]);
                    default -> null;
                };
                case 4 -> {
                    if (p[1].equals("topics") && p[3].equals("records")) {
                        yield Api.records(log, p[2], query.getValue("from"), integer(query, "partition"),
                            integer(query, "limit") == null ? 100 : integer(query, "limit"));
                    }
                    if (p[1].equals("groups") && p[3].equals("history")) {
                        Api.group(log, p[2]);
                        yield sampler.history(p[2]);
                    }
                    if (p[1].equals("groups") && p[3].equals("audit")) {
                        yield Api.audit(log, p[2]);
                    }
                    if (p[1].equals("groups") && (p[3].equals("rewind-plan") || p[3].equals("stop"))) {
                        throw new Api.Refused(405, p[3] + " is an action: POST it (kappa ui --allow-actions)");
                    }
                    yield null;
                }
                default -> null;
            };
            if (body == null) {
                return json(response, callback, 404, error("no such API path: " + path + " (see docs/ui.md)"));
            }
            return json(response, callback, 200, body);
        }

        private boolean action(Request request, Response response, Callback callback, String group, String what, Fields query) {
            if (!context.allowActions()) {
                return json(response, callback, 403, error("actions are off: start kappa ui with --allow-actions"));
            }
            if (!group.equals(request.getHeaders().get(CONFIRM_HEADER))) {
                return json(response, callback, 400, error("confirm the action: send the header " + CONFIRM_HEADER + ": " + group));
            }
            ObjectNode result;
            ObjectNode audit;
            if (what.equals("stop")) {
                result = Api.stop(log, group);
                audit = AuditLog.entry("stop");
                audit.put("signalled", result.get("pid").asLong());
            } else {
                String to = query.getValue("to");
                result = Api.plan(log, group, to, integer(query, "partition"));
                audit = AuditLog.entry("rewind-dry-run");
                audit.put("to", result.get("to").asText());
            }
            audit.put("via", "kappa ui");
            audit.put("remote", String.valueOf(request.getConnectionMetaData().getRemoteSocketAddress()));
            AuditLog.appendToGroup(log.dataDir(), group, audit);
            return json(response, callback, 200, result);
        }

        private boolean file(Response response, Callback callback, String name) {
            StaticFiles.File f = files.get(name);
            if (f == null) {
                return json(response, callback, 404, error("no such file: " + name));
            }
            return send(response, callback, 200, f.type(), f.bytes());
        }
    }

    private static ArrayNode replays(ArrayNode groups) {
        ArrayNode a = Api.JSON.createArrayNode();
        groups.forEach(g -> {
            if (g.path("replay").asBoolean(false)) {
                a.add(g);
            }
        });
        return a;
    }

    private static ObjectNode wrap(String field, ArrayNode a) {
        ObjectNode n = Api.JSON.createObjectNode();
        n.set(field, a);
        return n;
    }

    private static Integer integer(Fields query, String name) {
        String v = query.getValue(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was '" + v + "'");
        }
    }

    private static ObjectNode error(String message) {
        return Api.JSON.createObjectNode().put("error", message);
    }

    private static boolean json(Response response, Callback callback, int status, JsonNode body) {
        return send(response, callback, status, "application/json; charset=utf-8", (body.toString() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static boolean send(Response response, Callback callback, int status, String type, byte[] bytes) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }

    private static final String LOGIN = "<!doctype html><meta charset=utf-8><title>kappa ui</title>"
        + "<form method=get action=/ style='font:16px system-ui;margin:4em auto;max-width:30em'>"
        + "<p>This console needs a token (one of <code>kappa ui --token-file</code>).</p>"
        + "<input name=token type=password autofocus size=40> <button>Open</button></form>";
}
