package io.pgguard.core.protocol;

/** The SQLSTATE codes PgGuard raises itself. */
public final class SqlState {
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String CONNECTION_FAILURE = "08006";
    public static final String SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION = "08001";
    public static final String SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION = "08004";
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String QUERY_CANCELED = "57014";
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    public static final String INTERNAL_ERROR = "XX000";
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";

    private SqlState() {}
}
