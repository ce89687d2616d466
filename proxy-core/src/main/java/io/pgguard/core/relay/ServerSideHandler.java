package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.pgguard.core.cancel.CancelKey;
import io.pgguard.core.protocol.BackendKeyData;
import io.pgguard.core.protocol.BackendMessageType;
import io.pgguard.core.protocol.ErrorFields;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.protocol.SqlState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of a session: sends the client's startup message once the connection is ready, then scans the
 * server's stream on its way to the client, reading only the control messages the proxy needs.
 */
final class ServerSideHandler extends ChannelInboundHandlerAdapter implements BackendStreamScanner.Listener {
    private static final Logger log = LoggerFactory.getLogger(ServerSideHandler.class);
    private static final int AUTH_OK = 0;
    /** A CopyData's length field holding a 16-bit field count alone, which is -1 in a binary copy's trailer. */
    private static final int BINARY_COPY_TRAILER_LENGTH = 4 + 2;
    /** The command tags that begin or end a transaction block (ROLLBACK TO SAVEPOINT answers ROLLBACK too). */
    private static final String[] TRANSACTION_TAGS = {"BEGIN", "START TRANSACTION", "COMMIT", "PREPARE TRANSACTION",
            "ROLLBACK"};

    private final ProxySession session;
    private BackendStreamScanner scanner;

    ServerSideHandler(ProxySession session) {
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        scanner = new BackendStreamScanner(this, ctx.alloc());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!session.upstream.tls().requestsTls()) {
            sendStartup(ctx.channel());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == UpstreamTlsNegotiator.UPSTREAM_READY) {
            sendStartup(ctx.channel());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void sendStartup(Channel server) {
        if (!session.client.isActive()) {
            server.close();
            return;
        }
        session.server = server;
        session.phase = ProxySession.Phase.AUTHENTICATING;
        server.writeAndFlush(session.startup.encode(server.alloc()));
        session.client.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        session.context.events().bytesFromServer(in.readableBytes());
        Channel client = session.client;
        scanner.scan(in, client);
        if (!client.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (session.relay != null) {
            session.relay.resumeAfterCancel();
        }
        session.client.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.resumeClientReads();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        scanner.release();
        session.serverClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String upstream = "upstream \"" + session.upstream.name() + "\" at " + session.upstream.address();
        if (root instanceof UpstreamTlsNegotiator.UpstreamTlsException) {
            log.warn("connection {}: {}: {}", session.connectionId, upstream, root.getMessage());
            session.context.events().upstreamFailed(session.upstream, root);
            session.failAndClose(PgError.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                    "PgGuard could not connect to " + upstream + ": " + root.getMessage()));
        } else if (root instanceof IOException) {
            log.info("connection {}: {} closed the connection: {}", session.connectionId, upstream, root.toString());
            session.failAndClose(PgError.fatal(SqlState.CONNECTION_FAILURE,
                    "PgGuard lost the connection to " + upstream));
        } else {
            log.error("connection {}: failure on the connection to {}", session.connectionId, upstream, root);
            session.failAndClose(PgError.fatal(SqlState.CONNECTION_FAILURE,
                    "PgGuard: the connection to " + upstream + " failed; see the proxy log"));
        }
    }

    // --- BackendStreamScanner.Listener -----------------------------------------------------------------------------

    @Override
    public boolean wantsBody(byte type, int length) {
        return switch (type) {
            case BackendMessageType.AUTHENTICATION, BackendMessageType.BACKEND_KEY_DATA,
                    BackendMessageType.PARAMETER_STATUS, BackendMessageType.READY_FOR_QUERY,
                    BackendMessageType.ERROR_RESPONSE, BackendMessageType.COMMAND_COMPLETE,
                    BackendMessageType.PORTAL_SUSPENDED, BackendMessageType.COPY_OUT_RESPONSE -> true;
            // Two bytes in a binary COPY TO may be its trailer, which is no row; rows pass by their header alone.
            case BackendMessageType.COPY_DATA ->
                    length == BINARY_COPY_TRAILER_LENGTH && session.tracker.inBinaryCopyOut();
            default -> false;
        };
    }

    @Override
    public boolean onPassThrough(byte type) {
        if (type == BackendMessageType.COPY_IN_RESPONSE) {
            session.tracker.onCopyIn();
            session.relay.onCopyIn();
            return true;
        }
        if (type == BackendMessageType.EMPTY_QUERY_RESPONSE) {
            PendingResponse head = session.tracker.head();
            boolean forward = session.tracker.onMessage(type);
            session.relay.settled(head);
            return forward;
        }
        return session.tracker.onMessage(type);
    }

    @Override
    public ByteBuf onMessage(byte type, ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        return switch (type) {
            case BackendMessageType.AUTHENTICATION -> onAuthentication(body);
            case BackendMessageType.BACKEND_KEY_DATA -> onBackendKeyData(body);
            case BackendMessageType.PARAMETER_STATUS -> onParameterStatus(body);
            case BackendMessageType.READY_FOR_QUERY -> onReadyForQuery(message, body);
            case BackendMessageType.ERROR_RESPONSE -> onError(body);
            case BackendMessageType.COMMAND_COMPLETE -> onCommandComplete(body);
            case BackendMessageType.PORTAL_SUSPENDED -> onPortalSuspended();
            case BackendMessageType.COPY_OUT_RESPONSE -> onCopyOutResponse(body);
            case BackendMessageType.COPY_DATA -> onShortCopyData(body);
            default -> null;
        };
    }

    /**
     * Authentication passes untouched, SCRAM channel binding included: each leg has its own TLS session, so
     * SCRAM-SHA-256-PLUS verifies end to end only when PgGuard presents the same certificate as the server
     * (tls-server-end-point binds the certificate); otherwise the server refuses the binding with a clear error.
     */
    private ByteBuf onAuthentication(ByteBuf body) {
        if (body.getInt(body.readerIndex()) == AUTH_OK) {
            session.context.events().authenticated(session);
        }
        return null;
    }

    private ByteBuf onBackendKeyData(ByteBuf body) {
        CancelKey key = session.replaceBackendKey(BackendKeyData.decodeBody(body.duplicate()));
        return BackendKeyData.encode(session.client.alloc(), key.processId(), key.secretKey());
    }

    private ByteBuf onParameterStatus(ByteBuf body) {
        ByteBuf in = body.duplicate();
        String name = PgWire.readCString(in);
        session.serverParameter(name, PgWire.readCString(in));
        return null;
    }

    private ByteBuf onReadyForQuery(ByteBuf message, ByteBuf body) {
        session.transactionStatus((char) body.getByte(body.readerIndex()));
        if (session.phase == ProxySession.Phase.AUTHENTICATING) {
            return loggedIn(message);
        }
        PendingResponse ended = session.tracker.onReadyForQuery();
        if (ended != null && ended.kind == PendingResponse.Kind.SYNC && ended.verdict != null) {
            if (!ended.failed) {
                session.applySessionEffects(ended.verdict); // a Query run statement by statement, all of it done
            } else {
                session.effectsOfAFailedString(ended.verdict);
            }
        }
        char status = (char) body.getByte(body.readerIndex());
        session.readyForQuery(status);
        session.relay.settled(ended);
        session.responsesSettled();
        return null;
    }

    /**
     * The server's first ReadyForQuery. Where the rules resolve names, the server is first asked for the session's
     * search_path, and the client hears the session is ready once that is answered.
     */
    private ByteBuf loggedIn(ByteBuf readyForQuery) {
        if (session.context.inspector().resolvesNames(session)) {
            SearchPathProbe probe = new SearchPathProbe(session, this);
            scanner.listener(probe);
            probe.ask();
            return session.client.alloc().buffer(0);
        }
        return ready(readyForQuery);
    }

    /** The answer to {@link SearchPathProbe}, ended by {@code readyForQuery}: the client's. */
    ByteBuf searchPathLearned(SearchPathProbe.Answer answer, ByteBuf readyForQuery, ByteBuf body) {
        scanner.listener(this);
        session.transactionStatus((char) body.getByte(body.readerIndex()));
        session.startsAs(answer.schemas(), answer.role(), answer.roleHasSchema());
        log.debug("connection {} ({}): {}", session.connectionId, session.user(), answer);
        return ready(readyForQuery);
    }

    private ByteBuf ready(ByteBuf readyForQuery) {
        session.phase = ProxySession.Phase.READY;
        session.loggedIn();
        session.cancelStartupTimeout();
        session.startTimeouts();
        String notice = session.upstream.connectNotice();
        if (notice != null && session.context.noticeWanted(session)) {
            CompositeByteBuf both = session.client.alloc().compositeBuffer(2);
            both.addComponent(true, PgError.notice(notice).encodeNotice(session.client.alloc(),
                    session.clientEncoding()));
            both.addComponent(true, readyForQuery.retainedSlice());
            return both;
        }
        return null;
    }

    private ByteBuf onError(ByteBuf body) {
        if (session.phase == ProxySession.Phase.AUTHENTICATING) {
            ErrorFields fields = ErrorFields.decode(body);
            session.context.events().authenticationFailed(session, fields.sqlState(), fields.message());
            return null;
        }
        session.statementFailedOnServer();
        PgError rejection = session.tracker.onError();
        session.relay.settleIfSkipped();
        return rejection == null ? null : rejection.encodeError(session.client.alloc(), session.clientEncoding());
    }

    /** The copy's overall format, 1 for binary, is the response's first byte. */
    private ByteBuf onCopyOutResponse(ByteBuf body) {
        session.tracker.onCopyOut(body.getByte(body.readerIndex()) == 1);
        return forwardedOrDropped(session.tracker.onMessage(BackendMessageType.COPY_OUT_RESPONSE));
    }

    /**
     * A two-byte CopyData of a binary COPY TO. The file header travels in front of the first row and each row in
     * a message of its own (starting with its field count, never negative), so field count -1 alone is the
     * trailer: it does not count against a read cap, and a copy of exactly the cap's rows passes.
     */
    private ByteBuf onShortCopyData(ByteBuf body) {
        if (body.getShort(body.readerIndex()) == -1) {
            return null;
        }
        return forwardedOrDropped(session.tracker.onMessage(BackendMessageType.COPY_DATA));
    }

    private ByteBuf forwardedOrDropped(boolean forward) {
        return forward ? null : session.client.alloc().buffer(0);
    }

    private ByteBuf onCommandComplete(ByteBuf body) {
        PendingResponse head = session.tracker.head();
        if (head != null && head.capExceeded) {
            return readCapExceeded(head);
        }
        long rows = rowCount(body);
        if (head != null && head.writeRowCap() >= 0 && rows > head.writeRowCap() && isWriteTag(body)) {
            log.info("connection {} ({}): {} changed {} rows, over the write cap of {}; rolling it back",
                    session.connectionId, session.user(), tagText(body), rows, head.writeRowCap());
            session.tracker.failExecute(head, rows);
            session.relay.failInPlaceOf(head, head.verdict.writeRowCapError());
            return session.client.alloc().buffer(0);
        }
        session.tracker.onCommandComplete(rows);
        String transactionTag = transactionTag(body);
        if (transactionTag != null) {
            session.commandTag(transactionTag);
        }
        session.relay.settled(head);
        return null;
    }

    /** The tags that begin or end a transaction block, matched in place (no String made for every statement). */
    static String transactionTag(ByteBuf tag) {
        int length = tag.readableBytes() - 1; // the tag's terminating NUL
        for (String t : TRANSACTION_TAGS) {
            if (t.length() == length && sameAscii(tag, t)) {
                return t;
            }
        }
        return null;
    }

    private static boolean sameAscii(ByteBuf bytes, String text) {
        int at = bytes.readerIndex();
        for (int i = 0; i < text.length(); i++) {
            if (bytes.getByte(at + i) != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The end of one part of a portal fetched in parts (an Execute with a row limit). */
    private ByteBuf onPortalSuspended() {
        PendingResponse head = session.tracker.head();
        if (head != null && head.writeRowCap() >= 0) {
            // A write with RETURNING fetched in parts: the server has made all its changes, but reports how many
            // only when the portal completes. Roll it back rather than let a Sync commit an unknown count.
            log.info("connection {} ({}): a write under the write cap of {} rows was executed in parts; rolling it"
                    + " back", session.connectionId, session.user(), head.writeRowCap());
            session.tracker.failExecute(head, -1);
            session.relay.failInPlaceOf(head, WRITE_IN_PARTS);
            return session.client.alloc().buffer(0);
        }
        if (head != null && head.capExceeded) { // this part passed the portal's read cap
            return readCapExceeded(head);
        }
        session.tracker.onMessage(BackendMessageType.PORTAL_SUSPENDED);
        session.relay.settled(head);
        return null;
    }

    /**
     * A result that passed its read cap ended without an error: the server finished the statement before
     * PgGuard's cancel landed, or a row limit stopped it. The client gets the cap's error, never a cut result.
     * An Execute is failed in place (see {@link FrontendRelay#failInPlaceOf}), so the server aborts its
     * transaction as PostgreSQL does after any error; a simple Query's statement just gets the error.
     */
    private ByteBuf readCapExceeded(PendingResponse head) {
        if (head.kind == PendingResponse.Kind.EXECUTE) {
            session.tracker.failExecute(head, -1);
            session.relay.failInPlaceOf(head, head.verdict.readRowCapError());
            return session.client.alloc().buffer(0);
        }
        return session.tracker.onCappedQueryResult().encodeError(session.client.alloc(), session.clientEncoding());
    }

    private static final PgError WRITE_IN_PARTS = new PgError("ERROR", SqlState.PROGRAM_LIMIT_EXCEEDED,
            "PgGuard: a write under a write row limit cannot be fetched in parts and was rolled back",
            "The server reports how many rows a write changed only when its portal completes; an Execute with a row "
                    + "limit suspended it first, so PgGuard rolled the write back with its transaction.",
            "Execute the write without a fetch size (row limit), or without RETURNING.");

    private static final byte[][] WRITE_TAGS = {"INSERT ".getBytes(StandardCharsets.US_ASCII),
        "UPDATE ".getBytes(StandardCharsets.US_ASCII), "DELETE ".getBytes(StandardCharsets.US_ASCII),
        "MERGE ".getBytes(StandardCharsets.US_ASCII), "COPY ".getBytes(StandardCharsets.US_ASCII)};

    /** Only tags of statements that change rows count against a write cap (never SELECT, FETCH, MOVE...). */
    static boolean isWriteTag(ByteBuf tag) {
        for (byte[] prefix : WRITE_TAGS) {
            if (tag.readableBytes() > prefix.length && ByteBufUtil.equals(tag, tag.readerIndex(),
                    Unpooled.wrappedBuffer(prefix), 0, prefix.length)) {
                return true;
            }
        }
        return false;
    }

    /** The row count is the last word of tags such as "SELECT 5", "UPDATE 3", "INSERT 0 7"; -1 when absent. */
    static long rowCount(ByteBuf tag) {
        int end = tag.writerIndex() - 1; // the terminating zero byte
        long value = 0;
        long scale = 1;
        int i = end - 1;
        for (; i >= tag.readerIndex(); i--) {
            byte b = tag.getByte(i);
            if (b < '0' || b > '9') {
                break;
            }
            value += (b - '0') * scale;
            scale *= 10;
        }
        boolean hasDigits = i < end - 1;
        boolean afterSpace = i >= tag.readerIndex() && tag.getByte(i) == ' ';
        return hasDigits && afterSpace ? value : -1;
    }

    static String tagText(ByteBuf tag) {
        return tag.toString(tag.readerIndex(), tag.readableBytes() - 1, StandardCharsets.UTF_8);
    }
}
