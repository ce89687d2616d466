package io.pgguard.core.upstream;

import io.pgguard.core.tls.UpstreamTls;
import java.util.Objects;

/**
 * A PostgreSQL server PgGuard forwards to. {@code environment} labels it for the rules and for people
 * (production, staging...); {@code connectNotice} is sent to clients after they log in, when set. A host that
 * starts with a slash is the directory of the server's Unix-domain socket, as libpq reads it; PostgreSQL speaks
 * no TLS there, so libpq's "prefer" means no TLS on such an upstream and stricter modes are refused.
 */
public record Upstream(String name, String host, int port, String environment, UpstreamTls tls, String connectNotice) {
    public Upstream {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (isSocketDirectory(host) && tls.requestsTls()) {
            if (tls.insistsOnTls()) {
                throw new IllegalArgumentException("PostgreSQL has no TLS on its Unix-domain socket " + host);
            }
            tls = UpstreamTls.disabled();
        }
    }

    public static Upstream plain(String name, String host, int port) {
        return new Upstream(name, host, port, "default", UpstreamTls.disabled(), null);
    }

    public static boolean isSocketDirectory(String host) {
        return host.startsWith("/");
    }

    public boolean unixSocket() {
        return isSocketDirectory(host);
    }

    /** The socket file PostgreSQL creates in its socket directory for this port. */
    public String socketPath() {
        return socketPath(host, port);
    }

    /** PostgreSQL's (and PgBouncer's) name for the socket of {@code port} in {@code directory}. */
    public static String socketPath(String directory, int port) {
        return directory + "/.s.PGSQL." + port;
    }

    public String address() {
        return unixSocket() ? socketPath() : host + ":" + port;
    }
}
