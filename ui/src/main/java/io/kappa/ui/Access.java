package io.kappa.ui;

import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Who may see the console. With tokens (the rule of {@code kappa serve}: an address other machines reach needs them,
 * or an explicit {@code --insecure}), a request presents one as {@code Authorization: Bearer TOKEN}, in the
 * {@code kappa_token} cookie, or once as {@code ?token=TOKEN} on a page, which sets that cookie (HttpOnly,
 * SameSite=Strict) so that the page's own requests and its event stream carry it. Without tokens on a loopback
 * address, a request must name a loopback host in its {@code Host} header: a web page elsewhere that points its own
 * name at 127.0.0.1 (DNS rebinding) is refused.
 */
final class Access {
    static final String COOKIE = "kappa_token";
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Predicate<String> tokens;
    private final boolean loopbackOnly;

    /** {@code loopback}: whether the console listens on a loopback address only. */
    Access(Predicate<String> tokens, boolean loopback) {
        this.tokens = tokens;
        this.loopbackOnly = tokens == null && loopback;
    }

    boolean tokensRequired() {
        return tokens != null;
    }

    /** Null when the request may go on, else why not (the response is 401 for a missing token, 403 for a bad host). */
    String refusal(Request request, String queryToken) {
        if (loopbackOnly) {
            String host = Request.getServerName(request);
            host = host == null ? "" : host.toLowerCase(Locale.ROOT);
            if (!LOOPBACK_NAMES.contains(host) && !host.startsWith("127.")) {
                return "host";
            }
            return null;
        }
        if (tokens == null) {
            return null;
        }
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && tokens.test(auth.substring(7).strip())) {
            return null;
        }
        for (HttpCookie c : Request.getCookies(request)) {
            if (COOKIE.equals(c.getName()) && tokens.test(c.getValue())) {
                return null;
            }
        }
        if (queryToken != null && tokens.test(queryToken)) {
            return null;
        }
        return "token";
    }
}
