package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.TimeKeyExpression;
import net.sf.jsqlparser.expression.operators.arithmetic.Addition;
import net.sf.jsqlparser.expression.operators.arithmetic.Concat;
import net.sf.jsqlparser.expression.operators.arithmetic.Division;
import net.sf.jsqlparser.expression.operators.arithmetic.Modulo;
import net.sf.jsqlparser.expression.operators.arithmetic.Multiplication;
import net.sf.jsqlparser.expression.operators.arithmetic.Subtraction;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.LikeExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ReturningClause;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.Distinct;
import net.sf.jsqlparser.statement.select.Fetch;
import net.sf.jsqlparser.statement.select.ForMode;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.Offset;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;

/**
 * Builds JSqlParser's AST for the statement shapes OLTP applications send most, straight from our tokens: a
 * single-block SELECT over tables and joins (LIMIT / OFFSET / FETCH FIRST, one row-locking clause), INSERT ...
 * VALUES, and UPDATE / DELETE of one table by a condition, each with RETURNING where PostgreSQL allows it,
 * with plain expressions (columns, constants, parameters, calls, AND/OR/NOT, comparisons, IN lists, LIKE,
 * BETWEEN, IS NULL, arithmetic). JSqlParser's generated parser spends most of its 30-150 µs per statement in
 * lookahead; this reads those shapes in a few µs and hands the rest of the classifier the same tree.
 *
 * <p>It reads as PostgreSQL does or not at all: a keyword of PostgreSQL's grammar where a name would be, a
 * subquery, a cast, a typed literal, a clause it does not know, or anything left over makes {@link #parse} return
 * null, and the statement goes to JSqlParser as before. String constants become the placeholders
 * {@link ParserInput} writes, numbered in the same order, so literal values resolve the same way. Its tests
 * compare its tree with JSqlParser's field by field.
 */
final class ShapeParser {
    /**
     * Words that are not plain names here: PostgreSQL's reserved, type/function-name and column-name keywords
     * (which take special syntax: typed literals, CAST, EXTRACT...) and the words of clauses this parser does not
     * read (window functions, set operations, NULLS FIRST/LAST) or reads only in their own place (OFFSET ... ROWS,
     * FETCH FIRST, FOR UPDATE OF ... SKIP LOCKED).
     */
    private static final Set<String> NOT_A_NAME = Set.copyOf(List.of(
            // PostgreSQL reserved keywords
            "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
            "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
            "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
            "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
            "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
            "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
            "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true", "union",
            "unique", "user", "using", "variadic", "when", "where", "window", "with",
            // type and function name keywords
            "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
            "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
            "right", "similar", "tablesample", "verbose",
            // column name keywords
            "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists",
            "extract", "float", "greatest", "grouping", "inout", "int", "integer", "interval", "least", "merge_action",
            "national", "nchar", "none", "normalize", "nullif", "numeric", "out", "overlay", "position", "precision",
            "real", "row", "setof", "smallint", "substring", "time", "timestamp", "treat", "trim", "values",
            "varchar", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces",
            "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable", "json", "json_array", "json_arrayagg",
            "json_exists", "json_object", "json_objectagg", "json_query", "json_scalar", "json_serialize",
            "json_table", "json_value",
            // clause words this parser does not read, and words JSqlParser gives a meaning of its own
            "over", "filter", "within", "escape", "nulls", "first", "last", "rows", "range", "groups", "partition",
            "window", "skip", "locked", "nowait", "share", "key", "of", "current", "prior", "connect", "start",
            "level", "rownum", "top", "straight_join", "apply", "semi", "anti", "qualify", "date", "uescape",
            "operator", "at", "zone", "set", "conflict", "overriding", "ordinality", "recursive", "materialized",
            "returning", "output", "ignore", "duplicate", "glob", "regexp", "rlike", "match", "against", "div",
            "sample", "pivot", "unpivot", "lock", "minus", "exclude", "execute", "close", "declare", "fetch",
            "next", "format", "connect_by_root", "sibling", "siblings", "unsigned", "signed"));

    /** Thrown, without a stack trace, at the first thing outside the shapes this parser reads. */
    private static final class NotAShape extends RuntimeException {
        NotAShape() {
            super(null, null, false, false);
        }
    }

    private static final NotAShape NOT_A_SHAPE = new NotAShape();

    private final List<Token> tokens;
    private int i;
    private int strings;

    private ShapeParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** The statement's AST, or null when it is not one of the shapes read here. */
    static Statement parse(List<Token> tokens) {
        if (tokens.isEmpty()) {
            return null;
        }
        ShapeParser p = new ShapeParser(tokens);
        try {
            Statement s = p.statement();
            return p.i == tokens.size() ? s : null;
        } catch (NotAShape e) {
            return null;
        }
    }

    private Statement statement() {
        Token first = tokens.get(0);
        if (first.isKeyword("select")) {
            return select();
        } else if (first.isKeyword("insert")) {
            return insert();
        } else if (first.isKeyword("update")) {
            return update();
        } else if (first.isKeyword("delete")) {
            return delete();
        }
        throw NOT_A_SHAPE;
    }

    // ---------------------------------------------------------------- statements

    private PlainSelect select() {
        expect("select");
        PlainSelect select = new PlainSelect();
        if (accept("distinct")) {
            if (peekKeyword("on")) {
                throw NOT_A_SHAPE;
            }
            select.setDistinct(new Distinct());
        }
        select.setSelectItems(selectItems());
        if (accept("from")) {
            select.setFromItem(table(true));
            List<Join> joins = joins();
            if (!joins.isEmpty()) {
                select.setJoins(joins);
            }
        }
        if (accept("where")) {
            select.setWhere(expression());
        }
        if (acceptPair("group", "by")) {
            GroupByElement groupBy = new GroupByElement();
            groupBy.setGroupByExpressions(new ExpressionList<>(expressionList()));
            select.setGroupByElement(groupBy);
        }
        if (accept("having")) {
            select.setHaving(expression());
        }
        if (acceptPair("order", "by")) {
            select.setOrderByElements(orderBy());
        }
        if (accept("limit")) {
            Limit limit = new Limit();
            limit.setRowCount(accept("all") ? new AllValue() : countOrParameter());
            select.setLimit(limit);
        }
        if (accept("offset")) {
            Offset offset = new Offset();
            offset.setOffset(countOrParameter());
            if (peekKeyword("row") || peekKeyword("rows")) {
                offset.setOffsetParam(next().value().toUpperCase(Locale.ROOT));
            }
            select.setOffset(offset);
        }
        if (select.getLimit() == null && accept("fetch")) {
            select.setFetch(fetch());
        }
        if (accept("for")) {
            rowLock(select);
        }
        return select;
    }

    /** FETCH {FIRST | NEXT} n {ROW | ROWS} ONLY, as Hibernate 6 pages. */
    private Fetch fetch() {
        Fetch fetch = new Fetch();
        if (accept("first")) {
            fetch.setFetchParamFirst(true);
        } else {
            expect("next");
        }
        fetch.setExpression(countOrParameter());
        Token unit = next();
        if (!unit.isKeyword("row") && !unit.isKeyword("rows")) {
            throw NOT_A_SHAPE;
        }
        expect("only");
        fetch.addFetchParameter(unit.value().toUpperCase(Locale.ROOT));
        fetch.addFetchParameter("ONLY");
        return fetch;
    }

    /** FOR {UPDATE | NO KEY UPDATE | SHARE | KEY SHARE} [OF table, ...] [NOWAIT | SKIP LOCKED]: one clause. */
    private void rowLock(PlainSelect select) {
        if (accept("update")) {
            select.setForMode(ForMode.UPDATE);
        } else if (accept("share")) {
            select.setForMode(ForMode.SHARE);
        } else if (acceptPair("no", "key")) {
            expect("update");
            select.setForMode(ForMode.NO_KEY_UPDATE);
        } else if (acceptPair("key", "share")) {
            select.setForMode(ForMode.KEY_SHARE);
        } else {
            throw NOT_A_SHAPE;
        }
        if (accept("of")) {
            List<Table> tables = new ArrayList<>();
            do {
                tables.add(new Table(name()));
            } while (acceptType(TokenType.COMMA));
            select.setForUpdateTables(tables);
        }
        if (accept("nowait")) {
            select.setNoWait(true);
        } else if (acceptPair("skip", "locked")) {
            select.setSkipLocked(true);
        }
    }

    private Insert insert() {
        expect("insert");
        expect("into");
        Insert insert = new Insert();
        insert.setTable(table(false));
        if (peekType(TokenType.LPAREN)) {
            i++;
            ExpressionList<Column> columns = new ExpressionList<>();
            do {
                columns.add(new Column(name()));
            } while (acceptType(TokenType.COMMA));
            expectType(TokenType.RPAREN);
            insert.setColumns(columns);
        }
        expect("values");
        List<Expression> rows = new ArrayList<>();
        do {
            expectType(TokenType.LPAREN);
            rows.add(new ParenthesedExpressionList<>(expressionList()));
            expectType(TokenType.RPAREN);
        } while (acceptType(TokenType.COMMA));
        Values values = new Values();
        if (rows.size() == 1) { // JSqlParser keeps a single row as the list itself
            values.setExpressions((ParenthesedExpressionList<Expression>) rows.get(0));
        } else {
            values.setExpressions(new ExpressionList<>(rows));
        }
        insert.setSelect(values);
        if (accept("returning")) {
            insert.setReturningClause(new ReturningClause("RETURNING", selectItems()));
        }
        return insert;
    }

    private Update update() {
        expect("update");
        Update update = new Update();
        update.setTable(table(true));
        expect("set");
        List<UpdateSet> sets = new ArrayList<>();
        do {
            Column column = new Column(name());
            expectOperator("=");
            sets.add(new UpdateSet(column, expression()));
        } while (acceptType(TokenType.COMMA));
        update.setUpdateSets(sets);
        if (accept("where")) {
            update.setWhere(expression());
        }
        if (accept("returning")) {
            update.setReturningClause(new ReturningClause("RETURNING", selectItems()));
        }
        return update;
    }

    private Delete delete() {
        expect("delete");
        expect("from");
        Delete delete = new Delete();
        delete.setHasFrom(true);
        delete.setTable(table(true));
        if (accept("where")) {
            delete.setWhere(expression());
        }
        if (accept("returning")) {
            delete.setReturningClause(new ReturningClause("RETURNING", selectItems()));
        }
        return delete;
    }

    // ---------------------------------------------------------------- clauses

    private List<SelectItem<?>> selectItems() {
        List<SelectItem<?>> items = new ArrayList<>();
        do {
            items.add(selectItem());
        } while (acceptType(TokenType.COMMA));
        return items;
    }

    private SelectItem<?> selectItem() {
        if (peekOperator("*")) {
            i++;
            return new SelectItem<>(new AllColumns());
        }
        if (isName(peek(0)) && peekType(1, TokenType.DOT) && peek(2) != null && peek(2).isOperator("*")) {
            String table = name();
            i += 2;
            return new SelectItem<>(new AllTableColumns(new Table(table), null, null, null));
        }
        SelectItem<Expression> item = new SelectItem<>(expression());
        Alias alias = alias();
        if (alias != null) {
            item.setAlias(alias);
        }
        return item;
    }

    /** [AS] name, or null. Without AS only a word that is no keyword at all reads as an alias. */
    private Alias alias() {
        if (accept("as")) {
            return new Alias(name(), true);
        }
        return isName(peek(0)) ? new Alias(name(), false) : null;
    }

    /** [schema .] table, with an alias where {@code aliased}. */
    private Table table(boolean aliased) {
        String first = name();
        Table table;
        if (acceptType(TokenType.DOT)) {
            table = new Table(first, name());
        } else {
            table = new Table(first);
        }
        if (peekType(TokenType.DOT)) {
            throw NOT_A_SHAPE; // database.schema.table
        }
        if (aliased) {
            Alias alias = alias();
            if (alias != null) {
                table.setAlias(alias);
            }
        }
        return table;
    }

    private List<Join> joins() {
        List<Join> joins = new ArrayList<>();
        while (true) {
            Join join = new Join();
            if (acceptType(TokenType.COMMA)) {
                join.setSimple(true);
                join.setFromItem(table(true));
                joins.add(join);
                continue;
            }
            boolean needsOn = true;
            if (accept("inner")) {
                join.setInner(true);
            } else if (accept("left")) {
                join.setLeft(true);
                join.setOuter(accept("outer"));
            } else if (accept("right")) {
                join.setRight(true);
                join.setOuter(accept("outer"));
            } else if (accept("full")) {
                join.setFull(true);
                join.setOuter(accept("outer"));
            } else if (accept("cross")) {
                join.setCross(true);
                needsOn = false;
            } else if (!peekKeyword("join")) {
                return joins;
            }
            expect("join");
            join.setFromItem(table(true));
            if (needsOn) {
                expect("on");
                join.addOnExpression(expression());
            }
            joins.add(join);
        }
    }

    private List<OrderByElement> orderBy() {
        List<OrderByElement> elements = new ArrayList<>();
        do {
            OrderByElement e = new OrderByElement();
            e.setExpression(expression());
            if (accept("asc")) {
                e.setAscDescPresent(true);
            } else if (accept("desc")) {
                e.setAsc(false);
                e.setAscDescPresent(true);
            }
            elements.add(e);
        } while (acceptType(TokenType.COMMA));
        return elements;
    }

    private Expression countOrParameter() {
        Token t = next();
        if (t.type() == TokenType.PARAM) {
            return parameter(t);
        }
        if (t.type() == TokenType.NUMBER && isInteger(t.text())) {
            return new LongValue(t.text());
        }
        throw NOT_A_SHAPE;
    }

    // ---------------------------------------------------------------- expressions, loosest binding first

    private List<Expression> expressionList() {
        List<Expression> list = new ArrayList<>();
        do {
            list.add(expression());
        } while (acceptType(TokenType.COMMA));
        return list;
    }

    private Expression expression() {
        Expression left = conjunction();
        while (accept("or")) {
            left = new OrExpression(left, conjunction());
        }
        return left;
    }

    private Expression conjunction() {
        Expression left = negation();
        while (accept("and")) {
            left = new AndExpression(left, negation());
        }
        return left;
    }

    private Expression negation() {
        if (accept("not")) {
            if (peekKeyword("not")) {
                throw NOT_A_SHAPE;
            }
            return new NotExpression(condition());
        }
        return condition();
    }

    private Expression condition() {
        Expression left = concatenation();
        Token t = peek(0);
        if (t == null) {
            return left;
        }
        Expression result;
        if (t.type() == TokenType.OPERATOR && isComparison(t.text())) {
            i++;
            result = comparison(t.text(), left, concatenation());
        } else if (t.isKeyword("is")) {
            i++;
            boolean not = accept("not");
            expect("null");
            IsNullExpression isNull = new IsNullExpression(left);
            isNull.setNot(not);
            result = isNull;
        } else {
            boolean not = t.isKeyword("not");
            Token op = not ? peek(1) : t;
            if (op == null || !(op.isKeyword("in") || op.isKeyword("like") || op.isKeyword("ilike") || op.isKeyword("between"))) {
                return left;
            }
            i += not ? 2 : 1;
            result = switch (op.value()) {
                case "in" -> in(left, not);
                case "between" -> between(left, not);
                default -> like(left, not, op.value());
            };
        }
        Token after = peek(0);
        if (after != null && (after.type() == TokenType.OPERATOR || after.isKeyword("is") || after.isKeyword("in")
                || after.isKeyword("like") || after.isKeyword("ilike") || after.isKeyword("between")
                || after.isKeyword("not") || after.isKeyword("escape"))) {
            throw NOT_A_SHAPE; // chained comparisons: precedence this parser does not model
        }
        return result;
    }

    private Expression in(Expression left, boolean not) {
        expectType(TokenType.LPAREN);
        if (peekKeyword("select") || peekKeyword("with") || peekKeyword("values")) {
            throw NOT_A_SHAPE;
        }
        ParenthesedExpressionList<Expression> list = new ParenthesedExpressionList<>(expressionList());
        expectType(TokenType.RPAREN);
        InExpression in = new InExpression(left, list);
        in.setNot(not);
        return in;
    }

    private Expression between(Expression left, boolean not) {
        Between between = new Between();
        between.setLeftExpression(left);
        between.setBetweenExpressionStart(concatenation());
        expect("and");
        between.setBetweenExpressionEnd(concatenation());
        between.setNot(not);
        return between;
    }

    private Expression like(Expression left, boolean not, String keyword) {
        LikeExpression like = new LikeExpression();
        like.setLeftExpression(left);
        like.setRightExpression(concatenation());
        like.setNot(not);
        like.setLikeKeyWord(keyword.equals("ilike") ? LikeExpression.KeyWord.ILIKE : LikeExpression.KeyWord.LIKE);
        return like;
    }

    private static boolean isComparison(String op) {
        return switch (op) {
            case "=", "<>", "!=", "<", ">", "<=", ">=" -> true;
            default -> false;
        };
    }

    private static Expression comparison(String op, Expression left, Expression right) {
        BinaryExpression e = switch (op) {
            case "=" -> new EqualsTo();
            case "<>", "!=" -> new NotEqualsTo(op);
            case "<" -> new MinorThan();
            case ">" -> new GreaterThan();
            case "<=" -> new MinorThanEquals();
            default -> new GreaterThanEquals();
        };
        e.setLeftExpression(left);
        e.setRightExpression(right);
        return e;
    }

    /**
     * + - and ||. JSqlParser reads them at one level, left to right, where PostgreSQL binds + and - tighter than
     * ||; the two agree unless they are mixed unparenthesised, which is left to JSqlParser's fallback path.
     */
    private Expression concatenation() {
        Expression left = product();
        boolean arithmetic = false;
        boolean concat = false;
        while (true) {
            if (peekOperator("+")) {
                i++;
                arithmetic = true;
                left = new Addition(left, product());
            } else if (peekOperator("-")) {
                i++;
                arithmetic = true;
                left = new Subtraction(left, product());
            } else if (peekOperator("||")) {
                i++;
                concat = true;
                left = new Concat(left, product());
            } else {
                return left;
            }
            if (arithmetic && concat) {
                throw NOT_A_SHAPE;
            }
        }
    }

    private Expression product() {
        Expression left = signed();
        while (true) {
            BinaryExpression e;
            if (peekOperator("*")) {
                e = new Multiplication();
            } else if (peekOperator("/")) {
                e = new Division();
            } else if (peekOperator("%")) {
                e = new Modulo();
            } else {
                return left;
            }
            i++;
            e.setLeftExpression(left);
            e.setRightExpression(signed());
            left = e;
        }
    }

    private Expression signed() {
        if (peekOperator("-")) {
            i++;
            Token t = peek(0);
            if (t == null || !(t.type() == TokenType.NUMBER || t.type() == TokenType.PARAM)) {
                throw NOT_A_SHAPE;
            }
            return new SignedExpression('-', primary());
        }
        return primary();
    }

    private Expression primary() {
        Token t = next();
        switch (t.type()) {
            case NUMBER -> {
                if (isInteger(t.text())) {
                    return new LongValue(t.text());
                }
                if (isDecimal(t.text())) {
                    return new DoubleValue(t.text());
                }
                throw NOT_A_SHAPE;
            }
            case STRING -> {
                return new StringValue(ParserInput.placeholder(strings++));
            }
            case PARAM -> {
                return parameter(t);
            }
            case LPAREN -> {
                if (peekKeyword("select") || peekKeyword("with") || peekKeyword("values")) {
                    throw NOT_A_SHAPE;
                }
                Expression inner = expression();
                expectType(TokenType.RPAREN);
                return new ParenthesedExpressionList<>(inner);
            }
            case IDENT, QUOTED_IDENT -> {
                i--;
                return nameExpression();
            }
            default -> throw NOT_A_SHAPE;
        }
    }

    /** A column reference, a call, or one of the few keywords that are values here. */
    private Expression nameExpression() {
        Token t = peek(0);
        if (t.type() == TokenType.IDENT) {
            switch (t.value()) {
                case "null" -> {
                    i++;
                    return new NullValue();
                }
                case "true", "false" -> {
                    i++;
                    return new BooleanValue(t.value().equals("true"));
                }
                case "current_timestamp" -> { // JSqlParser reads LOCALTIMESTAMP as a column: those go to it
                    i++;
                    if (peekType(TokenType.LPAREN)) {
                        throw NOT_A_SHAPE;
                    }
                    return new TimeKeyExpression(t.text());
                }
                default -> {
                    // a name, checked below
                }
            }
        }
        List<String> parts = new ArrayList<>(2);
        parts.add(name());
        while (peekType(TokenType.DOT) && isName(peek(1))) {
            i++;
            parts.add(name());
        }
        if (parts.size() > 2 || peekType(TokenType.DOT)) {
            throw NOT_A_SHAPE; // schema.table.column, rare, and built with details of its own
        }
        if (peekType(TokenType.LPAREN)) {
            return call(parts);
        }
        return parts.size() == 1 ? new Column(parts.get(0)) : new Column(new Table(parts.get(0)), parts.get(1));
    }

    private Expression call(List<String> name) {
        expectType(TokenType.LPAREN);
        Function f = new Function();
        f.setName(name);
        if (peekOperator("*") && peekType(1, TokenType.RPAREN)) {
            i++;
            f.setParameters(new ExpressionList<>(new AllColumns()));
        } else if (!peekType(TokenType.RPAREN)) {
            if (accept("distinct")) {
                f.setDistinct(true);
            }
            List<Expression> args = expressionList();
            // JSqlParser keeps a lone parenthesised argument, f((x)), as the argument list itself
            f.setParameters(args.size() == 1 && args.get(0) instanceof ParenthesedExpressionList<?> only
                    ? only : new ExpressionList<>(args));
        }
        expectType(TokenType.RPAREN);
        return f;
    }

    private static JdbcParameter parameter(Token t) {
        String digits = t.text().substring(1);
        if (digits.isEmpty() || digits.length() > 9 || !isInteger(digits)) {
            throw NOT_A_SHAPE;
        }
        JdbcParameter parameter = new JdbcParameter();
        parameter.setParameterCharacter("$");
        parameter.setIndex(Integer.parseInt(digits));
        parameter.setUseFixedIndex(true);
        return parameter;
    }

    private static boolean isInteger(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isDecimal(String s) {
        int dot = s.indexOf('.');
        return dot > 0 && dot < s.length() - 1 && isInteger(s.substring(0, dot)) && isInteger(s.substring(dot + 1));
    }

    // ---------------------------------------------------------------- tokens

    /** A plain name as ParserInput writes it: the text of an identifier, a quoted identifier re-quoted. */
    private String name() {
        Token t = next();
        if (t.type() == TokenType.IDENT && !NOT_A_NAME.contains(t.value())) {
            return t.text();
        }
        if (t.type() == TokenType.QUOTED_IDENT && t.value().indexOf('.') < 0) {
            // JSqlParser splits a quoted name at a dot inside it ("x.public".t would become x.public.t)
            return '"' + t.value().replace("\"", "\"\"") + '"';
        }
        throw NOT_A_SHAPE;
    }

    private static boolean isName(Token t) {
        return t != null && ((t.type() == TokenType.QUOTED_IDENT && t.value().indexOf('.') < 0)
                || (t.type() == TokenType.IDENT && !NOT_A_NAME.contains(t.value())));
    }

    private Token next() {
        if (i >= tokens.size()) {
            throw NOT_A_SHAPE;
        }
        return tokens.get(i++);
    }

    private Token peek(int ahead) {
        return i + ahead < tokens.size() ? tokens.get(i + ahead) : null;
    }

    private boolean peekKeyword(String keyword) {
        Token t = peek(0);
        return t != null && t.isKeyword(keyword);
    }

    private boolean peekType(TokenType type) {
        return peekType(0, type);
    }

    private boolean peekType(int ahead, TokenType type) {
        Token t = peek(ahead);
        return t != null && t.type() == type;
    }

    private boolean peekOperator(String op) {
        Token t = peek(0);
        return t != null && t.isOperator(op);
    }

    private boolean accept(String keyword) {
        if (peekKeyword(keyword)) {
            i++;
            return true;
        }
        return false;
    }

    private boolean acceptPair(String first, String second) {
        Token a = peek(0);
        Token b = peek(1);
        if (a != null && b != null && a.isKeyword(first) && b.isKeyword(second)) {
            i += 2;
            return true;
        }
        return false;
    }

    private boolean acceptType(TokenType type) {
        if (peekType(type)) {
            i++;
            return true;
        }
        return false;
    }

    private void expect(String keyword) {
        if (!accept(keyword)) {
            throw NOT_A_SHAPE;
        }
    }

    private void expectType(TokenType type) {
        if (!acceptType(type)) {
            throw NOT_A_SHAPE;
        }
    }

    private void expectOperator(String op) {
        if (!peekOperator(op)) {
            throw NOT_A_SHAPE;
        }
        i++;
    }
}
