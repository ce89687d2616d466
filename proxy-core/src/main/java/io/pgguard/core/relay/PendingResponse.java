package io.pgguard.core.relay;

import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.protocol.PgError;

/**
 * A frontend message forwarded to the server whose response has not fully come back. Messages with nothing to
 * remember share one constant per kind, so tracking a pipeline allocates only for statements.
 */
final class PendingResponse {
    enum Kind {
        SIMPLE_QUERY, FUNCTION_CALL, PARSE, BIND, DESCRIBE_STATEMENT, DESCRIBE_PORTAL, EXECUTE, CLOSE, SYNC;

        /** Kinds whose response ends with ReadyForQuery rather than with a message of their own. */
        boolean endsAtReadyForQuery() {
            return this == SIMPLE_QUERY || this == FUNCTION_CALL || this == SYNC;
        }
    }

    static final PendingResponse PARSE = new PendingResponse(Kind.PARSE, null, null, 0);
    static final PendingResponse BIND = new PendingResponse(Kind.BIND, null, null, 0);
    static final PendingResponse DESCRIBE_STATEMENT = new PendingResponse(Kind.DESCRIBE_STATEMENT, null, null, 0);
    static final PendingResponse DESCRIBE_PORTAL = new PendingResponse(Kind.DESCRIBE_PORTAL, null, null, 0);
    static final PendingResponse CLOSE = new PendingResponse(Kind.CLOSE, null, null, 0);
    static final PendingResponse SYNC = new PendingResponse(Kind.SYNC, null, null, 0);
    /** Steps of a simple Query that PgGuard runs as extended messages: the client never asked for their answers. */
    static final PendingResponse SWALLOWED_PARSE = swallowed(Kind.PARSE);
    static final PendingResponse SWALLOWED_BIND = swallowed(Kind.BIND);
    static final PendingResponse SWALLOWED_DESCRIBE_PORTAL = swallowed(Kind.DESCRIBE_PORTAL);

    final Kind kind;
    /** The error the client gets in place of the server's answer to this message, when PgGuard refused it. */
    final PgError rejection;
    final Verdict verdict;
    final long startNanos;
    /** ParseComplete, BindComplete and NoData answering this message are not forwarded. */
    boolean swallow;
    boolean failed;
    long rows = -1;
    /** Rows of the current result set, counted only when the statement has a read row cap. */
    long rowsSeen;
    /**
     * For an Execute of a portal under a read row cap: the rows the portal has returned so far, shared by all its
     * Executes, so that a portal fetched in parts is capped as the one result it is. Null otherwise.
     */
    long[] portalRows;
    boolean capExceeded;
    /**
     * An Execute of a simple Query PgGuard runs statement by statement: the Query's session effects (role,
     * search_path) are applied once, at its Sync, and only when no part of it failed.
     */
    boolean partOfQuery;
    /** An Execute with a row limit within the cap: the server stops soon by itself, no cancel needed. */
    boolean rowLimited;
    /** What this Parse, Bind or Close changes in PgGuard's picture of the server's statements and portals. */
    ServerNames.Change change;
    /** Set when PgGuard cancels this statement itself (statement timeout), to name why in the client's error. */
    PgError overrideError;

    long readRowCap() {
        return verdict == null ? -1 : verdict.readRowCap();
    }

    long writeRowCap() {
        return verdict == null || kind != Kind.EXECUTE ? -1 : verdict.writeRowCap();
    }

    private static PendingResponse swallowed(Kind kind) {
        PendingResponse p = new PendingResponse(kind, null, null, 0);
        p.swallow = true;
        return p;
    }

    PendingResponse(Kind kind, PgError rejection, Verdict verdict, long startNanos) {
        this.kind = kind;
        this.rejection = rejection;
        this.verdict = verdict;
        this.startNanos = startNanos;
    }

    static PendingResponse of(Kind kind, Verdict verdict, long startNanos) {
        PgError rejection = verdict != null && verdict.isReject() ? verdict.rejection() : null;
        return new PendingResponse(kind, rejection, verdict, startNanos);
    }

    static PendingResponse rejected(Kind kind, PgError rejection) {
        return new PendingResponse(kind, rejection, null, 0);
    }

    /** {@code shared} (a constant, or a rejection) carrying {@code change}; the constant itself when there is none. */
    static PendingResponse changing(PendingResponse shared, ServerNames.Change change) {
        if (change == null) {
            return shared;
        }
        PendingResponse p = new PendingResponse(shared.kind, shared.rejection, shared.verdict, shared.startNanos);
        p.swallow = shared.swallow;
        p.change = change;
        return p;
    }
}
