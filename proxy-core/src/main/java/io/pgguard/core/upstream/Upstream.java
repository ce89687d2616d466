package io.pgguard.core.upstream;

import io.pgguard.core.tls.UpstreamTls;
import java.util.Objects;

/**
 * A PostgreSQL server PgGuard forwards to. {@code environment} labels it for the rules and for people
 * (production, staging...); {@code connectNotice} is sent to clients after they log in, when set.
 */
public record Upstream(String name, String host, int port, String environment, UpstreamTls tls, String connectNotice) {
    public Upstream {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public static Upstream plain(String name, String host, int port) {
        return new Upstream(name, host, port, "default", UpstreamTls.disabled(), null);
    }

    public String address() {
        return host + ":" + port;
    }
}
