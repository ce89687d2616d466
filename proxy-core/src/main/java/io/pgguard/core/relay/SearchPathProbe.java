package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.pgguard.core.protocol.BackendMessageType;
import io.pgguard.core.protocol.ErrorFields;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.protocol.Query;
import io.pgguard.core.protocol.SqlState;
import java.util.ArrayList;
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
 * client but ParameterStatus, which the server may send at any time. The names are decoded in the session's
 * client encoding, in which the server answers and PgGuard decodes SQL text, so that they compare with the names
 * in statements.
 */
final class SearchPathProbe implements BackendStreamScanner.Listener {
    private static final Logger log = LoggerFactory.getLogger(SearchPathProbe.class);
    /**
     * The schemas names resolve in ("$user" expanded, absent or unusable ones left out, implicit ones too), whether
     * the acting role has a schema of its own name it may use (for a "$user" the client puts on the path later;
     * PostgreSQL leaves "$user" out where the role has no USAGE on it), and the acting role, which ALTER ROLE ...
     * SET role can make another than the login user.
     */
    static final String SQL = "SELECT pg_catalog.current_schemas(false), pg_catalog.has_schema_privilege("
            + "pg_catalog.to_regnamespace(pg_catalog.quote_ident(current_user))::pg_catalog.oid, 'USAGE'), current_user";

    /** What the server answered. */
    record Answer(List<String> schemas, boolean roleHasSchema, String role) {}

    private final ProxySession session;
    /** Where the stream goes back once the answer is in. */
    private final ServerSideHandler handler;
    private Answer answer;
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
            case BackendMessageType.DATA_ROW -> onRow(body);
            case BackendMessageType.ERROR_RESPONSE -> {
                ErrorFields error = ErrorFields.decode(body);
                failure = error.message();
                if ("FATAL".equals(error.severity()) || "PANIC".equals(error.severity())) {
                    refuse(); // the server closes the connection: no ReadyForQuery will come
                }
            }
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
        if (failure != null || answer == null) {
            refuse();
            return session.client.alloc().buffer(0);
        }
        session.client.config().setAutoRead(true);
        return handler.searchPathLearned(answer, readyForQuery, body);
    }

    private void refuse() {
        String why = failure != null ? failure : "no answer";
        log.warn("connection {} ({}): upstream \"{}\" did not say which schemas the session's search_path holds: {};"
                + " closing the session", session.connectionId, session.user(), session.upstream.name(), why);
        session.failAndClose(PgError.fatal(SqlState.SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION,
                "PgGuard could not learn the session's search_path from upstream \"" + session.upstream.name()
                        + "\" (" + why + "); the rules need it to resolve names"));
    }

    /** Three text columns: a name[] ({public} or {"my schema",public}), a boolean (t or f) and a name. */
    private void onRow(ByteBuf row) {
        if (row.getShort(row.readerIndex()) != 3) {
            failure = "an answer of " + row.getShort(row.readerIndex()) + " columns, not 3";
            return;
        }
        int at = row.readerIndex() + 2;
        String literal = column(row, at);
        if (literal == null || !literal.startsWith("{")) {
            failure = "an answer that is no array: " + literal;
            return;
        }
        at += 4 + row.getInt(at);
        boolean roleHasSchema = "t".equals(column(row, at));
        at += 4 + Math.max(row.getInt(at), 0);
        String role = column(row, at);
        if (role == null) {
            failure = "no current_user";
            return;
        }
        answer = new Answer(arrayElements(literal), roleHasSchema, role);
    }

    /** A column's text at {@code at} (its length field), or null for NULL. */
    private String column(ByteBuf row, int at) {
        int length = row.getInt(at);
        return length < 0 ? null : session.clientEncoding().decode(row, at + 4, length);
    }

    /**
     * The elements of a one-dimensional array literal as PostgreSQL writes it: an element is double-quoted when it
     * is empty or holds a comma, brace, quote, backslash or space, and inside quotes a backslash escapes the next
     * character. Names are never NULL.
     */
    static List<String> arrayElements(String literal) {
        List<String> elements = new ArrayList<>();
        int i = 1; // past the opening brace
        StringBuilder element = new StringBuilder();
        while (i < literal.length() && literal.charAt(i) != '}') {
            element.setLength(0);
            if (literal.charAt(i) == '"') {
                for (i++; i < literal.length() && literal.charAt(i) != '"'; i++) {
                    if (literal.charAt(i) == '\\') {
                        i++;
                    }
                    if (i < literal.length()) {
                        element.append(literal.charAt(i));
                    }
                }
                i++;
            } else {
                for (; i < literal.length() && literal.charAt(i) != ',' && literal.charAt(i) != '}'; i++) {
                    element.append(literal.charAt(i));
                }
            }
            elements.add(element.toString());
            if (i < literal.length() && literal.charAt(i) == ',') {
                i++;
            }
        }
        return elements;
    }
}
