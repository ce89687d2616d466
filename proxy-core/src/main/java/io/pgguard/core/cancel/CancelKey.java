package io.pgguard.core.cancel;

/** The process id and secret PgGuard hands a client in its BackendKeyData, in place of the server's. */
public record CancelKey(int processId, int secretKey) {}
