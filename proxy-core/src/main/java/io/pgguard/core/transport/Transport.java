package io.pgguard.core.transport;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Netty transport PgGuard's event loops run, and the channel types that go with it. io_uring hands the kernel a
 * loop's sends and receives in one system call per loop turn instead of one each; epoll is the Linux fallback
 * where io_uring is unavailable (old kernels, seccomp profiles that block it); NIO runs anywhere.
 */
public enum Transport {
    IO_URING("io_uring", () -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause(),
            IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringSocketChannel.class,
            IoUringServerDomainSocketChannel.class, IoUringDomainSocketChannel.class, DomainSocketAddress::new),
    EPOLL("epoll", () -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause(),
            EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class,
            EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class, DomainSocketAddress::new),
    NIO("nio", () -> null,
            NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class,
            NioServerDomainSocketChannel.class, NioDomainSocketChannel.class, UnixDomainSocketAddress::of);

    private final String configName;
    private final Supplier<Throwable> unavailability;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerSocketChannel> serverSocketChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final Class<? extends ServerChannel> serverDomainSocketChannel;
    private final Class<? extends Channel> domainSocketChannel;
    private final Function<String, SocketAddress> domainSocketAddress;

    Transport(String configName, Supplier<Throwable> unavailability, Supplier<IoHandlerFactory> ioHandlerFactory,
            Class<? extends ServerSocketChannel> serverSocketChannel, Class<? extends SocketChannel> socketChannel,
            Class<? extends ServerChannel> serverDomainSocketChannel, Class<? extends Channel> domainSocketChannel,
            Function<String, SocketAddress> domainSocketAddress) {
        this.configName = configName;
        this.unavailability = unavailability;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverSocketChannel = serverSocketChannel;
        this.socketChannel = socketChannel;
        this.serverDomainSocketChannel = serverDomainSocketChannel;
        this.domainSocketChannel = domainSocketChannel;
        this.domainSocketAddress = domainSocketAddress;
    }

    /** The name configuration and logs use: io_uring, epoll, nio. */
    public String configName() {
        return configName;
    }

    /** Why this transport cannot run here, or empty when it can. */
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(unavailability.get());
    }

    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    public Class<? extends ServerSocketChannel> serverSocketChannel() {
        return serverSocketChannel;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    public Class<? extends ServerChannel> serverDomainSocketChannel() {
        return serverDomainSocketChannel;
    }

    public Class<? extends Channel> domainSocketChannel() {
        return domainSocketChannel;
    }

    /** The address type this transport's Unix-domain channels take. */
    public SocketAddress domainSocketAddress(String path) {
        return domainSocketAddress.apply(path);
    }

    /** The fastest transport that runs here: io_uring, else epoll, else NIO. */
    public static Transport best() {
        return IO_URING.isAvailable() ? IO_URING : EPOLL.isAvailable() ? EPOLL : NIO;
    }

    /** Why this transport cannot run here, in one line. */
    public String unavailabilityReason() {
        return unavailabilityCause().map(cause -> {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root.getMessage() != null ? root.getMessage() : root.toString();
        }).orElse("");
    }

    /** Parses a configured name (io_uring, epoll, nio), or throws naming the accepted ones. */
    public static Transport named(String name) {
        for (Transport t : values()) {
            if (t.configName.equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "' (expected io_uring, epoll or nio)");
    }
}
