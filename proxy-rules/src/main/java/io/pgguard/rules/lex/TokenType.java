package io.pgguard.rules.lex;

/** The kinds of significant tokens; whitespace and comments are not tokens but gaps between them. */
public enum TokenType {
    /** Unquoted identifier or keyword; {@link Token#value()} is the ASCII-lowercased text. */
    IDENT,
    /** "quoted" or U&"quoted" identifier; {@link Token#value()} is the decoded name, case kept. */
    QUOTED_IDENT,
    /** Any string constant ('', E'', N'', U&'', B'', X'', $tag$); {@link Token#value()} is the decoded value. */
    STRING,
    NUMBER,
    /** Positional parameter $n. */
    PARAM,
    OPERATOR,
    LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, SEMICOLON, DOT,
    /** The :: cast. */
    TYPECAST,
    /** A lone ':' (array slices), ':=' and '=>' are reported as OPERATOR. */
    COLON
}
