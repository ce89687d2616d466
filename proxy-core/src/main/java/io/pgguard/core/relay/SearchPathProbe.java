package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.pgguard.core.protocol.BackendMessageType;
import io.pgguard.core.protocol.ErrorFields;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.protocol.Query;
import io.pgguard.core.protocol.SqlState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the server, once the session has logged in and before the client hears it is ready, which schemas the
 * session's search_path resolves names in. The path need not come from the client: ALTER ROLE ... SET, ALTER
 * DATABASE ... SET and postgresql.conf set it on the server, and "$user" on it names the role's own schema when
 * one exists. The rules must resolve an unqualified name where the server will, and RESET returns to this path.
 *
 * <p>The answer reads the stream in place of {@link ServerSideHandler} for one round trip; none of it reaches the
 * client but ParameterStatus, which the server may send at any time. The schemas come hex-encoded UTF-8, so the
 * client's encoding and bytea_output cannot change how they read.
 */
final class SearchPathProbe implements BackendStreamScanner.Listener {
    private static final Logger log = LoggerFactory.getLogger(SearchPathProbe.class);
    static final String SQL = "SELECT pg_catalog.encode(pg_catalog.convert_to(pg_catalog.array_to_string(ARRAY("
            + "SELECT pg_catalog.quote_ident(s) FROM pg_catalog.unnest(pg_catalog.current_schemas(false))"
            + " WITH ORDINALITY AS p(s, i) ORDER BY i), ','), 'UTF8'), 'hex')";

    private final ProxySession session;
    /** Where the stream goes back once the answer is in. */
    private final ServerSideHandler handler;
    private List<String> schemas;
    private String failure;

    SearchPathProbe(ProxySession session, ServerSideHandler handler) {
        this.session = session;
        this.handler = handler;
    }

    /** Sends the question; the client's reads wait until the session is ready, as a client waits for it too. */
    void ask() {
        session.client.config().setAutoRead(false);
        session.server.writeAndFlush(new Query(SQL).encode(session.server.alloc()));
    }

    @Override
    public boolean wantsBody(byte type, int length) {
        return type == BackendMessageType.DATA_ROW || type == BackendMessageType.ERROR_RESPONSE
                || type == BackendMessageType.PARAMETER_STATUS || type == BackendMessageType.READY_FOR_QUERY;
    }

    @Override
    public boolean onPassThrough(byte type) {
        return false; // RowDescription, CommandComplete, a notice: answers to PgGuard's question
    }

    @Override
    public ByteBuf onMessage(byte type, ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        switch (type) {
            case BackendMessageType.DATA_ROW -> schemas = schemasOf(body);
            case BackendMessageType.ERROR_RESPONSE -> failure = ErrorFields.decode(body).message();
            case BackendMessageType.PARAMETER_STATUS -> {
                return handler.onMessage(type, message); // the server reports at any time, and the client sees it
            }
            case BackendMessageType.READY_FOR_QUERY -> {
                return finished(message, body);
            }
            default -> { }
        }
        return session.client.alloc().buffer(0);
    }

    private ByteBuf finished(ByteBuf readyForQuery, ByteBuf body) {
        if (failure != null || schemas == null) {
            String why = failure != null ? failure : "no answer";
            log.warn("connection {} ({}): upstream \"{}\" did not say which schemas the session's search_path holds:"
                    + " {}; closing the session", session.connectionId, session.user(), session.upstream.name(), why);
            session.failAndClose(PgError.fatal(SqlState.SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION,
                    "PgGuard could not learn the session's search_path from upstream \"" + session.upstream.name()
                            + "\" (" + why + "); the rules need it to resolve names"));
            return session.client.alloc().buffer(0);
        }
        session.client.config().setAutoRead(true);
        return handler.searchPathLearned(schemas, readyForQuery, body);
    }

    /** One text column of hex digits: the quoted schema names, joined by commas, in UTF-8. */
    private static List<String> schemasOf(ByteBuf row) {
        int length = row.getInt(row.readerIndex() + 2);
        if (length < 0) {
            return List.of();
        }
        byte[] utf8 = new byte[length / 2];
        int at = row.readerIndex() + 6;
        for (int i = 0; i < utf8.length; i++) {
            utf8[i] = (byte) (Character.digit(row.getByte(at + 2 * i), 16) << 4 | Character.digit(row.getByte(at + 2 * i + 1), 16));
        }
        return SearchPathText.parse(new String(utf8, StandardCharsets.UTF_8));
    }
}
