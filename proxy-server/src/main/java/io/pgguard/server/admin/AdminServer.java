package io.pgguard.server.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint on its own port and thread: /metrics (Prometheus text, or OpenMetrics when asked),
 * /health (the process answers), /ready (serving and an upstream reachable), /rules (the rule set in force) and
 * POST /reload. With a token set, every path but /health needs "Authorization: Bearer TOKEN".
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** What the endpoint serves; implemented by the application. */
    public interface Endpoints {
        String scrape(String acceptHeader);

        String contentType(String acceptHeader);

        boolean ready();

        String readinessDetail();

        String rulesJson();

        /** Reloads the configuration; returns null on success, else why it was refused. */
        String reload();
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Endpoints endpoints;
    private final String token;
    private Channel channel;

    public AdminServer(Endpoints endpoints, String token) {
        this.endpoints = endpoints;
        this.token = token == null || token.isBlank() ? null : token;
    }

    public InetSocketAddress start(String host, int port) throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new Handler());
                    }
                }).bind(host, port).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
        log.info("admin endpoint on http://{}:{}/ (metrics, health, ready, rules, reload)", bound.getHostString(),
                bound.getPort());
        return bound;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            FullHttpResponse response;
            try {
                response = route(path, request);
            } catch (RuntimeException e) {
                log.error("admin request {} failed", path, e);
                response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error; see the log\n");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse route(String path, FullHttpRequest request) {
            if (path.equals("/health")) {
                return text(HttpResponseStatus.OK, "ok\n");
            }
            if (!authorized(request)) {
                FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "bearer token required\n");
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                return r;
            }
            String accept = request.headers().get(HttpHeaderNames.ACCEPT);
            switch (path) {
                case "/metrics":
                    return response(HttpResponseStatus.OK, endpoints.contentType(accept), endpoints.scrape(accept));
                case "/ready":
                    return endpoints.ready() ? text(HttpResponseStatus.OK, "ready\n")
                            : text(HttpResponseStatus.SERVICE_UNAVAILABLE, endpoints.readinessDetail() + "\n");
                case "/rules":
                    return response(HttpResponseStatus.OK, "application/json", endpoints.rulesJson());
                case "/reload":
                    if (!request.method().equals(HttpMethod.POST)) {
                        return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST /reload\n");
                    }
                    String refusal = endpoints.reload();
                    return refusal == null ? text(HttpResponseStatus.OK, "reloaded\n")
                            : text(HttpResponseStatus.UNPROCESSABLE_ENTITY, "reload refused: " + refusal + "\n");
                default:
                    return text(HttpResponseStatus.NOT_FOUND, "not found; try /metrics /health /ready /rules\n");
            }
        }

        private boolean authorized(FullHttpRequest request) {
            if (token == null) {
                return true;
            }
            String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (header == null || !header.startsWith("Bearer ")) {
                return false;
            }
            byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, "text/plain; charset=utf-8", body);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return r;
    }
}
