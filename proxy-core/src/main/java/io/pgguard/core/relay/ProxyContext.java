package io.pgguard.core.relay;

import io.pgguard.core.cancel.CancelRegistry;
import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.upstream.UpstreamDialer;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * What all connections of one proxy share: settings and inspector (both swappable at run time for reload), the
 * event sink, the cancel registry, and the dialer for upstreams on the transport in use.
 */
public final class ProxyContext {
    private volatile ProxySettings settings;
    private volatile StatementInspector inspector;
    private final ProxyEvents events;
    private final CancelRegistry cancels;
    private final UpstreamDialer dialer;
    private final AtomicLong connectionIds = new AtomicLong();
    final ConnectionCounter connections = new ConnectionCounter();
    private volatile IntFunction<InetSocketAddress> peers = replica -> null;

    public ProxyContext(ProxySettings settings, StatementInspector inspector, ProxyEvents events,
            CancelRegistry cancels, UpstreamDialer dialer) {
        this.settings = Objects.requireNonNull(settings);
        this.inspector = Objects.requireNonNull(inspector);
        this.events = Objects.requireNonNull(events);
        this.cancels = Objects.requireNonNull(cancels);
        this.dialer = Objects.requireNonNull(dialer);
    }

    public ProxySettings settings() {
        return settings;
    }

    public void settings(ProxySettings newSettings) {
        this.settings = Objects.requireNonNull(newSettings);
    }

    public StatementInspector inspector() {
        return inspector;
    }

    public void inspector(StatementInspector newInspector) {
        this.inspector = Objects.requireNonNull(newInspector);
    }

    /** Open client connections that passed startup's limits. */
    public int connectionCount() {
        return connections.total();
    }

    /** Where to forward a cancel whose key another replica issued (null: unknown replica, drop it). */
    public void peers(IntFunction<InetSocketAddress> replicaAddresses) {
        this.peers = replicaAddresses;
    }

    InetSocketAddress peer(int replicaId) {
        return peers.apply(replicaId);
    }

    public ProxyEvents events() {
        return events;
    }

    public CancelRegistry cancels() {
        return cancels;
    }

    public UpstreamDialer dialer() {
        return dialer;
    }

    /** Whether a session should see its upstream's connect notice: people do, listed applications do not. */
    boolean noticeWanted(ProxySession session) {
        String app = session.applicationName();
        return app == null || !session.settings.quietApplications().contains(app);
    }

    long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }
}
