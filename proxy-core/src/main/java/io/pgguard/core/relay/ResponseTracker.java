package io.pgguard.core.relay;

import io.pgguard.core.protocol.BackendMessageType;
import io.pgguard.core.protocol.PgError;
import java.util.ArrayDeque;

/**
 * Pairs the server's responses with the frontend messages that caused them, in order. This is what lets the
 * proxy put its own error exactly where the server answered a refused statement (see {@link RejectionText}), and
 * time each statement's round trip, without ever buffering a response.
 */
final class ResponseTracker {
    /** Told when the response to a statement ends, and when a statement's result passes its row cap. */
    interface Completion {
        void completed(PendingResponse statement, long endNanos);

        /**
         * {@code worthCancelling}: the statement would not stop by itself soon (no Execute row limit) and no later
         * statement is queued behind it, so a cancel cannot hit another one.
         */
        void rowCapExceeded(PendingResponse statement, boolean worthCancelling);
    }

    private final ArrayDeque<PendingResponse> pending = new ArrayDeque<>();
    private final Completion completion;
    /** The server is in copy-in mode, where it ignores Sync (and Flush) until CopyDone or CopyFail. */
    private boolean copyIn;
    /** The server is sending a binary COPY TO, whose last CopyData is a trailer rather than a row. */
    private boolean binaryCopyOut;
    private boolean skippingToSync;

    ResponseTracker(Completion completion) {
        this.completion = completion;
    }

    /** The error the client gets in place of the next error the server sends (a cancel PgGuard caused). */
    void overrideNextError(PgError error) {
        for (PendingResponse p : pending) {
            if (p.kind == PendingResponse.Kind.EXECUTE || p.kind == PendingResponse.Kind.SIMPLE_QUERY
                    || p.kind == PendingResponse.Kind.FUNCTION_CALL) { // statements, never a shared constant
                p.overrideError = error;
                return;
            }
        }
    }

    /**
     * CopyInResponse: the server ignores Sync until the copy ends, so the Syncs sent right behind the COPY (libpq
     * sends one after the Execute) will get no answer. Syncs sent during the copy are not expected either.
     */
    void onCopyIn() {
        copyIn = true;
        PendingResponse head = pending.pollFirst();
        while (!pending.isEmpty() && pending.peekFirst().kind == PendingResponse.Kind.SYNC) {
            pending.pollFirst();
        }
        if (head != null) {
            pending.addFirst(head);
        }
    }

    boolean inCopyIn() {
        return copyIn;
    }

    /** CopyOutResponse: the server now sends the copy's rows, in binary format or as text. */
    void onCopyOut(boolean binary) {
        binaryCopyOut = binary;
    }

    boolean inBinaryCopyOut() {
        return binaryCopyOut;
    }

    /** The client ended the copy (CopyDone or CopyFail): Syncs count again. */
    void copyEnded() {
        copyIn = false;
    }

    void expect(PendingResponse response) {
        pending.addLast(response);
        if (response.kind == PendingResponse.Kind.SYNC) {
            if (skippingToSync && response.verdict != null) {
                response.failed = true; // the Sync ending a Query run statement by statement, after an error in it
            }
            skippingToSync = false;
        }
    }

    /**
     * After an error in the extended protocol the server discards every message up to the next Sync, answering
     * none: true while that Sync has not been sent yet, so what is sent meanwhile is not waited for.
     */
    boolean skippingToSync() {
        return skippingToSync;
    }

    int size() {
        return pending.size();
    }

    boolean isIdle() {
        return pending.isEmpty();
    }

    /** A response message that the proxy only counts by its type; false when it must not reach the client. */
    boolean onMessage(byte type) {
        PendingResponse head = pending.peekFirst();
        if (head == null) {
            return true;
        }
        if (type == BackendMessageType.DATA_ROW || type == BackendMessageType.COPY_DATA) { // COPY TO: a row each
            return head.readRowCap() < 0 || countRow(head);
        }
        if ((type == BackendMessageType.ROW_DESCRIPTION || type == BackendMessageType.COPY_OUT_RESPONSE)
                && head.kind == PendingResponse.Kind.SIMPLE_QUERY) {
            head.rowsSeen = 0; // each statement's result counts on its own
        }
        if (type == BackendMessageType.COPY_OUT_RESPONSE && !binaryCopyOut && head.verdict != null
                && head.verdict.copyHeaderLines()) {
            uncountHeaderLine(head);
        }
        return switch (type) {
            case BackendMessageType.PARSE_COMPLETE -> popIf(PendingResponse.Kind.PARSE);
            case BackendMessageType.BIND_COMPLETE -> popIf(PendingResponse.Kind.BIND);
            case BackendMessageType.CLOSE_COMPLETE -> popIf(PendingResponse.Kind.CLOSE);
            case BackendMessageType.ROW_DESCRIPTION, BackendMessageType.NO_DATA -> {
                if (head.kind == PendingResponse.Kind.DESCRIBE_STATEMENT || head.kind == PendingResponse.Kind.DESCRIBE_PORTAL) {
                    pending.pollFirst();
                    yield type == BackendMessageType.ROW_DESCRIPTION || !head.swallow;
                }
                yield true;
            }
            case BackendMessageType.EMPTY_QUERY_RESPONSE, BackendMessageType.PORTAL_SUSPENDED -> {
                completeExecute(head, -1);
                yield true;
            }
            default -> true;
        };
    }

    /** A text COPY TO's header line comes first, in a CopyData of its own: the count starts one below zero. */
    private static void uncountHeaderLine(PendingResponse head) {
        if (head.portalRows != null) {
            head.portalRows[0]--;
        } else {
            head.rowsSeen--;
        }
    }

    private boolean countRow(PendingResponse head) {
        if (head.capExceeded) {
            return false;
        }
        long seen = head.portalRows != null ? ++head.portalRows[0] : ++head.rowsSeen;
        if (seen <= head.readRowCap()) {
            return true;
        }
        head.capExceeded = true;
        completion.rowCapExceeded(head, !head.rowLimited && !hasStatementBehind(head));
        return false;
    }

    /** Whether the server already has more than a Sync behind the head: a late cancel could fail that instead. */
    private boolean hasStatementBehind(PendingResponse head) {
        for (PendingResponse p : pending) {
            if (p != head && p.kind != PendingResponse.Kind.SYNC) {
                return true;
            }
        }
        return false;
    }

    /**
     * The end (CommandComplete or PortalSuspended) of a simple Query's result that passed its row cap: the
     * statement counts as failed for the client, who gets the returned error in its place. Returns null when the
     * head is not such a result. (An Execute's goes through {@link #failExecute} instead.)
     */
    PgError onCappedQueryResult() {
        PendingResponse head = pending.peekFirst();
        if (head == null || !head.capExceeded || head.kind == PendingResponse.Kind.EXECUTE) {
            return null;
        }
        head.failed = true;
        return head.verdict.readRowCapError();
    }

    /** CommandComplete, with the row count of its tag (-1 when the tag has none). */
    void onCommandComplete(long rows) {
        copyIn = false;
        binaryCopyOut = false;
        PendingResponse head = pending.peekFirst();
        if (head == null) {
            return;
        }
        if (head.kind == PendingResponse.Kind.SIMPLE_QUERY) {
            head.rows = rows;
        } else {
            completeExecute(head, rows);
        }
    }

    /**
     * An ErrorResponse. Returns the proxy's own error when the failing message is one PgGuard substituted for a
     * refused statement, else null (the server's error passes unchanged). In the extended protocol the server
     * now skips everything up to the next Sync, so those messages will get no response.
     */
    PgError onError() {
        copyIn = false; // an error ends a copy-in on the server's side
        binaryCopyOut = false;
        PendingResponse head = pending.peekFirst();
        if (head != null && head.kind == PendingResponse.Kind.SYNC && head.verdict != null) {
            head.failed = true; // the commit at the Sync of a Query run statement by statement failed
        }
        if (head == null || head.kind == PendingResponse.Kind.SYNC) {
            return null;
        }
        if (head.startNanos != 0) { // a statement; never one of the constants shared by all sessions
            head.failed = true;
        }
        PgError replacement = head.capExceeded ? head.verdict.readRowCapError()
                : head.overrideError != null ? head.overrideError : head.rejection;
        if (head.kind.endsAtReadyForQuery()) {
            return replacement;
        }
        pending.pollFirst();
        complete(head);
        ServerNames changed = head.change == null ? null : head.change.names();
        while (!pending.isEmpty() && pending.peekFirst().kind != PendingResponse.Kind.SYNC) {
            PendingResponse skipped = pending.pollFirst();
            if (skipped.change != null) {
                changed = skipped.change.names();
            }
        }
        if (changed != null) { // the server took on none of what the failed and skipped messages changed
            changed.rebuild(pending);
        }
        skippingToSync = pending.isEmpty();
        if (!skippingToSync && pending.peekFirst().verdict != null) {
            pending.peekFirst().failed = true; // the Sync ending a Query run statement by statement
        }
        return replacement;
    }

    /** ReadyForQuery ends the response to one Query, FunctionCall or Sync, and everything before it. */
    PendingResponse onReadyForQuery() {
        skippingToSync = false;
        copyIn = false;
        binaryCopyOut = false;
        PendingResponse head;
        while ((head = pending.pollFirst()) != null) {
            if (head.kind.endsAtReadyForQuery()) {
                if (head.change != null) {
                    head.change.confirm();
                }
                complete(head);
                return head;
            }
        }
        return null;
    }

    /** Pops the head if it is of {@code kind}; returns whether its answer reaches the client. */
    private boolean popIf(PendingResponse.Kind kind) {
        PendingResponse head = pending.peekFirst();
        if (head.kind == kind) {
            pending.pollFirst();
            if (head.change != null) {
                head.change.confirm();
            }
            return !head.swallow;
        }
        return true;
    }

    boolean isPending(PendingResponse response) {
        for (PendingResponse p : pending) {
            if (p == response) {
                return true;
            }
        }
        return false;
    }

    PendingResponse head() {
        return pending.peekFirst();
    }

    /** The last message forwarded whose answer has not fully come back; null when idle. */
    PendingResponse last() {
        return pending.peekLast();
    }

    /**
     * A write that reported more rows than its cap: it ends, failed, here; the client gets the error of the
     * message PgGuard sends next in its place (see {@link FrontendRelay#failInPlaceOf}).
     */
    void failExecute(PendingResponse head, long rows) {
        pending.pollFirst();
        head.failed = true;
        head.rows = rows;
        complete(head);
    }

    private void completeExecute(PendingResponse head, long rows) {
        if (head.kind == PendingResponse.Kind.EXECUTE) {
            pending.pollFirst();
            head.rows = rows;
            complete(head);
        }
    }

    private void complete(PendingResponse response) {
        if (response.startNanos != 0) {
            completion.completed(response, System.nanoTime());
        }
    }

    void clear() {
        pending.clear();
        copyIn = false;
        binaryCopyOut = false;
        skippingToSync = false;
    }
}
