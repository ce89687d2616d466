package io.pgguard.core.relay;

import io.pgguard.core.tls.ClientTls;
import io.pgguard.core.upstream.Routing;
import java.time.Duration;
import java.util.Set;

/**
 * The settings one connection is served with; replaced whole on reload, read once per connection.
 * {@code quietApplications}: application_name values that do not get the upstream's connect notice.
 */
public record ProxySettings(Routing routing, ClientTls clientTls, int maxMessageSize, Duration startupTimeout,
        Duration connectTimeout, Set<String> quietApplications, ConnectionLimits limits) {

    public ProxySettings {
        quietApplications = Set.copyOf(quietApplications);
    }

    public ProxySettings(Routing routing, ClientTls clientTls, int maxMessageSize, Duration startupTimeout,
            Duration connectTimeout, Set<String> quietApplications) {
        this(routing, clientTls, maxMessageSize, startupTimeout, connectTimeout, quietApplications,
                ConnectionLimits.NONE);
    }

    public static final int DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024 * 1024;

    public static ProxySettings defaults(Routing routing) {
        return new ProxySettings(routing, ClientTls.off(), DEFAULT_MAX_MESSAGE_SIZE, Duration.ofSeconds(60),
                Duration.ofSeconds(10), Set.of(), ConnectionLimits.NONE);
    }
}
