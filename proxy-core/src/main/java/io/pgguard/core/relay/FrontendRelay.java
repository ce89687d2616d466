package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.protocol.Bind;
import io.pgguard.core.protocol.CloseOrDescribe;
import io.pgguard.core.protocol.FrontendMessageType;
import io.pgguard.core.protocol.Parse;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.protocol.ProtocolViolationException;
import io.pgguard.core.protocol.Query;
import java.util.HashMap;
import java.util.Map;

/**
 * Frontend messages of a logged-in session. Query and Parse carry SQL and go through the inspector; the other
 * messages pass unchanged while the {@link ResponseTracker} learns what responses to expect. Every message is
 * released or forwarded exactly once, here.
 */
final class FrontendRelay {
    private final ProxySession session;
    /** The verdict each prepared statement was parsed under ("" is the unnamed statement). */
    private final Map<String, Verdict> statements = new HashMap<>();
    /** The verdict of the statement behind each open portal. */
    private final Map<String, Verdict> portals = new HashMap<>();

    FrontendRelay(ProxySession session) {
        this.session = session;
    }

    void onMessage(ByteBuf message) {
        byte type = message.getByte(message.readerIndex());
        switch (type) {
            case FrontendMessageType.QUERY -> onQuery(message);
            case FrontendMessageType.PARSE -> onParse(message);
            case FrontendMessageType.BIND -> onBind(message);
            case FrontendMessageType.EXECUTE -> onExecute(message);
            case FrontendMessageType.DESCRIBE -> onDescribe(message);
            case FrontendMessageType.CLOSE -> onClose(message);
            case FrontendMessageType.SYNC -> forward(message, PendingResponse.SYNC);
            case FrontendMessageType.FUNCTION_CALL -> onFunctionCall(message);
            case FrontendMessageType.FLUSH, FrontendMessageType.COPY_DATA, FrontendMessageType.COPY_DONE,
                    FrontendMessageType.COPY_FAIL -> session.writeToServer(message);
            case FrontendMessageType.TERMINATE -> onTerminate(message);
            default -> {
                message.release();
                throw new ProtocolViolationException("unexpected message type " + (char) type + " after startup");
            }
        }
    }

    private void onQuery(ByteBuf message) {
        long start = System.nanoTime();
        String sql = decode(message, Query::decode).sql();
        Verdict verdict = inspect(sql, SqlOrigin.SIMPLE_QUERY, start);
        session.statements++;
        PendingResponse pending = PendingResponse.of(PendingResponse.Kind.SIMPLE_QUERY, verdict, start);
        switch (verdict.action()) {
            case FORWARD -> forward(message, pending);
            case REWRITE -> replace(message, new Query(verdict.rewrittenSql()).encode(session.client.alloc()), pending);
            case REJECT -> replace(message,
                    new Query(RejectionText.forRule(verdict.ruleId())).encode(session.client.alloc()), pending);
        }
    }

    private void onParse(ByteBuf message) {
        long start = System.nanoTime();
        Parse parse = decode(message, Parse::decode);
        Verdict verdict = inspect(parse.sql(), SqlOrigin.PARSE, start);
        statements.put(parse.statementName(), verdict);
        switch (verdict.action()) {
            case FORWARD -> forward(message, PendingResponse.PARSE);
            case REWRITE -> replace(message, parse.encodeWithText(session.client.alloc(), verdict.rewrittenSql()),
                    PendingResponse.PARSE);
            case REJECT -> replace(message,
                    parse.encodeWithText(session.client.alloc(), RejectionText.forRule(verdict.ruleId())),
                    PendingResponse.rejected(PendingResponse.Kind.PARSE, verdict.rejection()));
        }
    }

    /** A Bind of a refused statement fails on the server ("does not exist"); the client sees the refusal instead. */
    private void onBind(ByteBuf message) {
        Bind bind = decode(message, Bind::decode);
        Verdict verdict = statements.get(bind.statementName());
        portals.put(bind.portalName(), verdict);
        forward(message, verdict != null && verdict.isReject()
                ? PendingResponse.rejected(PendingResponse.Kind.BIND, verdict.rejection())
                : PendingResponse.BIND);
    }

    private void onExecute(ByteBuf message) {
        long start = System.nanoTime();
        String portal = decode(message, m -> {
            ByteBuf body = m.slice(m.readerIndex() + PgWire.HEADER_LENGTH, m.readableBytes() - PgWire.HEADER_LENGTH);
            return PgWire.readCString(body);
        });
        session.statements++;
        forward(message, PendingResponse.of(PendingResponse.Kind.EXECUTE, portals.get(portal), start));
    }

    private void onDescribe(ByteBuf message) {
        CloseOrDescribe describe = decode(message, CloseOrDescribe::decode);
        forward(message, describe.isStatement() ? PendingResponse.DESCRIBE_STATEMENT : PendingResponse.DESCRIBE_PORTAL);
    }

    private void onClose(ByteBuf message) {
        CloseOrDescribe close = decode(message, CloseOrDescribe::decode);
        if (close.isStatement()) {
            statements.remove(close.name());
        } else {
            portals.remove(close.name());
        }
        forward(message, PendingResponse.CLOSE);
    }

    /**
     * A FunctionCall names its function by OID alone. When the inspector refuses it, a refused simple Query takes
     * its place: both are answered by an error and ReadyForQuery, so the response order is kept.
     */
    private void onFunctionCall(ByteBuf message) {
        long start = System.nanoTime();
        int oid = message.getInt(message.readerIndex() + PgWire.HEADER_LENGTH);
        Verdict verdict = session.context.inspector().inspectFunctionCall(session, oid);
        PendingResponse pending = PendingResponse.of(PendingResponse.Kind.FUNCTION_CALL, verdict, start);
        if (verdict.isReject()) {
            replace(message, new Query(RejectionText.forRule(verdict.ruleId())).encode(session.client.alloc()),
                    pending);
        } else {
            forward(message, pending);
        }
    }

    private void onTerminate(ByteBuf message) {
        session.writeToServer(message);
        if (session.server != null) {
            session.server.flush();
        }
        session.client.close();
    }

    private Verdict inspect(String sql, SqlOrigin origin, long start) {
        Verdict verdict = session.context.inspector().inspect(session, sql, origin);
        session.context.events().statementInspected(session, sql, origin, verdict, System.nanoTime() - start);
        return verdict;
    }

    private void forward(ByteBuf message, PendingResponse pending) {
        if (session.tracker.isIdle()) {
            session.busySince = System.nanoTime();
        }
        session.tracker.expect(pending);
        session.writeToServer(message);
    }

    private void replace(ByteBuf original, ByteBuf replacement, PendingResponse pending) {
        original.release();
        forward(replacement, pending);
    }

    private static <T> T decode(ByteBuf message, java.util.function.Function<ByteBuf, T> decoder) {
        byte type = message.getByte(message.readerIndex());
        try {
            return decoder.apply(message);
        } catch (RuntimeException e) {
            message.release();
            throw e instanceof ProtocolViolationException ? e : new ProtocolViolationException(
                    "malformed message of type " + (char) type + ": " + e.getMessage());
        }
    }

    void release() {
        statements.clear();
        portals.clear();
    }
}
