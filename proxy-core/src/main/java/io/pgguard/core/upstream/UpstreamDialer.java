package io.pgguard.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.pgguard.core.ProxyServer;
import io.pgguard.core.transport.Transport;
import java.time.Duration;

/**
 * Opens connections to upstreams on the transport the proxy's event loops run: TCP, or the server's Unix-domain
 * socket when the upstream's host is a directory. Callers add their handler and connect.
 */
public final class UpstreamDialer {
    private final Transport transport;

    public UpstreamDialer(Transport transport) {
        this.transport = transport;
    }

    public Bootstrap bootstrap(EventLoop loop, Upstream upstream, Duration connectTimeout) {
        Bootstrap bootstrap = new Bootstrap().group(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyServer.WATER_MARK);
        if (upstream.unixSocket()) {
            return bootstrap.channel(transport.domainSocketChannel())
                    .remoteAddress(transport.domainSocketAddress(upstream.socketPath()));
        }
        return bootstrap.channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .remoteAddress(upstream.host(), upstream.port());
    }
}
