package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.tls.UpstreamTls;
import io.pgguard.core.upstream.Upstream;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Asks the server for TLS with an SSLRequest, as libpq does, and installs TLS when it agrees. Fires
 * {@link #UPSTREAM_READY} once the connection may carry the startup message, or fails the channel with an
 * {@link UpstreamTlsException} when the sslmode cannot be met.
 */
public final class UpstreamTlsNegotiator extends ChannelInboundHandlerAdapter {
    public static final Object UPSTREAM_READY = new Object() {
        @Override
        public String toString() {
            return "UPSTREAM_READY";
        }
    };

    /** The server's leg could not be secured as configured. */
    public static final class UpstreamTlsException extends RuntimeException {
        UpstreamTlsException(String message) {
            super(message, null, false, false);
        }
    }

    private final Upstream upstream;

    public UpstreamTlsNegotiator(Upstream upstream) {
        this.upstream = upstream;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().buffer(8).writeInt(8).writeInt(PgWire.SSL_REQUEST_CODE);
        ctx.writeAndFlush(request);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            byte answer = in.readByte();
            if (in.isReadable()) {
                // Bytes after the answer were sent before any TLS: never trust them (CVE-2021-23222 class).
                throw new UpstreamTlsException("server sent unencrypted data after its answer to SSLRequest");
            }
            if (answer == 'S') {
                startTls(ctx);
            } else if (answer == 'N' && !upstream.tls().insistsOnTls()) {
                ready(ctx);
            } else if (answer == 'N') {
                throw new UpstreamTlsException("server does not support SSL, but sslmode "
                        + upstream.tls().mode().name().toLowerCase(Locale.ROOT).replace('_', '-')
                        + " requires it");
            } else {
                throw new UpstreamTlsException("server answered SSLRequest with unexpected byte " + answer);
            }
        } finally {
            in.release();
        }
    }

    private void startTls(ChannelHandlerContext ctx) {
        SslHandler ssl = upstream.tls().context().newHandler(ctx.alloc(), upstream.host(), upstream.port());
        if (upstream.tls().mode() == UpstreamTls.Mode.VERIFY_FULL) {
            SSLEngine engine = ssl.engine();
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        ctx.pipeline().addBefore(ctx.name(), "upstream-tls", ssl);
        ssl.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                ready(ctx);
            } else {
                ctx.fireExceptionCaught(new UpstreamTlsException("TLS handshake with the server failed: "
                        + f.cause().getMessage()));
            }
        });
    }

    private void ready(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        ctx.fireUserEventTriggered(UPSTREAM_READY);
    }
}
