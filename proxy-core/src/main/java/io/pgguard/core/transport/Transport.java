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

/**
 * The Netty transport PgGuard's event loops run, and the channel types that go with it. io_uring hands the kernel a
 * loop's sends and receives in one system call per loop turn instead of one each; epoll is the Linux fallback
 * where io_uring is unavailable (old kernels, seccomp profiles that block it); NIO runs anywhere.
 */
public enum Transport {
    IO_URING("io_uring") {
        @Override
        public Optional<Throwable> unavailabilityCause() {
            return IoUring.isAvailable() ? Optional.empty() : Optional.of(IoUring.unavailabilityCause());
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverSocketChannel() {
            return IoUringServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return IoUringSocketChannel.class;
        }

        @Override
        public Class<? extends ServerChannel> serverDomainSocketChannel() {
            return IoUringServerDomainSocketChannel.class;
        }

        @Override
        public Class<? extends Channel> domainSocketChannel() {
            return IoUringDomainSocketChannel.class;
        }

        @Override
        public SocketAddress domainSocketAddress(String path) {
            return new DomainSocketAddress(path);
        }
    },
    EPOLL("epoll") {
        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Epoll.isAvailable() ? Optional.empty() : Optional.of(Epoll.unavailabilityCause());
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverSocketChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        public Class<? extends ServerChannel> serverDomainSocketChannel() {
            return EpollServerDomainSocketChannel.class;
        }

        @Override
        public Class<? extends Channel> domainSocketChannel() {
            return EpollDomainSocketChannel.class;
        }

        @Override
        public SocketAddress domainSocketAddress(String path) {
            return new DomainSocketAddress(path);
        }
    },
    NIO("nio") {
        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.empty();
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverSocketChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }

        @Override
        public Class<? extends ServerChannel> serverDomainSocketChannel() {
            return NioServerDomainSocketChannel.class;
        }

        @Override
        public Class<? extends Channel> domainSocketChannel() {
            return NioDomainSocketChannel.class;
        }

        @Override
        public SocketAddress domainSocketAddress(String path) {
            return UnixDomainSocketAddress.of(path);
        }
    };

    private final String configName;

    Transport(String configName) {
        this.configName = configName;
    }

    /** The name configuration and logs use: io_uring, epoll, nio. */
    public String configName() {
        return configName;
    }

    /** Why this transport cannot run here, or empty when it can. */
    public abstract Optional<Throwable> unavailabilityCause();

    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    public abstract IoHandlerFactory ioHandlerFactory();

    public abstract Class<? extends ServerSocketChannel> serverSocketChannel();

    public abstract Class<? extends SocketChannel> socketChannel();

    public abstract Class<? extends ServerChannel> serverDomainSocketChannel();

    public abstract Class<? extends Channel> domainSocketChannel();

    /** The address type this transport's Unix-domain channels take. */
    public abstract SocketAddress domainSocketAddress(String path);

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
