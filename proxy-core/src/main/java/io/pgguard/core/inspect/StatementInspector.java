package io.pgguard.core.inspect;

/**
 * The one seam between the protocol and the rules: PgGuard asks it about every SQL text a client sends,
 * where the text enters (a simple Query or a Parse), and applies the verdict. Called on the event loop, so an
 * implementation must answer quickly (cache) and must never throw: a failure should be a rejecting verdict.
 */
public interface StatementInspector {

    StatementInspector ALLOW_ALL = (session, sql, origin) -> Verdict.FORWARD;

    Verdict inspect(SessionView session, String sql, SqlOrigin origin);

    /**
     * A FunctionCall message names a function by OID, out of sight of any SQL text. The default lets it pass,
     * as the allow-all foundation does; a rules-aware inspector decides for itself.
     */
    default Verdict inspectFunctionCall(SessionView session, int functionOid) {
        return Verdict.FORWARD;
    }

    /**
     * Whether verdicts depend on where the session resolves unqualified names. If so, PgGuard asks the server for
     * the session's search_path when the session starts (one round trip), as the server may set it for the role
     * or database; otherwise the search_path is what the startup packet and the session's statements set. Only
     * where it does does PgGuard refuse what it cannot read as the server will (a non-ASCII text in an encoding
     * it cannot decode, a non-ASCII statement name outside UTF8, a text sent in a transaction block that changed
     * client_encoding before the server has answered the statement before it): an inspector that judges nothing
     * reads nothing.
     */
    default boolean resolvesNames(SessionView session) {
        return false;
    }

    /**
     * Startup parameters can set any setting before the first statement (role, session_authorization,
     * search_path, or the same through "options"). Returns the error that refuses the connection, or null.
     */
    default io.pgguard.core.protocol.PgError inspectStartup(SessionView session, java.util.Map<String, String> parameters) {
        return null;
    }
}
