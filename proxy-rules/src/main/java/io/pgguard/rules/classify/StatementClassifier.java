package io.pgguard.rules.classify;

import io.pgguard.rules.CommandKind;
import io.pgguard.rules.FunctionCall;
import io.pgguard.rules.ParsedBy;
import io.pgguard.rules.RewriteSite;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.TableAccess;
import io.pgguard.rules.TableAccess.Access;
import io.pgguard.rules.WhereStatus;
import io.pgguard.rules.WriteOperation;
import io.pgguard.rules.lex.LexedScript;
import io.pgguard.rules.lex.LexedStatement;
import io.pgguard.rules.lex.SqlRedactor;
import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.parser.AbstractJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.update.Update;

/**
 * Turns lexed statements into {@link StatementFacts}. Queries and DML (SELECT, WITH, VALUES, TABLE, INSERT, UPDATE,
 * DELETE, MERGE) get JSqlParser's AST: built by {@link ShapeParser} for the common OLTP shapes, else by
 * JSqlParser, one statement at a time, on the calling thread, fed a normalised text (see {@link ParserInput});
 * utility statements JSqlParser does not know are classified from their keywords by {@link UtilityClassifier}. Wrappers (EXPLAIN, PREPARE, DECLARE, COPY (query)) classify what they wrap.
 * Whatever cannot be classified is UNPARSEABLE, which the policy treats as an unknown effect.
 */
public final class StatementClassifier {
    /** Statements larger than this are not analysed (fail closed): the parser's cost grows with size. */
    static final int MAX_TOKENS = 50_000;
    /** Deep nesting makes JSqlParser's backtracking slow; nothing real nests this deep. */
    static final int MAX_NESTING = 40;
    private static final Set<String> PARSED_LEADERS = Set.of("select", "with", "values", "insert", "update", "delete",
            "merge", "table");
    /** Calls that are SQL syntax rather than pg_proc functions; they compute values only. */
    private static final Set<String> SYNTAX_FUNCTIONS = Set.of("coalesce", "nullif", "greatest", "least", "row",
            "rollup", "cube",
            "array", "any", "some", "all", "exists", "trim", "grouping", "cast", "treat", "xmlelement", "xmlforest",
            "xmlconcat", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmlexists", "xmlattributes", "json",
            "json_scalar", "json_serialize", "json_query", "json_value", "json_exists", "json_objectagg",
            "json_arrayagg", "merge_action", "current_date", "current_time", "current_timestamp", "localtime",
            "localtimestamp", "current_role", "current_user", "session_user", "user", "current_catalog",
            "current_schema", "system_user");

    private final FunctionCatalog functions;

    /** Whether facts depend on timing (a parse stopped by the time budget) and so must not be cached. */
    public static boolean timingDependent(StatementFacts f) {
        return f.parseError() != null && f.parseError().contains(ParseWatchdog.BUDGET_EXCEEDED);
    }

    public StatementClassifier(FunctionCatalog functions) {
        this.functions = functions;
    }

    public List<StatementFacts> classify(LexedScript script, List<String> searchPath) {
        List<StatementFacts> out = new ArrayList<>();
        for (LexedStatement statement : script.statements()) {
            out.add(classify(script.source(), statement.tokens(), statement.index(), searchPath, true));
        }
        return out;
    }

    /** Classifies statement {@code i} of a script under {@code searchPath}. */
    public StatementFacts classify(LexedScript script, int i, List<String> searchPath) {
        LexedStatement statement = script.statements().get(i);
        return classify(script.source(), statement.tokens(), statement.index(), searchPath, true);
    }

    /** Classifies one statement (or a wrapped one); {@code topLevel} allows the row-cap rewrite site. */
    StatementFacts classify(String source, List<Token> tokens, int index, List<String> searchPath, boolean topLevel) {
        FactsBuilder b = new FactsBuilder();
        try {
            dispatch(source, tokens, b, searchPath, topLevel);
        } catch (RuntimeException | StackOverflowError e) {
            b.unparseable("internal classifier error: " + e);
        }
        int start = tokens.isEmpty() ? 0 : tokens.get(0).start();
        int end = tokens.isEmpty() ? 0 : tokens.get(tokens.size() - 1).end();
        return b.build(index, start, end, source.substring(start, end), SqlRedactor.fingerprint(tokens));
    }

    private void dispatch(String source, List<Token> tokens, FactsBuilder b, List<String> searchPath, boolean topLevel) {
        if (tokens.isEmpty()) {
            b.unparseable("empty statement");
            return;
        }
        Token first = tokens.get(0);
        if (first.type() == TokenType.LPAREN || (first.type() == TokenType.IDENT && PARSED_LEADERS.contains(first.value()))) {
            fullParse(source, tokens, b, searchPath, topLevel);
        } else if (first.type() == TokenType.IDENT) {
            new UtilityClassifier(this, source, searchPath).classify(tokens, b);
        } else {
            b.syntaxError("syntax error at or near \"" + first.text() + "\"");
        }
    }

    /** Classifies a wrapped statement (inside EXPLAIN, PREPARE, COPY (...)). */
    StatementFacts classifyInner(String source, List<Token> tokens, List<String> searchPath) {
        return classify(source, tokens, 0, searchPath, false);
    }

    /** Classifies the query of DECLARE CURSOR, with its row-cap rewrite site: it alone bounds what FETCH returns. */
    StatementFacts classifyCursorQuery(String source, List<Token> tokens, List<String> searchPath) {
        return classify(source, tokens, 0, searchPath, true);
    }

    // ---------------------------------------------------------------- full parser

    void fullParse(String source, List<Token> tokens, FactsBuilder b, List<String> searchPath, boolean topLevel) {
        String refusal = tooComplex(LiteralListCompactor.compact(tokens)); // what the parser would be given
        if (refusal != null) {
            b.unparseable(refusal);
            return;
        }
        int currentOf = whereCurrentOf(tokens);
        if (currentOf >= 0) { // JSqlParser lacks WHERE CURRENT OF: parse without it, it restricts to one row
            List<Token> without = new ArrayList<>(tokens.subList(0, currentOf));
            without.addAll(tokens.subList(currentOf + 4, tokens.size()));
            fullParse(source, without, b, searchPath, false);
            b.writes.replaceAll(w -> w.where() == WhereStatus.MISSING
                    ? new WriteOperation(w.kind(), w.table(), WhereStatus.RESTRICTING, "WHERE CURRENT OF a cursor") : w);
            return;
        }
        boolean tableShorthand = tokens.get(0).isKeyword("table");
        ParserInput input = ParserInput.of(tableShorthand ? tokens.subList(1, tokens.size()) : tokens);
        String text = tableShorthand ? "SELECT * FROM " + input.text : input.text;
        Statement statement = tableShorthand ? null : ShapeParser.parse(input.tokens);
        try {
            if (statement == null) {
                statement = parse(text);
            }
        } catch (Exception | StackOverflowError e) { // ParseException, TokenMgrException, deep recursion
            if (e instanceof BudgetExceeded) {
                b.unparseable(e.getMessage());
                return;
            }
            if (selectInto(tokens)) {
                b.kind = CommandKind.CREATE_TABLE_AS;
                b.unknown("SELECT INTO that the parser cannot read: " + firstLine(e.getMessage()));
                return;
            }
            ParserInput quoted = ParserInput.of(tableShorthand ? tokens.subList(1, tokens.size()) : tokens, true);
            try {
                statement = parse(tableShorthand ? "SELECT * FROM " + quoted.text : quoted.text);
                input = quoted;
            } catch (Exception | StackOverflowError again) {
                if (again instanceof BudgetExceeded) {
                    b.unparseable(again.getMessage());
                    return;
                }
                b.unparseable("the SQL parser cannot read this statement: " + firstLine(e.getMessage()));
                return;
            }
        }
        b.parsedBy = ParsedBy.FULL_PARSER;
        AstFactsCollector collector = new AstFactsCollector(input, tokens);
        try {
            collector.collect(statement, ParserInput.hasType(input.tokens, TokenType.LPAREN));
        } catch (RuntimeException e) { // a defect of the analysis: the client is told that much, not Java's message
            b.unparseable("the statement's structure cannot be analysed (" + e.getClass().getSimpleName() + ")");
            return;
        }
        b.kind = kindOf(statement, collector);
        if (b.kind == CommandKind.SELECT && selectInto(tokens)) {
            b.kind = CommandKind.CREATE_TABLE_AS; // whatever the parser made of INTO TEMP / UNLOGGED
        }
        if (quotedNameWithDot(tokens)) {
            b.unknown("a quoted name with a dot inside it cannot be analysed: the SQL parser splits it into "
                    + "schema and table");
        }
        recordTables(collector, b, searchPath);
        recordWrites(collector, b, searchPath);
        recordCalls(statement, collector, input, b, searchPath);
        recordCallsTheParserDid(tokens, collector, b, searchPath);
        if (input.replacedOperators && collector.writes.stream().anyMatch(w -> w.where() != WhereStatus.NOT_APPLICABLE)
                && replacedInACondition(input)) {
            b.unknown("an UPDATE, DELETE or MERGE whose conditions use an operator the SQL parser cannot read: "
                    + "PgGuard cannot tell which rows it changes");
        }
        if (statement instanceof Select select && b.kind == CommandKind.SELECT) {
            b.limit = literalLimit(select);
            if (topLevel && !tableShorthand) {
                b.rowCapRewrite = rewriteSite(select, tokens, b);
            }
        }
    }

    /** JSqlParser reads "a.b" as schema a, table b where PostgreSQL reads one name: tables could be misnamed. */
    private static boolean quotedNameWithDot(List<Token> tokens) {
        for (Token t : tokens) {
            if (t.type() == TokenType.QUOTED_IDENT && t.value().indexOf('.') >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Index of a top-level "WHERE CURRENT OF cursor" in UPDATE/DELETE, or -1. */
    private static int whereCurrentOf(List<Token> tokens) {
        if (!tokens.get(0).isKeyword("update") && !tokens.get(0).isKeyword("delete")) {
            return -1;
        }
        int where = new TokenCursor(tokens, 0).findTopLevel("where");
        boolean currentOf = where >= 0 && where + 3 < tokens.size() && tokens.get(where + 1).isKeyword("current")
                && tokens.get(where + 2).isKeyword("of");
        return currentOf ? where : -1;
    }

    /** SELECT ... INTO at the top level creates a table (PostgreSQL's SELECT INTO is CREATE TABLE AS). */
    static boolean selectInto(List<Token> tokens) {
        return tokens.get(0).isKeyword("select") && new TokenCursor(tokens, 0).findTopLevel("into") >= 0;
    }

    /**
     * Parses one statement on the calling thread (CCJSqlParserUtil.parse would start a thread per call). Like
     * CCJSqlParserUtil, it tries JSqlParser's simple mode first and its complex mode (more lookahead, several times
     * slower) only when the simple one fails; both attempts share one time budget.
     */
    static Statement parse(String text) throws Exception {
        CCJSqlParser simple = newParser(text, false);
        try (ParseWatchdog.Slot watch = ParseWatchdog.arm(simple)) {
            try {
                return simple.Statement();
            } catch (Exception | StackOverflowError e) {
                if (watch.fired()) {
                    throw new BudgetExceeded();
                }
            }
            CCJSqlParser complex = newParser(text, true);
            watch.switchTo(complex);
            try {
                return complex.Statement();
            } catch (Exception | StackOverflowError e) {
                if (watch.fired()) {
                    throw new BudgetExceeded();
                }
                throw e;
            }
        }
    }

    private static CCJSqlParser newParser(String text, boolean complex) {
        return new CCJSqlParser(new ParserTextProvider(text)).withDialect(AbstractJSqlParser.Dialect.POSTGRESQL)
                .withAllowComplexParsing(complex);
    }

    /** Thrown when the watchdog stopped a parse; not retried, reported as such (and not cached by the engine). */
    private static final class BudgetExceeded extends Exception {
        BudgetExceeded() {
            super(ParseWatchdog.BUDGET_EXCEEDED + " (" + ParseWatchdog.budgetMillis + " ms)", null, false, false);
        }
    }

    private static String tooComplex(List<Token> tokens) {
        if (tokens.size() > MAX_TOKENS) {
            return "statement too large to analyse (" + tokens.size() + " tokens, limit " + MAX_TOKENS + ")";
        }
        int depth = 0;
        int max = 0;
        for (Token t : tokens) {
            if (t.type() == TokenType.LPAREN || t.type() == TokenType.LBRACKET) {
                max = Math.max(max, ++depth);
            } else if (t.type() == TokenType.RPAREN || t.type() == TokenType.RBRACKET) {
                depth--;
            }
        }
        return max > MAX_NESTING ? "statement nested too deeply to analyse (" + max + " levels, limit " + MAX_NESTING + ")" : null;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        String line = s.strip();
        int nl = line.indexOf('\n');
        line = nl < 0 ? line : line.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    private static CommandKind kindOf(Statement statement, AstFactsCollector collector) {
        if (statement instanceof Select) {
            return collector.selectIntoTargets.isEmpty() ? CommandKind.SELECT : CommandKind.CREATE_TABLE_AS;
        }
        if (statement instanceof Insert) {
            return CommandKind.INSERT;
        }
        if (statement instanceof Update) {
            return CommandKind.UPDATE;
        }
        if (statement instanceof Delete) {
            return CommandKind.DELETE;
        }
        if (statement instanceof Merge) {
            return CommandKind.MERGE;
        }
        return CommandKind.UNKNOWN;
    }

    private void recordTables(AstFactsCollector collector, FactsBuilder b, List<String> searchPath) {
        for (AstFactsCollector.Occurrence o : collector.accesses()) {
            Table t = o.table();
            String name = Names.normalize(t.getName());
            if (t.getSchemaName() != null) {
                b.tables.add(access(Names.normalize(t.getSchemaName()), name, o.access()));
            } else {
                addUnqualified(b, name, o.access(), searchPath);
            }
        }
        if (b.kind == CommandKind.UNKNOWN) {
            b.unknown("statement type " + "not classified by the parser");
        }
    }

    /** An unqualified name may resolve to any schema of a custom search_path: record each candidate. */
    static void addUnqualified(FactsBuilder b, String name, Access access, List<String> searchPath) {
        String first = NameResolver.schemaFor(name, searchPath);
        b.tables.add(access(first, name, access));
        if (searchPath != null && !NameResolver.isCatalogSchema(first)) {
            for (String s : searchPath) {
                if (!NameResolver.isImplicitOrAbsent(s)) {
                    b.tables.add(access(s, name, access));
                }
            }
        }
    }

    static TableAccess access(String schema, String name, Access access) {
        return new TableAccess(schema, name, access, NameResolver.isCatalogSchema(schema));
    }

    private static void recordWrites(AstFactsCollector collector, FactsBuilder b, List<String> searchPath) {
        for (AstFactsCollector.Write w : collector.writes) {
            Table t = w.target();
            String qualified = t == null ? "?" : (t.getSchemaName() != null ? Names.normalize(t.getSchemaName())
                    : NameResolver.schemaFor(Names.normalize(t.getName()), searchPath)) + "." + Names.normalize(t.getName());
            b.writes.add(new WriteOperation(w.kind(), qualified, w.where(), w.reason(), w.condition()));
        }
        for (Table into : collector.selectIntoTargets) {
            b.writes.add(new WriteOperation(CommandKind.CREATE_TABLE_AS, Names.normalize(into.getName()),
                    WhereStatus.NOT_APPLICABLE, "SELECT INTO creates a table"));
        }
    }

    private void recordCalls(Statement statement, AstFactsCollector collector, ParserInput input, FactsBuilder b,
            List<String> searchPath) {
        WhereAnalyzer constants = new WhereAnalyzer(input);
        for (AstFactsCollector.Call call : collector.calls) {
            List<String> parts = call.nameParts();
            String name = Names.normalize(parts.get(parts.size() - 1));
            String schema = parts.size() >= 2 ? Names.normalize(parts.get(parts.size() - 2)) : null;
            List<String> literalArgs = new ArrayList<>();
            for (Expression arg : call.args()) {
                Object v = constants.constantValue(arg);
                String keyword = arg.toString().trim();
                literalArgs.add(v instanceof String s ? s
                        : keyword.equalsIgnoreCase("true") || keyword.equalsIgnoreCase("false") ? keyword : null);
            }
            if (name.equals("set_config") && !literalArgs.isEmpty() && literalArgs.get(0) == null) {
                literalArgs.set(0, PinnedSettingName.of(statement, call.args(), constants, searchPath, input.tokens));
            }
            judgeCall(schema, name, literalArgs, b, searchPath);
        }
    }

    /**
     * A safety net under the parser for the functions that must never run: a denied function's name or set_config
     * followed by '(' in the text is judged as a call (its arguments unknown) where JSqlParser's tree holds fewer
     * calls of that name than the text. JSqlParser may turn a call into something else: in
     * {@code xmlroot(x, version pg_read_file('f'))}
     * it keeps pg_read_file as a keyword of xmlroot. Not where the name is a table's or a CTE's with a column list
     * ({@code INSERT INTO lo_items (a)}, {@code WITH lo_x(a) AS (...)}).
     */
    private void recordCallsTheParserDid(List<Token> tokens, AstFactsCollector collector, FactsBuilder b,
            List<String> searchPath) {
        // A name counts once for each call of it the tree holds: set_config may be allowed in one call and change
        // the role in another that JSqlParser made something else.
        java.util.Map<String, Integer> parsed = new java.util.HashMap<>();
        for (AstFactsCollector.Call call : collector.calls) {
            parsed.merge(Names.normalize(call.nameParts().get(call.nameParts().size() - 1)), 1, Integer::sum);
        }
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (!ParserInput.isName(t) || tokens.get(i + 1).type() != TokenType.LPAREN) {
                continue;
            }
            String name = t.value();
            if (!(FunctionCatalog.isDenied(name) || name.equals("set_config"))) {
                continue;
            }
            boolean qualified = i >= 2 && tokens.get(i - 1).type() == TokenType.DOT && ParserInput.isName(tokens.get(i - 2));
            int first = qualified ? i - 2 : i;
            if (namesARelation(tokens, first, i + 1)) {
                continue;
            }
            int inTree = parsed.getOrDefault(name, 0);
            if (inTree > 0) {
                parsed.put(name, inTree - 1); // this occurrence is one the tree holds
                continue;
            }
            judgeCall(qualified ? tokens.get(i - 2).value() : null, name, List.of(), b, searchPath);
        }
    }

    /** Whether the name at [first, paren) is a relation's with a column list: after INTO/AS/TABLE/..., or a CTE's. */
    private static boolean namesARelation(List<Token> tokens, int first, int paren) {
        if (first > 0) {
            Token before = tokens.get(first - 1);
            for (String keyword : new String[] {"into", "as", "table", "copy", "references", "only"}) {
                if (before.isKeyword(keyword)) {
                    return true;
                }
            }
            if (aliasAfterAFromItem(tokens, first)) {
                return true; // FROM t lo_x(a, b): an alias without AS, with column names
            }
        }
        int close = new TokenCursor(tokens, paren).matchingParen(paren);
        if (close < 0 || close + 2 >= tokens.size() || !tokens.get(close + 1).isKeyword("as")) {
            return false;
        }
        Token afterAs = tokens.get(close + 2);
        return afterAs.type() == TokenType.LPAREN || afterAs.isKeyword("materialized") || afterAs.isKeyword("not");
    }

    /**
     * Whether an operator was replaced for the parser in what decides a write's rows: after the statement's
     * top-level WHERE (or a MERGE's ON) and before its RETURNING. One in SET's values or in RETURNING decides none.
     */
    private static boolean replacedInACondition(ParserInput input) {
        List<Token> tokens = input.tokens;
        boolean merge = !tokens.isEmpty() && tokens.get(0).isKeyword("merge");
        int from = -1;
        int to = tokens.size();
        int depth = 0;
        for (int k = 0; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.type() == TokenType.LPAREN) {
                depth++;
            } else if (t.type() == TokenType.RPAREN) {
                depth--;
            } else if (depth == 0 && from < 0 && (merge ? t.isKeyword("on") : t.isKeyword("where"))) {
                from = k;
            } else if (depth == 0 && from >= 0 && t.isKeyword("returning")) {
                to = k;
                break;
            }
        }
        if (from < 0) {
            return false;
        }
        for (int at : input.replacedOperatorAt) {
            if (at > from && at < to) {
                return true;
            }
        }
        return false;
    }

    /** Whether the name at {@code at} follows FROM or JOIN and a table's (possibly qualified) name. */
    private static boolean aliasAfterAFromItem(List<Token> tokens, int at) {
        int k = at - 1;
        if (k < 0 || !ParserInput.isName(tokens.get(k))) {
            return false;
        }
        while (k >= 2 && tokens.get(k - 1).type() == TokenType.DOT && ParserInput.isName(tokens.get(k - 2))) {
            k -= 2;
        }
        return k >= 1 && (tokens.get(k - 1).isKeyword("from") || tokens.get(k - 1).isKeyword("join"));
    }


    /** Judges one call; shared with the fallback (CALL) path. {@code literalArgs} holds string constants or null. */
    void judgeCall(String schema, String name, List<String> literalArgs, FactsBuilder b,
            List<String> searchPath) {
        String display = schema == null ? name : schema + "." + name;
        boolean builtinName = schema == null || schema.equals("pg_catalog");
        if (builtinName && schema == null && SYNTAX_FUNCTIONS.contains(name)) {
            return;
        }
        if (builtinName && name.equals("set_config")) {
            judgeSetConfig(literalArgs, b);
            return;
        }
        if (builtinName && (FunctionCatalog.SEQUENCE_WRITERS.contains(name) || FunctionCatalog.SEQUENCE_READERS.contains(name))) {
            judgeSequenceCall(name, literalArgs, b, searchPath);
            return;
        }
        if (builtinName && name.equals("lastval")) {
            b.functions.add(new FunctionCall(display, FunctionCall.Effect.READ, "reads the session's last sequence value"));
            return;
        }
        FunctionCatalog.Verdict v = functions.judge(schema, name, NameResolver.path(searchPath));
        b.functions.add(new FunctionCall(display, v.effect(), v.reason()));
        if (v.effect() == FunctionCall.Effect.UNKNOWN) {
            b.unknown("function " + display + "() is " + v.reason());
        }
        if (v.configured() != null) {
            for (String table : v.configured().writes()) {
                int dot = table.indexOf('.');
                b.tables.add(dot < 0 ? access("public", table, Access.UPDATE)
                        : access(table.substring(0, dot), table.substring(dot + 1), Access.UPDATE));
            }
        }
    }

    /** A boolean as PostgreSQL reads one from text; null when the text is none (or not a literal at all). */
    private static Boolean booleanLiteral(String text) {
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "t", "yes", "y", "on", "1" -> Boolean.TRUE;
            case "false", "f", "no", "n", "off", "0" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static void judgeSetConfig(List<String> args, FactsBuilder b) {
        String setting = args.isEmpty() ? null : args.get(0);
        if (setting == null) {
            b.functions.add(new FunctionCall("set_config", FunctionCall.Effect.UNKNOWN, "setting name is not a literal"));
            b.unknown("set_config() with a setting name that is not a literal could change the role");
            b.lexingChange = true; // or client_encoding: the proxy reads what follows once it is answered
            return;
        }
        setting = setting.trim().toLowerCase(Locale.ROOT);
        String value = args.size() > 1 ? args.get(1) : null;
        b.setting = setting;
        if (setting.equals("role") || setting.equals("session_authorization") || setting.equals("search_path")) {
            Boolean local = args.size() > 2 ? booleanLiteral(args.get(2)) : Boolean.FALSE;
            if (local == null) {
                b.unknown("set_config('" + setting + "', ...) whose is_local is not a boolean literal: PgGuard could"
                        + " not tell when the change ends");
            } else {
                b.localChange = local;
            }
        }
        switch (setting) {
            case "role", "session_authorization" -> {
                b.roleChange = value == null ? "?" : (value.equalsIgnoreCase("none") || value.isEmpty() ? "" : value);
                b.functions.add(new FunctionCall("set_config", FunctionCall.Effect.WRITE, "changes " + setting));
            }
            case "search_path" -> {
                if (value == null) {
                    b.unknown("set_config('search_path', ...) with a value that is not a literal");
                } else {
                    b.searchPathChange = UtilityClassifier.parseSearchPath(value);
                }
                b.functions.add(new FunctionCall("set_config", FunctionCall.Effect.WRITE, "changes search_path"));
            }
            case "client_encoding", "standard_conforming_strings" -> {
                b.lexingChange = true;
                b.functions.add(new FunctionCall("set_config", FunctionCall.Effect.READ, "changes " + setting));
            }
            default -> b.functions.add(new FunctionCall("set_config", FunctionCall.Effect.READ, "ordinary setting " + setting));
        }
    }

    private static void judgeSequenceCall(String name, List<String> args, FactsBuilder b, List<String> searchPath) {
        String sequence = args.isEmpty() ? null : args.get(0);
        if (sequence == null) {
            b.functions.add(new FunctionCall(name, FunctionCall.Effect.UNKNOWN, "sequence name is not a literal"));
            b.unknown(name + "() of a sequence given by a non-literal");
            return;
        }
        String[] parsed = UtilityClassifier.parseRegclassLiteral(sequence);
        if (parsed == null) {
            b.unknown(name + "() of an unreadable sequence name '" + sequence + "'");
            return;
        }
        boolean writes = FunctionCatalog.SEQUENCE_WRITERS.contains(name);
        Access a = writes ? Access.UPDATE : Access.READ;
        if (parsed[0] != null) {
            b.tables.add(access(parsed[0], parsed[1], a));
        } else {
            addUnqualified(b, parsed[1], a, searchPath);
        }
        b.functions.add(new FunctionCall(name, writes ? FunctionCall.Effect.WRITE : FunctionCall.Effect.READ,
                (writes ? "advances" : "reads") + " sequence " + sequence));
    }

    // ---------------------------------------------------------------- row limits

    private static long literalLimit(Select select) {
        if (!(select instanceof PlainSelect ps)) {
            return select.getLimit() != null || select.getFetch() != null ? StatementFacts.NON_LITERAL_LIMIT : StatementFacts.NO_LIMIT;
        }
        if (ps.getLimit() != null) {
            Expression rows = ps.getLimit().getRowCount();
            if (rows == null || rows instanceof AllValue || rows instanceof NullValue) {
                return StatementFacts.NO_LIMIT;
            }
            return rows instanceof LongValue l ? l.getValue() : StatementFacts.NON_LITERAL_LIMIT;
        }
        if (ps.getFetch() != null) {
            Expression rows = ps.getFetch().getExpression();
            if (rows == null) {
                return ps.getFetch().getRowCount() > 0 ? ps.getFetch().getRowCount() : 1;
            }
            return rows instanceof LongValue l ? l.getValue() : StatementFacts.NON_LITERAL_LIMIT;
        }
        return StatementFacts.NO_LIMIT;
    }

    /**
     * Where LIMIT can be set without changing what the statement means: a plain SELECT (no UNION, whose trailing
     * LIMIT JSqlParser and readers misattribute), no row locks (a LIMIT would lock fewer rows), no SELECT INTO, no
     * data-modifying CTE. The edit is made on our token positions: after the last token (before any trailing
     * comment, which could otherwise swallow it), or on the literal count of an existing LIMIT / FETCH FIRST.
     */
    private static RewriteSite rewriteSite(Select select, List<Token> tokens, FactsBuilder b) {
        if (!(select instanceof PlainSelect ps) || ps.getForMode() != null || ps.getForUpdate() != null
                || ps.getIntoTables() != null || !b.writes.isEmpty() || ps.getLimitBy() != null) {
            return null;
        }
        if (b.limit == StatementFacts.NON_LITERAL_LIMIT) {
            return null;
        }
        TokenCursor cursor = new TokenCursor(tokens, 0);
        int limitAt = cursor.findTopLevel("limit");
        if (limitAt >= 0) {
            Token count = limitAt + 1 < tokens.size() ? tokens.get(limitAt + 1) : null;
            boolean simple = count != null && (count.type() == TokenType.NUMBER || count.isKeyword("all") || count.isKeyword("null"))
                    && (limitAt + 2 == tokens.size() || tokens.get(limitAt + 2).isKeyword("offset"));
            return simple ? new RewriteSite(count.start(), count.end(), "") : null;
        }
        int fetchAt = cursor.findTopLevel("fetch");
        if (fetchAt >= 0) {
            Token count = fetchAt + 2 < tokens.size() ? tokens.get(fetchAt + 2) : null;
            return count != null && count.type() == TokenType.NUMBER ? new RewriteSite(count.start(), count.end(), "") : null;
        }
        Token last = tokens.get(tokens.size() - 1);
        return new RewriteSite(last.end(), last.end(), " LIMIT ");
    }
}
