package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgguard.core.protocol.BackendKeyData;
import io.pgguard.core.upstream.Upstream;
import io.pgguard.core.upstream.UpstreamDialer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a CancelRequest with the server's own key on a new connection, as libpq does. The server signals the
 * backend and then hangs up, so the connection's close tells that the signal has been sent.
 */
final class CancelSender {
    private static final Logger log = LoggerFactory.getLogger(CancelSender.class);

    private CancelSender() {}

    static void send(EventLoop loop, UpstreamDialer dialer, Upstream upstream, BackendKeyData key,
            Duration connectTimeout, Runnable onTaken) {
        dialer.bootstrap(loop, upstream, connectTimeout)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (upstream.tls().requestsTls()) {
                            ch.pipeline().addLast(new UpstreamTlsNegotiator(upstream));
                        }
                        ch.pipeline().addLast(new SendCancel(key, upstream.tls().requestsTls()));
                    }
                })
                .connect()
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        log.warn("could not send cancel to upstream {} ({}): {}", upstream.name(), upstream.address(),
                                f.cause().toString());
                        if (onTaken != null) {
                            onTaken.run();
                        }
                        return;
                    }
                    // A server that never hangs up must not hold anyone waiting on the cancel for ever.
                    ScheduledFuture<?> giveUp = f.channel().eventLoop().schedule(() -> { f.channel().close(); },
                            connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    f.channel().closeFuture().addListener(closed -> {
                        giveUp.cancel(false);
                        if (onTaken != null) {
                            onTaken.run();
                        }
                    });
                });
    }

    private static final class SendCancel extends ChannelInboundHandlerAdapter {
        private final BackendKeyData key;
        private final boolean waitForTls;

        SendCancel(BackendKeyData key, boolean waitForTls) {
            this.key = key;
            this.waitForTls = waitForTls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!waitForTls) {
                sendNow(ctx);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == UpstreamTlsNegotiator.UPSTREAM_READY) {
                sendNow(ctx);
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("cancel request to the server failed: {}", cause.toString());
            ctx.close();
        }

        private void sendNow(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(key.encodeCancelRequest(ctx.alloc()));
        }
    }
}
