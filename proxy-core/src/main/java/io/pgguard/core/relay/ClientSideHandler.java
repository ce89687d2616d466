package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.pgguard.core.cancel.CancelKey;
import io.pgguard.core.cancel.CancelRegistry;
import io.pgguard.core.protocol.BackendKeyData;
import io.pgguard.core.protocol.FrontendMessageDecoder;
import io.pgguard.core.protocol.FrontendMessageType;
import io.pgguard.core.protocol.MessageTooLargeException;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.ProtocolViolationException;
import io.pgguard.core.protocol.SqlState;
import io.pgguard.core.protocol.StartupPacketDecoder;
import io.pgguard.core.protocol.StartupRequest;
import io.pgguard.core.tls.ClientTls;
import io.pgguard.core.upstream.Upstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of a session: negotiates TLS and startup, opens the server connection, relays authentication,
 * then hands every frontend message to the {@link FrontendRelay}.
 */
public final class ClientSideHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientSideHandler.class);
    public static final String STARTUP_DECODER = "startup-decoder";
    public static final String FRONTEND_DECODER = "frontend-decoder";

    private final ProxyContext context;
    private ProxySession session;
    private FrontendRelay relay;
    /** Set by the first protocol violation: the connection is closing, later ones are not new news. */
    private boolean failedOnViolation;

    public ClientSideHandler(ProxyContext context) {
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session = new ProxySession(context, ctx.channel());
        relay = new FrontendRelay(session);
        session.relay = relay;
        context.events().clientConnected(session.clientAddress);
        long timeoutMillis = session.settings.startupTimeout().toMillis();
        session.startupTimeout = ctx.executor().schedule(this::startupTimedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof StartupRequest request) {
            onStartupRequest(ctx, request);
            return;
        }
        ByteBuf message = (ByteBuf) msg;
        if (!session.clientMessageInRead) {
            session.clientMessageInRead = true;
            session.clientReadNanos = System.nanoTime();
        }
        session.clientBytesInRead += message.readableBytes();
        switch (session.phase) {
            case READY -> relay.onMessage(message);
            case AUTHENTICATING -> relayAuthentication(message);
            case CLOSED -> message.release(); // the rest of a read that ended the session: nobody to send it to
            default -> {
                message.release();
                throw new ProtocolViolationException("message received before the startup finished");
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (session.clientMessageInRead) { // a message trickled in byte by byte does not keep a session alive
            session.clientMessageInRead = false;
            session.lastClientActivity = session.clientReadNanos;
            context.events().bytesFromClient(session.clientBytesInRead);
            session.clientBytesInRead = 0;
        }
        session.flushToServer();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel server = session.server;
        if (server != null && ctx.channel().isWritable()) {
            server.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.cancelStartupTimeout();
        session.clientClosed();
        relay.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolViolationException violation) {
            if (failedOnViolation) { // more bytes of the same bad stream, read before the close took effect
                return;
            }
            failedOnViolation = true;
            String kind = violation instanceof MessageTooLargeException ? "message_too_large" : "protocol_violation";
            log.warn("protocol violation from {} (connection {}): {}", session.clientAddress, session.connectionId,
                    violation.getMessage());
            context.events().protocolError(kind, session.clientAddress, violation.getMessage());
            session.failAndClose(PgError.fatal(SqlState.PROTOCOL_VIOLATION, violation.getMessage()));
        } else if (root instanceof IOException) {
            log.debug("connection {} from {}: {}", session.connectionId, session.clientAddress, root.toString());
            ctx.close();
        } else {
            log.error("connection {} from {} failed", session.connectionId, session.clientAddress, root);
            session.failAndClose(PgError.fatal(SqlState.INTERNAL_ERROR, "PgGuard internal error; see the proxy log"));
        }
    }

    /**
     * For a graceful drain: closes the session with {@code error} if {@code force}, or if it is quiescent (see
     * {@link ProxySession#isQuiescent()}). Returns whether the session is gone. Runs on the session's event loop.
     */
    public boolean terminateIf(boolean force, PgError error) {
        if (session == null || session.phase == ProxySession.Phase.CLOSED) {
            return true;
        }
        if (force || session.isQuiescent() || session.phase != ProxySession.Phase.READY) {
            session.failAndClose(error);
            return true;
        }
        return false;
    }

    // --- startup -------------------------------------------------------------------------------------------

    private void onStartupRequest(ChannelHandlerContext ctx, StartupRequest request) {
        if (request instanceof StartupRequest.SslRequest) {
            onSslRequest(ctx);
        } else if (request instanceof StartupRequest.GssEncRequest) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        } else if (request instanceof StartupRequest.CancelRequest cancel) {
            onCancelRequest(ctx, cancel);
        } else if (request instanceof StartupRequest.StartupMessage startup) {
            onStartupMessage(ctx, startup);
        }
    }

    private void onSslRequest(ChannelHandlerContext ctx) {
        ClientTls tls = session.settings.clientTls();
        if (session.clientTls) {
            throw new ProtocolViolationException("SSLRequest received on a connection that already uses TLS");
        }
        if (!tls.offersTls() || session.clientOnUnixSocket) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            return;
        }
        SslHandler ssl = tls.context().newHandler(ctx.alloc());
        ctx.pipeline().addFirst("client-tls", ssl);
        // Written from the TLS handler's own context, so the 'S' goes out in the clear, before the handshake.
        ctx.pipeline().context("client-tls").writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
        session.clientTls = true;
        context.events().clientTls(session);
    }

    /**
     * A cancel for a key this replica issued is sent to that session's server; a key of another replica goes
     * to that peer (replicas behind one load balancer); anything else is dropped silently, as PostgreSQL does.
     */
    private void onCancelRequest(ChannelHandlerContext ctx, StartupRequest.CancelRequest cancel) {
        boolean matched = cancel.standardLength()
                && context.cancels().cancel(new CancelKey(cancel.processId(), cancel.secretKey()));
        int issuer = CancelRegistry.replicaOf(cancel.processId());
        InetSocketAddress peer = matched || issuer == context.cancels().replicaId() ? null
                : context.peer(issuer);
        if (peer != null) {
            byte[] secret = ByteBuffer.allocate(4).putInt(cancel.secretKey()).array();
            CancelSender.send(ctx.channel().eventLoop(), context.dialer(),
                    Upstream.plain("peer-" + issuer, peer.getHostString(), peer.getPort()),
                    new BackendKeyData(cancel.processId(), secret),
                    session.settings.connectTimeout(), null);
            log.debug("cancel request for replica {} forwarded to {}", issuer, peer);
        }
        context.events().cancelForwarded(matched || peer != null);
        if (!matched && peer == null) {
            log.debug("cancel request from {} matches no session; dropped", session.clientAddress);
        }
        ctx.close();
    }

    private void onStartupMessage(ChannelHandlerContext ctx, StartupRequest.StartupMessage startup) {
        session.startup = startup;
        if (session.settings.clientTls().mode() == ClientTls.Mode.REQUIRED && !session.clientTls
                && !session.clientOnUnixSocket) { // a local socket has no TLS to require, as in PgBouncer
            refuse("tls_required", PgError.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "PgGuard accepts only TLS (SSL) connections: connect with sslmode=require"));
            return;
        }
        String replication = startup.parameters().get("replication");
        if (replication != null && !isFalse(replication)) {
            refuse("replication", PgError.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                    "PgGuard does not proxy replication connections (replication=" + replication + ")"));
            return;
        }
        PgError startupRefusal = context.inspector().inspectStartup(session, startup.parameters());
        if (startupRefusal != null) {
            refuse("startup_parameters", startupRefusal);
            return;
        }
        session.initialSearchPath(StartupOptions.searchPath(startup.parameters()));
        String full = context.connections.acquire(session.settings.limits(), startup.user(), startup.database());
        if (full != null) {
            refuse("too_many_connections", PgError.fatal(SqlState.TOO_MANY_CONNECTIONS, full));
            return;
        }
        session.holdsConnectionSlot = true;
        session.upstream = session.settings.routing().route(startup.database());
        session.phase = ProxySession.Phase.CONNECTING;
        ctx.channel().config().setAutoRead(false);
        session.frontendDecoder = new FrontendMessageDecoder(session.settings.maxMessageSize());
        ctx.pipeline().addAfter(STARTUP_DECODER, FRONTEND_DECODER, session.frontendDecoder);
        ctx.pipeline().remove(STARTUP_DECODER);
        connectUpstream(ctx.channel());
    }

    private void refuse(String reason, PgError error) {
        context.events().clientRefused(session.clientAddress, reason);
        log.info("refused connection from {} (user {}): {}", session.clientAddress, session.user(), error.message());
        session.failAndClose(error);
    }

    private static boolean isFalse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "false", "off", "no", "0" -> true;
            default -> false;
        };
    }

    private void connectUpstream(Channel client) {
        Upstream upstream = session.upstream;
        long started = System.nanoTime();
        context.dialer().bootstrap(client.eventLoop(), upstream, session.settings.connectTimeout())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (upstream.tls().requestsTls()) {
                            ch.pipeline().addLast("upstream-tls-negotiator", new UpstreamTlsNegotiator(upstream));
                        }
                        ch.pipeline().addLast("server-side", new ServerSideHandler(session));
                    }
                })
                .connect()
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        session.server = f.channel();
                        context.events().upstreamConnected(upstream, System.nanoTime() - started);
                    } else {
                        upstreamUnreachable(upstream, f.cause());
                    }
                });
    }

    private void upstreamUnreachable(Upstream upstream, Throwable cause) {
        context.events().upstreamFailed(upstream, cause);
        log.warn("connection {} from {}: upstream {} ({}) unreachable: {}", session.connectionId,
                session.clientAddress, upstream.name(), upstream.address(), cause.getMessage());
        session.failAndClose(PgError.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                "PgGuard could not connect to upstream \"" + upstream.name() + "\" at " + upstream.address() + ": "
                        + cause.getMessage()));
    }

    /** During authentication the client may only answer the server's challenges (or hang up). */
    private void relayAuthentication(ByteBuf message) {
        byte type = message.getByte(message.readerIndex());
        if (type != FrontendMessageType.PASSWORD && type != FrontendMessageType.TERMINATE) {
            message.release();
            throw new ProtocolViolationException("expected a password or SASL response during authentication, got "
                    + (char) type);
        }
        session.writeToServer(message);
    }

    private void startupTimedOut() {
        if (session.phase != ProxySession.Phase.READY && session.phase != ProxySession.Phase.CLOSED) {
            log.warn("connection {} from {}: startup did not finish within {}", session.connectionId,
                    session.clientAddress, session.settings.startupTimeout());
            context.events().protocolError("startup_timeout", session.clientAddress, "startup timeout");
            session.failAndClose(PgError.fatal(SqlState.PROTOCOL_VIOLATION,
                    "PgGuard: startup and authentication did not finish within "
                            + session.settings.startupTimeout().toSeconds() + " s"));
        }
    }
}
