package io.pgguard.core;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pgguard.core.cancel.CancelRegistry;
import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.SqlState;
import io.pgguard.core.protocol.StartupPacketDecoder;
import io.pgguard.core.relay.ClientSideHandler;
import io.pgguard.core.relay.ProxyContext;
import io.pgguard.core.relay.ProxyEvents;
import io.pgguard.core.relay.ProxySettings;
import io.pgguard.core.transport.TimerlessEventLoopGroup;
import io.pgguard.core.transport.Transport;
import io.pgguard.core.transport.UnixSocketFile;
import io.pgguard.core.upstream.UpstreamDialer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side of PgGuard. Each accepted client gets its server connection on its own event loop, so a
 * session's two channels never cross threads. All loops run one {@link Transport}.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    /**
     * Per-channel write buffer bounds, client and server side alike: past the high mark the other side stops
     * reading until this one drains.
     */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ProxyContext context;
    private static final long QUIET_PERIOD_MILLIS = 50;
    /** How long a stop waits for the event loops to end; past it, they are left to end, or not, on their own. */
    private static final long SHUTDOWN_WAIT_MILLIS = 10_000;
    private final ChannelGroup clients = new DefaultChannelGroup("pgguard-clients", GlobalEventExecutor.INSTANCE);
    private final Transport transport;
    private final Consumer<Channel> clientPipelineCustomizer;
    private Channel serverChannel;
    /** The Unix-domain socket listener, while one is open, and its file. */
    private Channel unixChannel;
    private UnixSocketFile unixSocketFile;

    public ProxyServer(ProxySettings settings, StatementInspector inspector, ProxyEvents events,
            CancelRegistry cancels, int workerThreads, Transport transport, Consumer<Channel> clientPipelineCustomizer) {
        this.transport = transport;
        this.bossGroup = new TimerlessEventLoopGroup(1, "pgguard-accept", transport.ioHandlerFactory());
        this.workerGroup = new TimerlessEventLoopGroup(workerThreads, "pgguard-io", transport.ioHandlerFactory());
        this.context = new ProxyContext(settings, inspector, events, cancels, new UpstreamDialer(transport));
        this.clientPipelineCustomizer = clientPipelineCustomizer;
    }

    public InetSocketAddress start(String host, int port) throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(clientInitializer())
                .bind(host, port).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("PgGuard listening on {}:{} ({} transport)", bound.getHostString(), bound.getPort(),
                transport.configName());
        return bound;
    }

    /**
     * Also accepts clients on a Unix-domain socket at {@code path} (PostgreSQL and PgBouncer name theirs
     * {@code .s.PGSQL.<port>} in a socket directory) with the file mode {@code mode}. A socket file that refuses
     * connections, left by a process that died, is replaced; one that answers, or that cannot be probed (no
     * permission), fails the start, and so does a file that is not a socket (see {@link UnixSocketFile}).
     */
    public void startUnixSocket(Path path, Set<PosixFilePermission> mode) throws InterruptedException, IOException {
        UnixSocketFile file = UnixSocketFile.claim(path);
        unixChannel = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverDomainSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(clientInitializer())
                .bind(transport.domainSocketAddress(file.bindPath().toString())).sync().channel();
        try {
            file.publish(mode);
        } catch (IOException e) {
            unixChannel.close().syncUninterruptibly();
            unixChannel = null;
            throw e;
        }
        unixSocketFile = file;
        log.info("PgGuard listening on Unix-domain socket {}", path);
    }

    private ChannelInitializer<Channel> clientInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                clients.add(ch);
                if (clientPipelineCustomizer != null) {
                    clientPipelineCustomizer.accept(ch);
                }
                ch.pipeline().addLast(ClientSideHandler.STARTUP_DECODER, new StartupPacketDecoder());
                ch.pipeline().addLast("client-side", new ClientSideHandler(context));
            }
        };
    }

    public ProxyContext context() {
        return context;
    }

    public Transport transport() {
        return transport;
    }

    /** Open client connections. */
    public ChannelGroup clients() {
        return clients;
    }

    public boolean isListening() {
        return serverChannel != null && serverChannel.isActive();
    }

    /** Stops accepting new connections; open sessions go on. */
    public void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (unixChannel != null) {
            unixChannel.close().syncUninterruptibly();
            unixChannel = null;
            unixSocketFile.removeIfOurs();
            unixSocketFile = null;
        }
    }

    /**
     * Graceful drain: stops accepting, closes sessions as they become quiescent (no statement in flight, no open
     * transaction), and after {@code period} closes the rest. Every closed client gets FATAL 57P01, as from a
     * server shutting down. Returns the number of sessions that had to be cut at the end.
     */
    public int drain(Duration period) throws InterruptedException {
        stopAccepting();
        PgError shutdown = PgError.fatal(
                SqlState.ADMIN_SHUTDOWN,
                "terminating connection because PgGuard is shutting down");
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < deadline) {
            if (terminateAll(false, shutdown) == 0) {
                return 0;
            }
            Thread.sleep(50);
        }
        int cut = terminateAll(true, shutdown.withDetail("The drain period of " + period.toSeconds()
                + " s ended while this session was still in a transaction or running a statement."));
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        return cut;
    }

    /** Returns how many sessions remain open (or, with force, how many were cut). */
    private int terminateAll(boolean force, PgError error) throws InterruptedException {
        AtomicInteger remaining = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (Channel ch : clients) {
            done.add(ch.eventLoop().submit(() -> {
                ClientSideHandler handler = ch.pipeline().get(ClientSideHandler.class);
                if (handler != null && !handler.terminateIf(force, error)) {
                    remaining.incrementAndGet();
                } else if (handler != null && force) {
                    remaining.incrementAndGet();
                }
            }));
        }
        for (Future<?> f : done) {
            f.await(1000);
        }
        return remaining.get();
    }

    @Override
    public void close() {
        stopAccepting();
        clients.close().awaitUninterruptibly();
        awaitEnd("accepting", bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS));
        // A client's close closes its server connection after it, and on io_uring a socket finishes closing when
        // its cancelled reads complete: a short quiet period lets the loops see that through rather than refuse
        // the last step of it ("event executor terminated").
        awaitEnd("worker", workerGroup.shutdownGracefully(QUIET_PERIOD_MILLIS, 2000, TimeUnit.MILLISECONDS));
    }

    /**
     * Waits a bounded time for event loops to end. An io_uring loop ends only once the kernel has completed every
     * operation it cancelled, and one stop of the test suite saw a loop wait on that for good: a stop must not.
     */
    private static void awaitEnd(String loops, Future<?> termination) {
        if (!termination.awaitUninterruptibly(SHUTDOWN_WAIT_MILLIS)) {
            log.warn("PgGuard's {} event loops did not end within {} ms of the stop; going on without them", loops,
                    SHUTDOWN_WAIT_MILLIS);
        }
    }
}
