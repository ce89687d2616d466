package io.pgguard.rules;

/** Where the statement text came from on the wire. */
public enum StatementSource { SIMPLE_QUERY, PARSE }
