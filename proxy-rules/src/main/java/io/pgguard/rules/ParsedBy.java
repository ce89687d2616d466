package io.pgguard.rules;

/** Which part of the classifier produced a statement's facts. */
public enum ParsedBy { FULL_PARSER, LEXER_FALLBACK, UNPARSEABLE }
