package io.pgguard.core.inspect;

/** Where a SQL text entered the protocol. */
public enum SqlOrigin {
    /** A Query message: one or more statements, executed at once. */
    SIMPLE_QUERY,
    /** A Parse message: one statement, executed by later Bind/Execute. */
    PARSE
}
