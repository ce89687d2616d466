package io.pgguard.rules.classify;

import io.pgguard.rules.CommandKind;
import io.pgguard.rules.SqlPreparedStatement;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.TableAccess;
import io.pgguard.rules.TableAccess.Access;
import io.pgguard.rules.WhereStatus;
import io.pgguard.rules.WriteOperation;
import io.pgguard.rules.lex.LexException;
import io.pgguard.rules.lex.SqlLexer;
import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lexer-based fallback: classifies utility statements JSqlParser does not parse (transaction control, SET,
 * COPY, cursors, PREPARE, LISTEN, DDL...) from their leading keywords, the way PostgreSQL's grammar starts them.
 * A statement whose first keyword is not a PostgreSQL command is a SYNTAX_ERROR, as it is for the server.
 */
final class UtilityClassifier {
    private final StatementClassifier classifier;
    private final String source;
    private final List<String> searchPath;

    UtilityClassifier(StatementClassifier classifier, String source, List<String> searchPath) {
        this.classifier = classifier;
        this.source = source;
        this.searchPath = searchPath;
    }

    void classify(List<Token> tokens, FactsBuilder b) {
        TokenCursor c = new TokenCursor(tokens, 1);
        String first = tokens.get(0).value();
        switch (first) {
            case "begin" -> b.kind(CommandKind.BEGIN);
            case "start" -> startTransaction(c, b);
            case "commit", "end" -> b.kind(c.peekKeyword("prepared") ? CommandKind.COMMIT_PREPARED : CommandKind.COMMIT);
            case "rollback", "abort" -> rollback(c, b);
            case "savepoint" -> b.kind(CommandKind.SAVEPOINT);
            case "release" -> b.kind(CommandKind.RELEASE_SAVEPOINT);
            case "prepare" -> prepare(c, b);
            case "execute" -> execute(c, b);
            case "deallocate" -> deallocate(c, b);
            case "declare" -> declare(c, b);
            case "fetch" -> b.kind(CommandKind.FETCH);
            case "move" -> b.kind(CommandKind.MOVE);
            case "close" -> b.kind(CommandKind.CLOSE);
            case "listen" -> b.kind(CommandKind.LISTEN);
            case "unlisten" -> b.kind(CommandKind.UNLISTEN);
            case "notify" -> b.kind(CommandKind.NOTIFY);
            case "show" -> show(c, b);
            case "set" -> set(c, b);
            case "reset" -> reset(c, b);
            case "discard" -> discard(c, b);
            case "explain" -> explain(c, b);
            case "copy" -> copy(c, b);
            case "create" -> create(c, b);
            case "drop" -> drop(c, b);
            case "alter" -> alter(c, b);
            case "truncate" -> truncate(c, b);
            case "grant" -> b.kind(CommandKind.GRANT);
            case "revoke" -> b.kind(CommandKind.REVOKE);
            case "comment" -> b.kind(CommandKind.COMMENT);
            case "security" -> b.kind(CommandKind.SECURITY_LABEL);
            case "reindex" -> b.kind(CommandKind.REINDEX);
            case "cluster" -> b.kind(CommandKind.CLUSTER);
            case "refresh" -> b.kind(CommandKind.REFRESH_MATERIALIZED_VIEW);
            case "import" -> b.kind(CommandKind.CREATE_OTHER);
            case "reassign" -> b.kind(CommandKind.ALTER_OTHER);
            case "vacuum" -> b.kind(CommandKind.VACUUM);
            case "analyze", "analyse" -> b.kind(CommandKind.ANALYZE);
            case "checkpoint" -> b.kind(CommandKind.CHECKPOINT);
            case "load" -> b.kind(CommandKind.LOAD);
            case "lock" -> lock(c, b);
            case "do" -> {
                b.kind(CommandKind.DO);
                b.unknown("DO runs procedural code whose effect cannot be known");
            }
            case "call" -> call(c, b);
            default -> b.syntaxError("not a PostgreSQL command: \"" + tokens.get(0).text() + "\"");
        }
    }

    private static void startTransaction(TokenCursor c, FactsBuilder b) {
        if (c.accept("transaction")) {
            b.kind(CommandKind.BEGIN);
        } else {
            b.syntaxError("syntax error at or near START");
        }
    }

    private static void rollback(TokenCursor c, FactsBuilder b) {
        c.accept("work");
        c.accept("transaction");
        if (c.peekKeyword("to")) {
            b.kind(CommandKind.ROLLBACK_TO_SAVEPOINT);
        } else if (c.peekKeyword("prepared")) {
            b.kind(CommandKind.ROLLBACK_PREPARED);
        } else {
            b.kind(CommandKind.ROLLBACK);
        }
    }

    /** PREPARE name [(types)] AS statement: judged as the statement it prepares. */
    private void prepare(TokenCursor c, FactsBuilder b) {
        if (c.peekKeyword("transaction")) {
            b.kind(CommandKind.PREPARE_TRANSACTION);
            return;
        }
        b.kind(CommandKind.PREPARE);
        String name = c.name();
        int as = c.findTopLevel("as");
        if (name == null || as < 0 || as + 1 >= c.tokens.size()) {
            b.unparseable("PREPARE without a name or an AS statement");
            return;
        }
        List<Token> statement = c.tokens.subList(as + 1, c.tokens.size());
        wrap(statement, b);
        b.deferSessionChange("PREPARE of");
        b.preparedStatement = new SqlPreparedStatement(SqlPreparedStatement.Use.PREPARE, name,
                source.substring(statement.get(0).start(), statement.get(statement.size() - 1).end()));
    }

    /** DEALLOCATE [PREPARE] name | ALL. */
    private static void deallocate(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.DEALLOCATE);
        c.accept("prepare");
        String name = null;
        if (!c.accept("all")) {
            name = c.name();
            if (name == null) {
                b.unparseable("DEALLOCATE without a name");
                return;
            }
        }
        b.preparedStatement = new SqlPreparedStatement(SqlPreparedStatement.Use.DEALLOCATE, name, null);
    }

    /**
     * EXECUTE name [(args)]: the prepared statement was judged when it was prepared (every PREPARE and protocol
     * Parse passes the guard), so EXECUTE itself only needs its argument expressions checked.
     */
    private void execute(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.EXECUTE);
        String name = c.name();
        if (name == null) {
            b.unparseable("EXECUTE without a name");
            return;
        }
        b.preparedStatement = new SqlPreparedStatement(SqlPreparedStatement.Use.EXECUTE, name, null);
        if (c.peek() != null && c.peek().type() == TokenType.LPAREN) {
            int close = c.matchingParen(c.i);
            if (close < 0) {
                b.unparseable("unbalanced parentheses in EXECUTE");
                return;
            }
            argumentsAsSelect(c.tokens.subList(c.i + 1, close), b);
        }
    }

    /** Checks expressions (EXECUTE arguments, COPY WHERE) by reading them as SELECT expressions. */
    private void argumentsAsSelect(List<Token> expressionTokens, FactsBuilder b) {
        if (expressionTokens.isEmpty()) {
            return;
        }
        List<Token> select = new ArrayList<>();
        select.add(new Token(TokenType.IDENT, 0, 0, "SELECT", "select", io.pgguard.rules.lex.StringKind.NONE));
        select.addAll(expressionTokens);
        StatementFacts inner = classifier.classifyInner(source, select, searchPath);
        b.absorbEffectsOnly(inner);
    }

    /**
     * DECLARE name [options] CURSOR [WITH[OUT] HOLD] FOR query: judged as the query. Its rows come back through
     * any number of FETCHes, so a read cap is set on the query itself, as LIMIT, where one can be.
     */
    private void declare(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.DECLARE_CURSOR);
        int cursorAt = c.findTopLevel("cursor");
        if (cursorAt < 0) {
            b.unparseable("DECLARE without CURSOR");
            return;
        }
        TokenCursor afterCursor = new TokenCursor(c.tokens, cursorAt + 1);
        int forAt = afterCursor.findTopLevel("for");
        if (forAt < 0 || forAt + 1 >= c.tokens.size()) {
            b.unparseable("DECLARE CURSOR without FOR query");
            return;
        }
        StatementFacts query = classifier.classifyCursorQuery(source, c.tokens.subList(forAt + 1, c.tokens.size()),
                searchPath);
        b.innerKind = query.kind();
        b.absorb(query);
        b.deferSessionChange("DECLARE of a cursor over");
        b.limit = query.limit();
        b.rowCapRewrite = query.rowCapRewrite();
    }

    private void wrap(List<Token> innerTokens, FactsBuilder b) {
        StatementFacts inner = classifier.classifyInner(source, innerTokens, searchPath);
        b.innerKind = inner.kind();
        b.absorb(inner);
    }

    private static void show(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.SHOW);
        Token t = c.peek();
        b.setting = t == null ? null : t.type() == TokenType.IDENT ? t.value() : t.text();
    }

    /** SET in all its spellings; role, session authorization and search_path changes are singled out. */
    private static void set(TokenCursor c, FactsBuilder b) {
        if (c.acceptAll("session", "authorization")) {
            setSessionAuthorization(c, b);
            return;
        }
        if (c.acceptAll("session", "characteristics")) {
            b.kind(CommandKind.SET).setting = "default_transaction_isolation";
            return;
        }
        if (!c.accept("session")) {
            b.localChange = c.accept("local");
        }
        if (c.acceptAll("session", "authorization")) {
            setSessionAuthorization(c, b);
        } else if (c.accept("transaction")) {
            b.kind(CommandKind.SET_TRANSACTION);
        } else if (c.accept("constraints")) {
            b.kind(CommandKind.SET_TRANSACTION).setting = "constraints";
        } else if (c.acceptAll("time", "zone")) {
            b.kind(CommandKind.SET).setting = "timezone";
        } else if (c.accept("names")) {
            b.kind(CommandKind.SET).setting = "client_encoding";
            b.lexingChange = true;
        } else if (c.accept("schema")) {
            b.kind(CommandKind.SET).setting = "search_path";
            b.searchPathChange = valueList(c);
        } else if (c.acceptAll("xml", "option")) {
            b.kind(CommandKind.SET).setting = "xmloption";
        } else if (c.peekKeyword("role") && !(c.peek(1) != null && (c.peek(1).isOperator("=") || c.peek(1).isKeyword("to")))) {
            c.i++;
            setRole(c, b);
        } else {
            setGeneric(c, b);
        }
    }

    private static void setSessionAuthorization(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.SET_SESSION_AUTHORIZATION).setting = "session_authorization";
        if (c.accept("default")) {
            b.roleChange = "";
        } else {
            String target = c.name();
            b.roleChange = target == null ? "?" : target;
        }
    }

    private static void setRole(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.SET_ROLE).setting = "role";
        String target = c.name();
        if (target == null) {
            b.roleChange = "?";
        } else if (target.equalsIgnoreCase("none") && c.tokens.get(c.i - 1).type() == TokenType.IDENT) {
            b.kind(CommandKind.RESET_ROLE);
            b.roleChange = "";
        } else {
            b.roleChange = target;
        }
    }

    /** SET name {TO | =} value[, ...] | DEFAULT. */
    private static void setGeneric(TokenCursor c, FactsBuilder b) {
        StringBuilder name = new StringBuilder();
        while (c.peek() != null && (c.peek().type() == TokenType.IDENT || c.peek().type() == TokenType.QUOTED_IDENT
                || c.peek().type() == TokenType.DOT)) {
            Token t = c.peek();
            if (t.isKeyword("to")) {
                break;
            }
            name.append(t.type() == TokenType.DOT ? "." : t.value());
            c.i++;
        }
        if (name.isEmpty() || !(c.accept("to") || acceptEquals(c))) {
            b.unparseable("syntax error in SET");
            return;
        }
        String setting = name.toString().toLowerCase(Locale.ROOT);
        b.kind(CommandKind.SET).setting = setting;
        switch (setting) {
            case "role" -> {
                b.kind(CommandKind.SET_ROLE);
                String target = c.accept("default") ? "" : c.name();
                b.roleChange = target == null ? "?" : target.equalsIgnoreCase("none") ? "" : target;
                if (b.roleChange.isEmpty()) {
                    b.kind(CommandKind.RESET_ROLE);
                }
            }
            case "session_authorization" -> {
                b.kind(CommandKind.SET_SESSION_AUTHORIZATION);
                String target = c.accept("default") ? "" : c.name();
                b.roleChange = target == null ? "?" : target;
            }
            case "search_path" -> b.searchPathChange = c.accept("default") ? List.of() : valueList(c);
            case "client_encoding", "standard_conforming_strings" -> b.lexingChange = true;
            default -> { }
        }
    }

    private static boolean acceptEquals(TokenCursor c) {
        if (c.peek() != null && c.peek().isOperator("=")) {
            c.i++;
            return true;
        }
        return false;
    }

    /** A comma-separated SET value list as schema names (strings are split like a GUC list). */
    private static List<String> valueList(TokenCursor c) {
        List<String> out = new ArrayList<>();
        while (!c.atEnd()) {
            Token t = c.peek();
            if (t.type() == TokenType.STRING) {
                out.addAll(parseSearchPath(t.value()));
            } else if (t.type() == TokenType.IDENT || t.type() == TokenType.QUOTED_IDENT) {
                out.add(t.value());
            }
            c.i++;
        }
        return out;
    }

    /** Splits a search_path string the way PostgreSQL's SplitIdentifierString does. */
    static List<String> parseSearchPath(String value) {
        List<String> out = new ArrayList<>();
        for (String part : splitOutsideQuotes(value)) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.startsWith("\"") && p.endsWith("\"") && p.length() >= 2) {
                out.add(p.substring(1, p.length() - 1).replace("\"\"", "\""));
            } else {
                out.add(SqlLexer.asciiLower(p));
            }
        }
        return out;
    }

    private static List<String> splitOutsideQuotes(String s) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : s.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == ',' && !quoted) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    /** A regclass literal such as 'public.seq' or '"MySeq"': {schema or null, name}, or null if unreadable. */
    static String[] parseRegclassLiteral(String literal) {
        try {
            List<Token> tokens = SqlLexer.tokenize(literal, true);
            TokenCursor c = new TokenCursor(tokens, 0);
            String[] name = c.qualifiedName();
            return name != null && c.atEnd() ? name : null;
        } catch (LexException e) {
            return null;
        }
    }

    private static void reset(TokenCursor c, FactsBuilder b) {
        if (c.accept("role")) {
            b.kind(CommandKind.RESET_ROLE).setting = "role";
            b.roleChange = "";
        } else if (c.acceptAll("session", "authorization")) {
            b.kind(CommandKind.SET_SESSION_AUTHORIZATION).setting = "session_authorization";
            b.roleChange = "";
        } else if (c.accept("all")) {
            b.kind(CommandKind.RESET).setting = "all";
            b.searchPathChange = List.of(); // RESET ALL resets search_path (role and authorization are exempt)
            b.lexingChange = true;
        } else {
            Token t = c.peek();
            b.kind(CommandKind.RESET).setting = t == null ? null : t.value();
            if ("search_path".equals(b.setting)) {
                b.searchPathChange = List.of();
            }
            b.lexingChange = b.setting != null && StatementFacts.changesLexing(b.setting);
        }
    }

    /** DISCARD ALL also does SET SESSION AUTHORIZATION DEFAULT and RESET ALL. */
    private static void discard(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.DISCARD);
        if (c.accept("all")) {
            b.roleChange = "";
            b.searchPathChange = List.of();
            b.lexingChange = true;
            b.preparedStatement = new SqlPreparedStatement(SqlPreparedStatement.Use.DEALLOCATE, null, null);
        }
    }

    /**
     * EXPLAIN [ (options) ] | [ANALYZE] [VERBOSE] statement. With ANALYZE the statement runs, so the facts are the
     * statement's own; without it nothing runs: the result is a read of the plan.
     */
    private void explain(TokenCursor c, FactsBuilder b) {
        boolean analyze = false;
        if (c.peek() != null && c.peek().type() == TokenType.LPAREN) {
            int close = c.matchingParen(c.i);
            if (close < 0) {
                b.unparseable("unbalanced parentheses in EXPLAIN options");
                return;
            }
            analyze = optionsEnableAnalyze(c.tokens.subList(c.i + 1, close));
            c.i = close + 1;
        } else {
            while (c.peekKeyword("analyze", "analyse", "verbose")) {
                analyze |= !c.peekKeyword("verbose");
                c.i++;
            }
        }
        if (c.atEnd()) {
            b.unparseable("EXPLAIN without a statement");
            return;
        }
        StatementFacts inner = classifier.classifyInner(source, c.rest(), searchPath);
        if (analyze) {
            b.kind(inner.kind());
            b.innerKind = inner.innerKind();
            b.absorb(inner);
            return;
        }
        b.kind(CommandKind.EXPLAIN);
        b.innerKind = inner.kind();
        b.parsedBy = inner.parsedBy();
        if (inner.parsedBy().unreadable()) {
            b.unreadable(inner.parsedBy(), inner.parseError());
        }
        for (TableAccess t : inner.tables()) { // planning only reads
            b.tables.add(new TableAccess(t.schema(), t.name(), Access.READ, t.catalog()));
        }
        // The planner folds immutable functions, so a user-defined function declared IMMUTABLE runs even here:
        // keep the verdicts on functions (unknown or denied) rather than trust that nothing executes.
        b.functions.addAll(inner.functions());
        b.unknownEffects.addAll(inner.unknownEffects());
    }

    /**
     * Whether EXPLAIN's option list turns ANALYZE on (the last mention wins). The option's name may also be written
     * as a quoted identifier, which PostgreSQL compares with "analyze" as it is: "analyze" and U&"analyze" run the
     * statement. A value not known to be false counts as on.
     */
    private static boolean optionsEnableAnalyze(List<Token> options) {
        boolean analyze = false;
        for (int k = 0; k < options.size(); k++) {
            Token t = options.get(k);
            if (t.isKeyword("analyze") || t.isKeyword("analyse")
                    || (t.type() == TokenType.QUOTED_IDENT && t.value().equals("analyze"))) {
                Token v = k + 1 < options.size() ? options.get(k + 1) : null;
                boolean off = v != null && (v.isKeyword("false") || v.isKeyword("off")
                        || (v.type() == TokenType.NUMBER && v.text().equals("0"))
                        || (v.type() == TokenType.STRING && List.of("false", "off", "0", "f", "no", "n")
                                .contains(v.value().toLowerCase(Locale.ROOT))));
                analyze = !off;
            }
        }
        return analyze;
    }

    /** COPY table [(cols)] FROM|TO {STDIN|STDOUT|'file'|PROGRAM 'cmd'} ..., or COPY (query) TO .... */
    private void copy(TokenCursor c, FactsBuilder b) {
        c.accept("binary");
        String[] table = null;
        if (c.peek() != null && c.peek().type() == TokenType.LPAREN) {
            int close = c.matchingParen(c.i);
            if (close < 0) {
                b.unparseable("unbalanced parentheses in COPY");
                return;
            }
            StatementFacts inner = classifier.classifyInner(source, c.tokens.subList(c.i + 1, close), searchPath);
            b.innerKind = inner.kind();
            b.absorb(inner);
            c.i = close + 1;
        } else {
            table = c.qualifiedName();
            if (table == null) {
                b.unparseable("COPY without a table or query");
                return;
            }
            if (c.peek() != null && c.peek().type() == TokenType.LPAREN) {
                c.i = c.matchingParen(c.i) + 1;
            }
        }
        boolean from = c.accept("from");
        if (!from && !c.accept("to")) {
            b.unparseable("COPY without FROM or TO");
            return;
        }
        copyTarget(c, b, from);
        if (b.kind == CommandKind.COPY_TO_STDOUT) {
            b.copyHeader = CopyOptions.sendsHeader(c.rest());
        }
        if (table != null) {
            Access access = from ? Access.INSERT : Access.READ;
            if (table[0] != null) {
                b.tables.add(StatementClassifier.access(table[0], table[1], access));
            } else {
                StatementClassifier.addUnqualified(b, table[1], access, searchPath);
            }
            if (from) {
                String schema = table[0] != null ? table[0] : NameResolver.schemaFor(table[1], searchPath);
                b.writes.add(new WriteOperation(CommandKind.INSERT, schema + "." + table[1], WhereStatus.NOT_APPLICABLE, "COPY FROM"));
            }
        } else if (from) {
            b.unparseable("COPY (query) FROM is not valid");
        }
        int where = c.findTopLevel("where");
        if (where >= 0) {
            argumentsAsSelect(c.tokens.subList(where + 1, c.tokens.size()), b);
        }
    }

    private static void copyTarget(TokenCursor c, FactsBuilder b, boolean from) {
        if (c.accept("program")) {
            b.kind(CommandKind.COPY_PROGRAM);
        } else if (c.accept("stdin") || c.accept("stdout")) {
            b.kind(from ? CommandKind.COPY_FROM_STDIN : CommandKind.COPY_TO_STDOUT);
        } else if (c.peek() != null && c.peek().type() == TokenType.STRING) {
            b.kind(CommandKind.COPY_FILE);
        } else {
            b.unparseable("COPY with an unreadable source or target");
        }
    }

    private static void create(TokenCursor c, FactsBuilder b) {
        c.acceptAll("or", "replace");
        while (c.peekKeyword("temp", "temporary", "unlogged", "global", "local", "unique", "materialized",
                "recursive", "trusted", "procedural", "default", "constraint")) {
            c.i++;
        }
        Token object = c.peek();
        String word = object == null ? "" : object.value() == null ? "" : object.value();
        c.i++;
        switch (word) {
            case "table" -> {
                TokenCursor rest = new TokenCursor(c.tokens, c.i);
                int as = rest.findTopLevel("as");
                b.kind(as >= 0 ? CommandKind.CREATE_TABLE_AS : CommandKind.CREATE_TABLE);
                ddlTarget(c, b, Access.DDL);
            }
            case "index" -> b.kind(CommandKind.CREATE_INDEX);
            case "view" -> b.kind(CommandKind.CREATE_VIEW);
            case "schema" -> b.kind(CommandKind.CREATE_SCHEMA);
            case "database" -> b.kind(CommandKind.CREATE_DATABASE);
            case "role", "user", "group" -> b.kind(CommandKind.CREATE_ROLE);
            case "function", "procedure", "aggregate" -> b.kind(CommandKind.CREATE_FUNCTION);
            case "extension" -> b.kind(CommandKind.CREATE_EXTENSION);
            default -> b.kind(CommandKind.CREATE_OTHER);
        }
    }

    private static void drop(TokenCursor c, FactsBuilder b) {
        c.accept("materialized");
        Token object = c.peek();
        String word = object == null || object.value() == null ? "" : object.value();
        c.i++;
        switch (word) {
            case "table" -> {
                b.kind(CommandKind.DROP_TABLE);
                c.acceptAll("if", "exists");
                ddlTargets(c, b, Access.DDL);
            }
            case "database" -> b.kind(CommandKind.DROP_DATABASE);
            case "schema" -> b.kind(CommandKind.DROP_SCHEMA);
            case "role", "user", "group" -> b.kind(CommandKind.DROP_ROLE);
            default -> b.kind(CommandKind.DROP_OTHER);
        }
    }

    private static void alter(TokenCursor c, FactsBuilder b) {
        Token object = c.peek();
        String word = object == null || object.value() == null ? "" : object.value();
        c.i++;
        switch (word) {
            case "table" -> {
                b.kind(CommandKind.ALTER_TABLE);
                c.acceptAll("if", "exists");
                c.accept("only");
                ddlTarget(c, b, Access.DDL);
            }
            case "role", "user", "group" -> b.kind(CommandKind.ALTER_ROLE);
            case "system" -> b.kind(CommandKind.ALTER_SYSTEM);
            default -> b.kind(CommandKind.ALTER_OTHER);
        }
    }

    private static void truncate(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.TRUNCATE);
        c.accept("table");
        ddlTargets(c, b, Access.TRUNCATE);
    }

    /**
     * LOCK [TABLE] names [IN mode MODE] [NOWAIT]. IN ACCESS SHARE MODE, the mode pg_dump takes on every table it
     * dumps, conflicts only with ACCESS EXCLUSIVE and needs only SELECT on the table, as PostgreSQL checks it;
     * every other mode (ACCESS EXCLUSIVE without IN) is judged as PostgreSQL's table-level UPDATE.
     */
    private void lock(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.LOCK);
        c.accept("table");
        ddlTargets(c, b, endsInAccessShareMode(c.tokens) ? Access.READ : Access.LOCK);
    }

    /** ... IN ACCESS SHARE MODE [NOWAIT] at the end of the statement (no table is named IN: it is reserved). */
    private static boolean endsInAccessShareMode(List<Token> tokens) {
        int end = tokens.size();
        if (end > 0 && tokens.get(end - 1).isKeyword("nowait")) {
            end--;
        }
        return end >= 4 && tokens.get(end - 4).isKeyword("in") && tokens.get(end - 3).isKeyword("access")
                && tokens.get(end - 2).isKeyword("share") && tokens.get(end - 1).isKeyword("mode");
    }

    /** CALL name(args): judged by the configured effect of the procedure, unknown otherwise. */
    private void call(TokenCursor c, FactsBuilder b) {
        b.kind(CommandKind.CALL);
        String[] name = c.qualifiedName();
        if (name == null) {
            b.unparseable("CALL without a procedure name");
            return;
        }
        classifier.judgeCall(name[0], name[1], List.of(), b, searchPath);
        if (c.peek() != null && c.peek().type() == TokenType.LPAREN) {
            int close = c.matchingParen(c.i);
            if (close > c.i + 1) {
                argumentsAsSelect(c.tokens.subList(c.i + 1, close), b);
            }
        }
    }

    private static void ddlTarget(TokenCursor c, FactsBuilder b, Access access) {
        c.acceptAll("if", "not", "exists");
        String[] name = c.qualifiedName();
        if (name != null) {
            String schema = name[0] != null ? name[0] : "public";
            b.tables.add(StatementClassifier.access(schema, name[1], access));
        }
    }

    private static void ddlTargets(TokenCursor c, FactsBuilder b, Access access) {
        do {
            c.accept("only");
            ddlTarget(c, b, access);
            if (c.peek() != null && c.peek().isOperator("*")) {
                c.i++;
            }
        } while (acceptComma(c));
    }

    private static boolean acceptComma(TokenCursor c) {
        if (c.peek() != null && c.peek().type() == TokenType.COMMA) {
            c.i++;
            return true;
        }
        return false;
    }
}
