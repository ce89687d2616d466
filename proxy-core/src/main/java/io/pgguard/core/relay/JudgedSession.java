package io.pgguard.core.relay;

import io.pgguard.core.inspect.SessionView;
import java.util.List;

/**
 * A session as a statement must be judged when that is not simply as the session is now: under one of several
 * roles and search_paths it may have (see {@link RoleAndSearchPath}), or, for a prepared statement bound again,
 * with its text lexed as when it was prepared (the server keeps the parse of that time, made with the
 * standard_conforming_strings of then).
 */
final class JudgedSession implements SessionView {
    private final SessionView session;
    private final String effectiveRole;
    private final List<String> searchPath;
    private final boolean standardConformingStrings;

    private JudgedSession(SessionView session, String effectiveRole, List<String> searchPath,
            boolean standardConformingStrings) {
        this.session = session;
        this.effectiveRole = effectiveRole;
        this.searchPath = searchPath;
        this.standardConformingStrings = standardConformingStrings;
    }

    /** The session under one of the values it may have. */
    static SessionView under(SessionView session, RoleAndSearchPath.Values values) {
        return new JudgedSession(session, values.role() == null ? session.user() : values.role(),
                values.searchPath(), session.standardConformingStrings());
    }

    /** The session as it is, but lexing as when a statement was prepared. */
    static SessionView lexingAs(SessionView session, boolean standardConformingStrings) {
        return standardConformingStrings == session.standardConformingStrings() ? session
                : new JudgedSession(session, session.effectiveRole(), session.searchPath(), standardConformingStrings);
    }

    @Override
    public String effectiveRole() {
        return effectiveRole;
    }

    @Override
    public List<String> searchPath() {
        return searchPath;
    }

    @Override
    public boolean standardConformingStrings() {
        return standardConformingStrings;
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
