package io.pgguard.core.relay;

import io.pgguard.core.inspect.SessionView;
import java.util.List;

/**
 * The session as a Bind of one of its prepared statements finds it, for judging that statement again: its
 * settings now (PostgreSQL analyses a prepared statement again, with the search_path in force, when the path has
 * changed since its last use, and checks privileges as the role of now), but its text lexed as when it was
 * prepared, with the standard_conforming_strings of then: the server keeps the parse of that time.
 */
final class SessionAtBind implements SessionView {
    private final SessionView session;
    private final boolean standardConformingStringsWhenPrepared;

    SessionAtBind(SessionView session, boolean standardConformingStringsWhenPrepared) {
        this.session = session;
        this.standardConformingStringsWhenPrepared = standardConformingStringsWhenPrepared;
    }

    @Override
    public List<String> searchPath() {
        return session.searchPath();
    }

    @Override
    public boolean standardConformingStrings() {
        return standardConformingStringsWhenPrepared;
    }

    @Override
    public long connectionId() {
        return session.connectionId();
    }

    @Override
    public String clientAddress() {
        return session.clientAddress();
    }

    @Override
    public String user() {
        return session.user();
    }

    @Override
    public String database() {
        return session.database();
    }

    @Override
    public String applicationName() {
        return session.applicationName();
    }

    @Override
    public String upstreamName() {
        return session.upstreamName();
    }

    @Override
    public String environment() {
        return session.environment();
    }

    @Override
    public String effectiveRole() {
        return session.effectiveRole();
    }

    @Override
    public char transactionStatus() {
        return session.transactionStatus();
    }

    @Override
    public Object metricsState() {
        return session.metricsState();
    }

    @Override
    public void metricsState(Object state) {
        session.metricsState(state);
    }
}
