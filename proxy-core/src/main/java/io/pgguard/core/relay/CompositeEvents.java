package io.pgguard.core.relay;

import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.upstream.Upstream;
import java.util.List;

/** Sends each event to several sinks (metrics and audit), in order. */
public final class CompositeEvents implements ProxyEvents {
    private final ProxyEvents[] sinks;

    public CompositeEvents(List<ProxyEvents> sinks) {
        this.sinks = sinks.toArray(new ProxyEvents[0]);
    }

    @Override
    public void clientConnected(String clientAddress) {
        for (ProxyEvents s : sinks) {
            s.clientConnected(clientAddress);
        }
    }

    @Override
    public void clientRefused(String clientAddress, String reason) {
        for (ProxyEvents s : sinks) {
            s.clientRefused(clientAddress, reason);
        }
    }

    @Override
    public void clientTls(SessionView session) {
        for (ProxyEvents s : sinks) {
            s.clientTls(session);
        }
    }

    @Override
    public void upstreamConnected(Upstream upstream, long connectNanos) {
        for (ProxyEvents s : sinks) {
            s.upstreamConnected(upstream, connectNanos);
        }
    }

    @Override
    public void upstreamFailed(Upstream upstream, Throwable cause) {
        for (ProxyEvents s : sinks) {
            s.upstreamFailed(upstream, cause);
        }
    }

    @Override
    public void authenticated(SessionView session) {
        for (ProxyEvents s : sinks) {
            s.authenticated(session);
        }
    }

    @Override
    public void authenticationFailed(SessionView session, String sqlState, String message) {
        for (ProxyEvents s : sinks) {
            s.authenticationFailed(session, sqlState, message);
        }
    }

    @Override
    public void statementInspected(SessionView session, String sql, SqlOrigin origin, Verdict verdict,
            long decisionNanos) {
        for (ProxyEvents s : sinks) {
            s.statementInspected(session, sql, origin, verdict, decisionNanos);
        }
    }

    @Override
    public void statementCompleted(SessionView session, Verdict verdict, long roundTripNanos, long rows,
            boolean failed) {
        for (ProxyEvents s : sinks) {
            s.statementCompleted(session, verdict, roundTripNanos, rows, failed);
        }
    }

    @Override
    public void bytesFromClient(long bytes) {
        for (ProxyEvents s : sinks) {
            s.bytesFromClient(bytes);
        }
    }

    @Override
    public void bytesFromServer(int bytes) {
        for (ProxyEvents s : sinks) {
            s.bytesFromServer(bytes);
        }
    }

    @Override
    public void cancelForwarded(boolean matched) {
        for (ProxyEvents s : sinks) {
            s.cancelForwarded(matched);
        }
    }

    @Override
    public void protocolError(String kind, String clientAddress, String detail) {
        for (ProxyEvents s : sinks) {
            s.protocolError(kind, clientAddress, detail);
        }
    }

    @Override
    public void clientDisconnected(SessionView session, boolean loggedIn, long durationNanos, long statements) {
        for (ProxyEvents s : sinks) {
            s.clientDisconnected(session, loggedIn, durationNanos, statements);
        }
    }
}
