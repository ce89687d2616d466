package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The text handed to JSqlParser for one statement, rebuilt from our tokens so that the parser cannot misread it:
 * comments and all layout become single spaces (no blank lines for its statement separator, no "go" or "/" lines),
 * every string constant, whatever its quoting (E'', U&'', $tag$, B'', scs=off backslashes), becomes the plain
 * placeholder '__pgguard_lit_N' whose decoded value is kept here, and quoted identifiers are re-quoted plainly.
 */
final class ParserInput {
    private static final String PLACEHOLDER = "__pgguard_lit_";

    final String text;
    /**
     * Whether an operator JSqlParser cannot read was written as || (second attempt only): the tree then says
     * nothing about what that comparison keeps, so a write's WHERE holding one is no proof of restriction.
     */
    final boolean replacedOperators;
    /** Indexes in {@link #tokens} of the operators written as ||. */
    final List<Integer> replacedOperatorAt;
    /** The tokens the text was written from (constant lists shortened); string constants numbered in this order. */
    final List<Token> tokens;
    private final List<String> literalValues;

    private ParserInput(String text, List<Token> tokens, List<String> literalValues, List<Integer> replacedOperatorAt) {
        this.text = text;
        this.replacedOperators = !replacedOperatorAt.isEmpty();
        this.replacedOperatorAt = replacedOperatorAt;
        this.tokens = tokens;
        this.literalValues = literalValues;
    }

    static ParserInput of(List<Token> tokens) {
        return of(tokens, false);
    }

    /**
     * With {@code quoteAliases}, every identifier after AS (outside CAST(...)) is written quoted, as its folded
     * value: PostgreSQL accepts any keyword as a column label after AS ("... IS NOT NULL AS exists"), JSqlParser
     * does not. Used for a second attempt only; the meaning is unchanged because the value is already folded.
     */
    static ParserInput of(List<Token> allTokens, boolean quoteAliases) {
        List<Token> tokens = LiteralListCompactor.compact(allTokens);
        StringBuilder b = new StringBuilder();
        List<Integer> replaced = new ArrayList<>();
        List<String> values = new ArrayList<>();
        java.util.ArrayDeque<Boolean> castParens = new java.util.ArrayDeque<>();
        Token previous = null;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            int operatorEnd = qualifiedOperatorEnd(tokens, i);
            if (operatorEnd > 0) { // OPERATOR(pg_catalog.~) as psql writes it: the operator itself
                b.append(' ').append(tokens.get(operatorEnd - 1).text()).append(' ');
                previous = tokens.get(operatorEnd);
                i = operatorEnd;
                continue;
            }
            int collationEnd = collateClauseEnd(tokens, i);
            if (collationEnd > 0) { // JSqlParser rejects COLLATE "C"; a collation changes no table, write or filter
                i = collationEnd;
                continue;
            }
            int lockingEnd = lockingClauseEnd(tokens, i);
            if (lockingEnd > 0 && lockingClauseBefore(tokens, i)) {
                // A second locking clause (FOR UPDATE OF a FOR SHARE OF b), which JSqlParser cannot read: the first
                // already locks every table the query reads, as far as the rules go (each needs UPDATE).
                i = lockingEnd - 1;
                continue;
            }
            int doNothingEnd = mergeDoNothingClauseEnd(tokens, i);
            if (doNothingEnd > 0) {
                // MERGE's WHEN ... THEN DO NOTHING, which JSqlParser cannot read, changes no row. Left out, the rows
                // it would have kept from the clauses after it count as theirs: the rules judge no less than runs.
                i = doNothingEnd - 1;
                continue;
            }
            int sampleEnd = tablesampleClauseEnd(tokens, i);
            if (sampleEnd > 0) {
                // TABLESAMPLE, which JSqlParser cannot read, only lets a query see fewer of a table's rows: without
                // it the rules see the whole table read, never less.
                i = sampleEnd - 1;
                continue;
            }
            if (mergeInsertDefaultValues(tokens, i)) { // the same row of defaults, in a form JSqlParser reads
                b.append(" VALUES (DEFAULT)");
                previous = tokens.get(i + 1);
                i++;
                continue;
            }
            if (isDroppedForTheParser(tokens, i)) { // PostgreSQL syntax JSqlParser lacks, which no rule looks at
                if (tokens.get(i).isKeyword("using")) {
                    i++; // ORDER BY x USING <op>: the operator goes too
                }
                continue;
            }
            if (tableQuery(tokens, i)) { // (TABLE t), UNION TABLE t: the query SELECT * FROM t
                if (previous != null && previous.end() != t.start()) {
                    b.append(' ');
                }
                b.append("SELECT * FROM");
                previous = t;
                continue;
            }
            if (noSelectList(previous, t)) {
                b.append(" NULL"); // SELECT FROM t, EXISTS (SELECT FROM ...): the parser needs some select list
            }
            if (fetchWithoutCount(tokens, i)) {
                b.append(" 1"); // FETCH FIRST ROW ONLY means one row
            }
            boolean lenientOperator = quoteAliases && t.type() == TokenType.OPERATOR && !PARSER_OPERATORS.contains(t.text());
            if (lenientOperator) {
                replaced.add(i);
                // An operator JSqlParser cannot read (@?, <<=, -|-, ^@, |/...) stands in as ||; a prefix one goes. The
                // operator itself decides nothing the rules look at, and its operands stay.
                if (!prefixPosition(previous)) {
                    b.append(" ||");
                }
                continue;
            }
            boolean alias = quoteAliases && previous != null && previous.isKeyword("as") && t.type() == TokenType.IDENT
                    && !Boolean.TRUE.equals(castParens.peek());
            alias |= quoteAliases && isParserKeywordUsedAsName(tokens, i, Boolean.TRUE.equals(castParens.peek()));
            if (t.type() == TokenType.LPAREN) {
                castParens.push(previous != null && previous.isKeyword("cast"));
            } else if (t.type() == TokenType.RPAREN && !castParens.isEmpty()) {
                castParens.pop();
            }
            if (alias) {
                if (previous.end() != t.start()) {
                    b.append(' ');
                }
                b.append('"').append(t.value()).append('"');
                previous = t;
                continue;
            }
            if (previous != null && previous.end() != t.start()) {
                b.append(' ');
            }
            switch (t.type()) {
                case STRING -> {
                    b.append('\'').append(placeholder(values.size())).append('\'');
                    values.add(t.value());
                }
                case QUOTED_IDENT -> b.append('"').append(t.value().replace("\"", "\"\"")).append('"');
                default -> b.append(t.text());
            }
            previous = t;
        }
        if (previous != null && previous.isKeyword("select")) {
            b.append(" NULL");
        }
        return new ParserInput(b.toString(), tokens, List.copyOf(values), List.copyOf(replaced));
    }

    /**
     * Words JSqlParser takes as keywords that PostgreSQL lets a column have as its name (a uuid column, a current
     * counter): written quoted on the second attempt where they stand as a name.
     */
    private static final Set<String> PARSER_KEYWORDS = Set.of("uuid", "current", "int", "real", "double", "float",
            "numeric", "precision", "prior", "unknown");

    /** Operators JSqlParser reads; on the second attempt any other stands in as ||. */
    private static final Set<String> PARSER_OPERATORS = Set.of("=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*",
            "/", "%", "^", "||", "~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "@>", "<@", "&&", "?", "?|", "?&", "->",
            "->>", "#>", "#>>", "#-", "@@", "|", "&", "#", "<<", ">>", "=>", ":=");

    /** Keywords after which an operator is a prefix one. */
    private static final Set<String> EXPRESSION_STARTS = Set.of("select", "where", "and", "or", "not", "when",
            "then", "else", "on", "having", "by", "set", "returning", "values", "in", "is", "between", "like", "case",
            "limit", "offset", "distinct", "all", "any", "some", "return");

    private static boolean prefixPosition(Token previous) {
        return previous == null || previous.type() == TokenType.OPERATOR || previous.type() == TokenType.LPAREN
                || previous.type() == TokenType.COMMA || previous.type() == TokenType.LBRACKET
                || previous.type() == TokenType.IDENT && EXPRESSION_STARTS.contains(previous.value());
    }

    private static boolean isParserKeywordUsedAsName(List<Token> tokens, int i, boolean inCast) {
        Token t = tokens.get(i);
        if (t.type() != TokenType.IDENT || !PARSER_KEYWORDS.contains(t.value())) {
            return false;
        }
        Token before = i > 0 ? tokens.get(i - 1) : null;
        Token after = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
        if (before != null && (before.type() == TokenType.TYPECAST || inCast && before.isKeyword("as")
                || before.isKeyword("double") || before.isKeyword("fetch") || before.isKeyword("move")
                || before.isKeyword("is") || before.isKeyword("not") && i >= 2 && tokens.get(i - 2).isKeyword("is"))) {
            return false; // a type (x::uuid, CAST(x AS int), double precision), FETCH PRIOR, IS [NOT] UNKNOWN
        }
        return after == null || !(after.type() == TokenType.LPAREN || after.type() == TokenType.STRING
                || after.isKeyword("precision") || after.isKeyword("row") || after.isKeyword("of"));
    }

    /**
     * Tokens left out of the parser's text: ONLY before a written or read table (UPDATE ONLY t, DELETE FROM ONLY t),
     * ROW before a row constructor after = (SET (a, b) = ROW(1, 2)), USING and its operator in an ORDER BY,
     * DISTINCT or ALL right after GROUP BY, and the window name in OVER (w ORDER BY ...). (Never an alias: a write's
     * rules follow aliases back to the tables they name.)
     */
    private static boolean isDroppedForTheParser(List<Token> tokens, int i) {
        Token t = tokens.get(i);
        Token before = i > 0 ? tokens.get(i - 1) : null;
        Token after = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
        if (before == null || after == null) {
            return false;
        }
        if (t.isKeyword("only")) {
            return (before.isKeyword("update") || before.isKeyword("from") || before.isKeyword("join")) && isName(after);
        }
        if (t.isKeyword("row")) {
            return before.type() == TokenType.OPERATOR && before.text().equals("=") && after.type() == TokenType.LPAREN;
        }
        if (t.isKeyword("using")) {
            return after.type() == TokenType.OPERATOR;
        }
        if (t.isKeyword("distinct") || t.isKeyword("all")) {
            return before.isKeyword("by") && i >= 2 && tokens.get(i - 2).isKeyword("group");
        }
        if (isName(t) && before.type() == TokenType.LPAREN && i >= 2 && tokens.get(i - 2).isKeyword("over")) {
            // OVER (w ORDER BY ...): a named window refined; which rows a window frames no rule looks at
            return after.isKeyword("order") || after.isKeyword("partition") || after.isKeyword("rows")
                    || after.isKeyword("range") || after.isKeyword("groups");
        }
        return false;
    }

    /**
     * For a MERGE clause WHEN [NOT] MATCHED [BY SOURCE | BY TARGET] [AND condition] THEN DO NOTHING at i, the index
     * after NOTHING; else -1. Only a condition without parentheses, casts or CASE, and with operators JSqlParser
     * reads, goes with its clause: no call, subquery or cast function can be hidden from the rules that way.
     */
    private static int mergeDoNothingClauseEnd(List<Token> tokens, int i) {
        if (!tokens.get(i).isKeyword("when") || i + 1 >= tokens.size()
                || !(tokens.get(i + 1).isKeyword("matched") || tokens.get(i + 1).isKeyword("not")) || !isMerge(tokens)) {
            return -1;
        }
        int k = i + 1;
        while (k < tokens.size() && !tokens.get(k).isKeyword("then")) {
            Token t = tokens.get(k);
            if (t.type() == TokenType.LPAREN || t.type() == TokenType.LBRACKET || t.type() == TokenType.TYPECAST
                    || t.isKeyword("case") || t.type() == TokenType.OPERATOR && !PARSER_OPERATORS.contains(t.text())) {
                return -1;
            }
            k++;
        }
        boolean doNothing = k + 2 < tokens.size() && tokens.get(k + 1).isKeyword("do")
                && tokens.get(k + 2).isKeyword("nothing");
        return doNothing ? k + 3 : -1;
    }

    /** Built-in sampling methods (and contrib's tsm_system_rows and tsm_system_time); no other handler is trusted. */
    private static final Set<String> SAMPLING_METHODS = Set.of("system", "bernoulli", "system_rows", "system_time");

    /**
     * For TABLESAMPLE method (arguments) [REPEATABLE (seed)] at i, the index after it; else -1. Only a built-in
     * method, with arguments and seed that are constants or parameters, goes: nothing that could call a function.
     */
    private static int tablesampleClauseEnd(List<Token> tokens, int i) {
        if (!tokens.get(i).isKeyword("tablesample") || i + 2 >= tokens.size()
                || tokens.get(i + 1).type() != TokenType.IDENT || !SAMPLING_METHODS.contains(tokens.get(i + 1).value())) {
            return -1;
        }
        int k = constantArguments(tokens, i + 2);
        if (k > 0 && k + 1 < tokens.size() && tokens.get(k).isKeyword("repeatable")) {
            k = constantArguments(tokens, k + 1);
        }
        return k;
    }

    /** For ( constant [, constant ...] ) at i, the index after ')'; else -1. */
    private static int constantArguments(List<Token> tokens, int i) {
        if (i >= tokens.size() || tokens.get(i).type() != TokenType.LPAREN) {
            return -1;
        }
        for (int k = i + 1; k < tokens.size(); k++) {
            TokenType type = tokens.get(k).type();
            if (type == TokenType.RPAREN) {
                return k > i + 1 ? k + 1 : -1;
            }
            if (type != TokenType.NUMBER && type != TokenType.PARAM && type != TokenType.STRING
                    && type != TokenType.COMMA) {
                return -1;
            }
        }
        return -1;
    }

    /** The DEFAULT of a MERGE's INSERT DEFAULT VALUES. */
    private static boolean mergeInsertDefaultValues(List<Token> tokens, int i) {
        return tokens.get(i).isKeyword("default") && i > 0 && tokens.get(i - 1).isKeyword("insert")
                && i + 1 < tokens.size() && tokens.get(i + 1).isKeyword("values") && isMerge(tokens);
    }

    /** MERGE, or WITH ... MERGE. */
    private static boolean isMerge(List<Token> tokens) {
        Token first = tokens.get(0);
        return first.isKeyword("merge") || first.isKeyword("with") && tokens.stream().anyMatch(t -> t.isKeyword("merge"));
    }

    /** TABLE name as a query of its own inside a statement: after '(' or a set operation. */
    private static boolean tableQuery(List<Token> tokens, int i) {
        if (!tokens.get(i).isKeyword("table") || i == 0 || i + 1 >= tokens.size() || !isName(tokens.get(i + 1))) {
            return false;
        }
        Token before = tokens.get(i - 1);
        return before.type() == TokenType.LPAREN || before.isKeyword("union") || before.isKeyword("intersect")
                || before.isKeyword("except") || (before.isKeyword("all") || before.isKeyword("distinct")) && i >= 2
                        && (tokens.get(i - 2).isKeyword("union") || tokens.get(i - 2).isKeyword("intersect")
                                || tokens.get(i - 2).isKeyword("except"));
    }

    /**
     * For a locking clause at i, FOR {UPDATE | NO KEY UPDATE | SHARE | KEY SHARE} [OF name [, ...]] [NOWAIT | SKIP
     * LOCKED], the index after it; else -1.
     */
    private static int lockingClauseEnd(List<Token> tokens, int i) {
        if (!tokens.get(i).isKeyword("for")) {
            return -1;
        }
        int k = i + 1;
        if (k < tokens.size() && (tokens.get(k).isKeyword("no") || tokens.get(k).isKeyword("key"))) {
            k += tokens.get(k).isKeyword("no") ? 2 : 1; // NO KEY UPDATE, KEY SHARE
        }
        if (k >= tokens.size() || !(tokens.get(k).isKeyword("update") || tokens.get(k).isKeyword("share"))) {
            return -1;
        }
        k++;
        if (k < tokens.size() && tokens.get(k).isKeyword("of")) {
            do {
                k++;
                while (k + 2 < tokens.size() && tokens.get(k + 1).type() == TokenType.DOT) {
                    k += 2;
                }
                k++;
            } while (k < tokens.size() && tokens.get(k).type() == TokenType.COMMA);
        }
        if (k < tokens.size() && tokens.get(k).isKeyword("nowait")) {
            k++;
        } else if (k + 1 < tokens.size() && tokens.get(k).isKeyword("skip") && tokens.get(k + 1).isKeyword("locked")) {
            k += 2;
        }
        return k;
    }

    /** Whether a locking clause ends right before i, so that the one at i is a second one. */
    private static boolean lockingClauseBefore(List<Token> tokens, int i) {
        for (int start = i - 1; start >= 0 && start >= i - 12; start--) {
            if (tokens.get(start).isKeyword("for") && lockingClauseEnd(tokens, start) == i) {
                return true;
            }
        }
        return false;
    }

    /** SELECT directly followed by the end of its select list: FROM, WHERE, ... or the end of the query. */
    private static boolean noSelectList(Token previous, Token t) {
        if (previous == null || !previous.isKeyword("select")) {
            return false;
        }
        return t.type() == TokenType.RPAREN || t.type() == TokenType.SEMICOLON
                || t.type() == TokenType.IDENT && Set.of("from", "where", "group", "having", "window", "order", "limit",
                        "offset", "fetch", "for", "union", "intersect", "except").contains(t.value());
    }

    /** The ROW or ROWS of FETCH FIRST|NEXT ROW[S] ONLY, with no count between. */
    private static boolean fetchWithoutCount(List<Token> tokens, int i) {
        Token t = tokens.get(i);
        return (t.isKeyword("row") || t.isKeyword("rows")) && i >= 2
                && (tokens.get(i - 1).isKeyword("first") || tokens.get(i - 1).isKeyword("next"))
                && tokens.get(i - 2).isKeyword("fetch");
    }

    /** For COLLATE [schema .] name at i: index of the name's last token; else -1. */
    private static int collateClauseEnd(List<Token> tokens, int i) {
        if (!tokens.get(i).isKeyword("collate") || i + 1 >= tokens.size() || !isName(tokens.get(i + 1))) {
            return -1;
        }
        int k = i + 1;
        while (k + 2 < tokens.size() && tokens.get(k + 1).type() == TokenType.DOT && isName(tokens.get(k + 2))) {
            k += 2;
        }
        return k;
    }

    static boolean isName(Token t) {
        return t.type() == TokenType.IDENT || t.type() == TokenType.QUOTED_IDENT;
    }

    /**
     * Whether the text writes OPERATOR(...), which the parser is given as the bare operator: another schema's
     * operator of that name may do anything.
     */
    static boolean writesQualifiedOperator(List<Token> tokens) {
        for (int i = 0; i < tokens.size(); i++) {
            if (qualifiedOperatorEnd(tokens, i) > 0) {
                return true;
            }
        }
        return false;
    }

    /** For OPERATOR ( [schema .] op ) at i: index of the closing parenthesis; else -1. */
    private static int qualifiedOperatorEnd(List<Token> tokens, int i) {
        if (!tokens.get(i).isKeyword("operator") || i + 3 >= tokens.size() || tokens.get(i + 1).type() != TokenType.LPAREN) {
            return -1;
        }
        int k = i + 2;
        if (tokens.get(k).type() == TokenType.IDENT && k + 1 < tokens.size() && tokens.get(k + 1).type() == TokenType.DOT) {
            k += 2;
        }
        boolean op = k + 1 < tokens.size() && tokens.get(k).type() == TokenType.OPERATOR
                && tokens.get(k + 1).type() == TokenType.RPAREN;
        return op ? k + 1 : -1;
    }

    /** The text standing for the n-th string constant of a statement. */
    static String placeholder(int n) {
        return PLACEHOLDER + n;
    }

    /** The decoded value of a string constant as JSqlParser reports it, or null if it is not one of ours. */
    String literal(String parserValue) {
        if (parserValue == null || !parserValue.startsWith(PLACEHOLDER)) {
            return null;
        }
        try {
            int i = Integer.parseInt(parserValue.substring(PLACEHOLDER.length()));
            return i < literalValues.size() ? literalValues.get(i) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean hasType(List<Token> tokens, TokenType type) {
        return tokens.stream().anyMatch(t -> t.type() == type);
    }
}
