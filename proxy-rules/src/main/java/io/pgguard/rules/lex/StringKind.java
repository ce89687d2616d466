package io.pgguard.rules.lex;

/** How a string constant was written; it decides how its body is decoded. */
public enum StringKind {
    NONE, STANDARD, ESCAPE, NATIONAL, UNICODE, BIT, HEX, DOLLAR
}
