package io.pgguard.core.relay;

import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.upstream.Upstream;

/**
 * What the relay tells the outside world (metrics, audit) as it works. Every method is called on an event loop
 * and must return quickly; the defaults ignore everything.
 */
public interface ProxyEvents {
    ProxyEvents NONE = new ProxyEvents() {};

    default void clientConnected(String clientAddress) {}

    /** A connection refused before it reached a server: reason is a short stable word for a metric label. */
    default void clientRefused(String clientAddress, String reason) {}

    default void clientTls(SessionView session) {}

    default void upstreamConnected(Upstream upstream, long connectNanos) {}

    default void upstreamFailed(Upstream upstream, Throwable cause) {}

    /** The server accepted the login (AuthenticationOk) or refused it (an ErrorResponse during startup). */
    default void authenticated(SessionView session) {}

    default void authenticationFailed(SessionView session, String sqlState, String message) {}

    /** One SQL text was inspected; decisionNanos is the inspector's own time. */
    default void statementInspected(SessionView session, String sql, SqlOrigin origin, Verdict verdict,
            long decisionNanos) {}

    /** The response to a Query, or to an Execute, ended; rows is the command tag's count, -1 when none. */
    default void statementCompleted(SessionView session, Verdict verdict, long roundTripNanos, long rows,
            boolean failed) {}

    default void bytesFromClient(long bytes) {}

    default void bytesFromServer(int bytes) {}

    default void cancelForwarded(boolean matched) {}

    default void protocolError(String kind, String clientAddress, String detail) {}

    /** Every client connection ends here once, whether it ever logged in or not. */
    default void clientDisconnected(SessionView session, boolean loggedIn, long durationNanos, long statements) {}
}
