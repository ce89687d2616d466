package io.pgguard.core.inspect;

/** What the rules may know about the client session a statement comes from. */
public interface SessionView {
    long connectionId();

    String clientAddress();

    /** The user of the startup message; the server authenticated it before any statement is inspected. */
    String user();

    String database();

    String applicationName();

    String upstreamName();

    /** The environment label of the upstream (for example production or staging). */
    String environment();

    /** The role statements run as after SET ROLE; the login user when none was set. */
    String effectiveRole();

    /** The search_path set by the session's statements; null while it has set none (the server's default). */
    java.util.List<String> searchPath();

    /** As the server last reported through ParameterStatus; decides how backslashes in '' strings lex. */
    boolean standardConformingStrings();

    /** The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a block, 'E' failed block. */
    char transactionStatus();

    /**
     * What the metrics keep for this session between its events (its meters, whose labels do not change for
     * the session's life), so that a statement costs no label lookup; null until they set it. A view that keeps
     * nothing returns null and ignores the setter: the metrics then look their meters up on every event.
     */
    default Object metricsState() {
        return null;
    }

    default void metricsState(Object state) {}
}
