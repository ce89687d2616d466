package io.pgguard.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;

/**
 * Opens connections to upstreams on the transport the proxy's event loops run: TCP, or the server's Unix-domain
 * socket when the upstream's host is a directory. Callers add their handler and connect.
 */
public final class UpstreamDialer {
    private final boolean epoll;

    public UpstreamDialer(boolean epoll) {
        this.epoll = epoll;
    }

    public Bootstrap bootstrap(EventLoop loop, Upstream upstream, Duration connectTimeout) {
        Bootstrap bootstrap = new Bootstrap().group(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
        if (upstream.unixSocket()) {
            return epoll
                    ? bootstrap.channel(EpollDomainSocketChannel.class)
                            .remoteAddress(new DomainSocketAddress(upstream.socketPath()))
                    : bootstrap.channel(NioDomainSocketChannel.class)
                            .remoteAddress(UnixDomainSocketAddress.of(upstream.socketPath()));
        }
        return bootstrap.channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .remoteAddress(upstream.host(), upstream.port());
    }
}
