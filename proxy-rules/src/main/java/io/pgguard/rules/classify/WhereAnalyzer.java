package io.pgguard.rules.classify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.AnyType;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcNamedParameter;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsDistinctExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.LikeExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;

/**
 * Decides whether a condition provably holds for every row. It recognises the tautologies people actually write
 * to get past a "WHERE required" rule (true, 1=1, x=x, 'a'='a', ... OR true, NOT false, x IS NULL OR x IS NOT NULL,
 * LIKE '%', EXISTS of an unfiltered subquery) — it cannot and does not try to decide every always-true condition;
 * the write row cap is the backstop for the rest.
 */
final class WhereAnalyzer {
    private static final Set<String> TRUE_WORDS = Set.of("true", "t", "tr", "tru", "yes", "y", "ye", "on", "1");
    private static final Set<String> FALSE_WORDS = Set.of("false", "f", "fa", "fal", "fals", "no", "n", "off", "of", "0");

    private final ParserInput input;
    /** Unqualified name of the table being written, for "x IN (SELECT x FROM same table)". */
    String targetName;
    /**
     * How the written table is referred to (its alias, or its name): at the top of its WHERE, {@code id} and
     * {@code t.id} are one column. Inside a subquery an unqualified name may be another table's.
     */
    String targetRef;
    private int subqueryDepth;

    WhereAnalyzer(ParserInput input) {
        this.input = input;
    }

    static Expression unwrap(Expression e) {
        while (true) {
            if (e instanceof Parenthesis p) {
                e = p.getExpression();
            } else if (e instanceof ParenthesedExpressionList<?> l && l.size() == 1) {
                e = (Expression) l.get(0);
            } else {
                return e;
            }
        }
    }

    /** The conjuncts of a condition (a AND b AND c), parentheses removed. */
    static List<Expression> conjuncts(Expression e) {
        List<Expression> out = new ArrayList<>();
        collectConjuncts(unwrap(e), out);
        return out;
    }

    private static void collectConjuncts(Expression e, List<Expression> out) {
        if (e instanceof AndExpression and) {
            collectConjuncts(unwrap(and.getLeftExpression()), out);
            collectConjuncts(unwrap(and.getRightExpression()), out);
        } else {
            out.add(e);
        }
    }

    boolean alwaysTrue(Expression raw) {
        Expression e = unwrap(raw);
        if (e == null) {
            return false;
        }
        Boolean constant = booleanConstant(e);
        if (constant != null) {
            return constant;
        }
        if (e instanceof OrExpression or) {
            return alwaysTrue(or.getLeftExpression()) || alwaysTrue(or.getRightExpression()) || nullCheckPair(or);
        }
        if (e instanceof AndExpression and) {
            return alwaysTrue(and.getLeftExpression()) && alwaysTrue(and.getRightExpression());
        }
        if (e instanceof NotExpression not) {
            return alwaysFalse(not.getExpression());
        }
        if (e instanceof ComparisonOperator cmp) {
            if (cmp instanceof EqualsTo && unwrap(cmp.getRightExpression()) instanceof AnyComparisonExpression any
                    && any.getAnyType() != AnyType.ALL) { // x = ANY (SELECT x FROM t): x IN (SELECT x FROM t)
                return sameColumnSelected(cmp.getLeftExpression(), any.getSelect());
            }
            return compare(cmp) == Boolean.TRUE;
        }
        if (e instanceof IsBooleanExpression isb) {
            boolean inner = isb.isTrue() ? alwaysTrue(isb.getLeftExpression()) : alwaysFalse(isb.getLeftExpression());
            return isb.isNot() ? (isb.isTrue() ? alwaysFalse(isb.getLeftExpression()) : alwaysTrue(isb.getLeftExpression())) : inner;
        }
        if (e instanceof IsNullExpression isNull) {
            Expression left = unwrap(isNull.getLeftExpression());
            if (left instanceof NullValue) {
                return !isNull.isNot();
            }
            return isNull.isNot() && constantValue(left) != null;
        }
        if (e instanceof LikeExpression like) {
            Object pattern = constantValue(like.getRightExpression());
            return !like.isNot() && pattern instanceof String s && !s.isEmpty() && s.chars().allMatch(c -> c == '%');
        }
        if (e instanceof ExistsExpression exists) {
            return !exists.isNot() && (unfilteredSelect(exists.getRightExpression())
                    || matchesItsOwnRow(exists.getRightExpression()));
        }
        if (e instanceof InExpression in) {
            return !in.isNot() && (sameColumnSelected(in.getLeftExpression(), in.getRightExpression())
                    || listHoldsItsLeft(in));
        }
        if (e instanceof Between between) {
            return !between.isNot() && same(between.getLeftExpression(), between.getBetweenExpressionStart())
                    && same(between.getLeftExpression(), between.getBetweenExpressionEnd());
        }
        if (e instanceof IsDistinctExpression distinct) {
            return distinct.isNot() && same(distinct.getLeftExpression(), distinct.getRightExpression());
        }
        return false;
    }

    /**
     * Whether a write's condition may keep every row whatever the data: it is always true, or one of its OR
     * branches has one value for the whole statement (it names no column of the written table, holds no
     * parameter and is not provably false), so {@code id = 1 OR 1 + 1 = 2} and {@code id = 1 OR now() > '2000-1-1'}
     * keep every row. A branch with a parameter ({@code id = $1 OR $2 IS NULL}, an optional filter) is left to
     * the application.
     */
    boolean mayKeepEveryRow(Expression raw, String writtenRef) {
        Expression e = unwrap(raw);
        if (e instanceof OrExpression or) {
            return mayKeepEveryRow(or.getLeftExpression(), writtenRef) || mayKeepEveryRow(or.getRightExpression(), writtenRef);
        }
        if (e instanceof AndExpression and) {
            return mayKeepEveryRow(and.getLeftExpression(), writtenRef) && mayKeepEveryRow(and.getRightExpression(), writtenRef);
        }
        return alwaysTrue(e) || !mentionsColumnOf(e, writtenRef) && !holdsParameter(e) && !alwaysFalse(e);
    }

    /**
     * Whether a client's parameter is in the expression. A literal that value-shape sharing turned into a
     * parameter ({@link io.pgguard.rules.lex.ValueLiterals#SUBSTITUTED_BASE} and up) is a constant, not one.
     */
    private static boolean holdsParameter(Expression e) {
        boolean[] found = {false};
        AstDeepWalk.forEachNode(e, node -> found[0] |= node instanceof JdbcNamedParameter
                || node instanceof JdbcParameter p && (p.getIndex() == null
                        || p.getIndex() <= io.pgguard.rules.lex.ValueLiterals.SUBSTITUTED_BASE));
        return found[0];
    }

    /** SQL's value functions written without parentheses, which JSqlParser reads as columns. */
    private static final Set<String> VALUE_FUNCTIONS = Set.of("current_user", "session_user", "user", "current_role",
            "system_user", "current_catalog", "current_schema", "current_date", "current_time", "current_timestamp",
            "localtime", "localtimestamp");

    /** x IN (a, x, b): true for every row where x is not null. */
    private boolean listHoldsItsLeft(InExpression in) {
        if (!(in.getRightExpression() instanceof ExpressionList<?> list)) {
            return in.getRightExpression() != null && same(in.getLeftExpression(), in.getRightExpression());
        }
        for (Object item : list) {
            if (item instanceof Expression x && same(in.getLeftExpression(), x)) {
                return true;
            }
        }
        return false;
    }

    /** The same expression on both sides, counting {@code id} and {@code t.id} as one where t is the written table. */
    private boolean same(Expression a, Expression b) {
        Expression l = unwrap(a);
        Expression r = unwrap(b);
        return sameExpression(l, r) || sameWrittenColumn(l, r) || sameWrittenColumn(r, l);
    }

    private boolean sameWrittenColumn(Expression a, Expression b) {
        return subqueryDepth == 0 && targetRef != null && a instanceof Column ca && b instanceof Column cb
                && qualifier(ca).isEmpty() && qualifier(cb).equals(targetRef)
                && Names.normalize(ca.getColumnName()).equals(Names.normalize(cb.getColumnName()));
    }

    boolean alwaysFalse(Expression raw) {
        Expression e = unwrap(raw);
        if (e == null) {
            return false;
        }
        Boolean constant = booleanConstant(e);
        if (constant != null) {
            return !constant;
        }
        if (e instanceof AndExpression and) {
            return alwaysFalse(and.getLeftExpression()) || alwaysFalse(and.getRightExpression());
        }
        if (e instanceof OrExpression or) {
            return alwaysFalse(or.getLeftExpression()) && alwaysFalse(or.getRightExpression());
        }
        if (e instanceof NotExpression not) {
            return alwaysTrue(not.getExpression());
        }
        if (e instanceof ComparisonOperator cmp) {
            return compare(cmp) == Boolean.FALSE;
        }
        if (e instanceof IsNullExpression isNull) {
            Expression left = unwrap(isNull.getLeftExpression());
            return left instanceof NullValue && isNull.isNot();
        }
        return false;
    }

    /** x IS NULL OR x IS NOT NULL (in either order, directly under one OR). */
    private static boolean nullCheckPair(OrExpression or) {
        Expression l = unwrap(or.getLeftExpression());
        Expression r = unwrap(or.getRightExpression());
        return l instanceof IsNullExpression a && r instanceof IsNullExpression b && a.isNot() != b.isNot()
                && a.getLeftExpression().toString().equals(b.getLeftExpression().toString());
    }

    /** true/false literals, casts of boolean-looking constants ('t'::boolean, 1::bool), and (SELECT true). */
    private Boolean booleanConstant(Expression e) {
        if (e instanceof BooleanValue b) {
            return b.getValue();
        }
        if (e instanceof StringValue) { // an untyped literal where a boolean goes is read by boolin: 'yes', 'on'
            return booleanWord(constantValue(e));
        }
        if (e instanceof ParenthesedSelect ps && ps.getSelect() instanceof PlainSelect inner && inner.getFromItem() == null
                && inner.getWhere() == null && inner.getSelectItems() != null && inner.getSelectItems().size() == 1) {
            return booleanConstant(unwrap(inner.getSelectItems().get(0).getExpression()));
        }
        if (e instanceof Column c && c.getTable() == null) {
            String name = c.getColumnName();
            if (name.equalsIgnoreCase("true")) {
                return true;
            }
            if (name.equalsIgnoreCase("false")) {
                return false;
            }
        }
        if (e instanceof CastExpression cast && cast.getColDataType() != null
                && cast.getColDataType().getDataType().toLowerCase(Locale.ROOT).startsWith("bool")) {
            Object v = constantValue(cast.getLeftExpression());
            if (v instanceof Double number) { // 1::bool, 2::boolean: an integer is true unless it is zero
                return number != 0;
            }
            if (v != null) {
                return booleanWord(v);
            }
            return booleanConstant(unwrap(cast.getLeftExpression()));
        }
        return null;
    }

    private static Boolean booleanWord(Object value) {
        if (value == null) {
            return null;
        }
        String word = value.toString().trim().toLowerCase(Locale.ROOT);
        return TRUE_WORDS.contains(word) ? Boolean.TRUE : FALSE_WORDS.contains(word) ? Boolean.FALSE : null;
    }

    /** A constant's value: Long, Double, String (decoded), or null when not a constant. */
    Object constantValue(Expression raw) {
        Expression e = unwrap(raw);
        if (e instanceof LongValue l) {
            return (double) l.getValue();
        }
        if (e instanceof DoubleValue d) {
            return d.getValue();
        }
        if (e instanceof StringValue s) {
            String v = input.literal(s.getValue());
            return v != null ? v : s.getValue();
        }
        if (e instanceof SignedExpression s && constantValue(s.getExpression()) instanceof Double d) {
            return s.getSign() == '-' ? -d : d;
        }
        if (e instanceof CastExpression cast) {
            return constantValue(cast.getLeftExpression());
        }
        return null;
    }

    /** TRUE/FALSE when a comparison is decidable without data, null otherwise. */
    private Boolean compare(ComparisonOperator cmp) {
        Expression left = unwrap(cmp.getLeftExpression());
        Expression right = unwrap(cmp.getRightExpression());
        int order;
        if (same(left, right)) {
            order = 0;
        } else {
            Object a = constantValue(left);
            Object b = constantValue(right);
            if (a == null || b == null) {
                return null;
            }
            order = compareConstants(a, b);
            if (order == Integer.MIN_VALUE) {
                return null;
            }
        }
        if (cmp instanceof EqualsTo) {
            return order == 0;
        }
        if (cmp instanceof NotEqualsTo) {
            return order != 0;
        }
        if (cmp instanceof GreaterThanEquals) {
            return order >= 0;
        }
        if (cmp instanceof MinorThanEquals) {
            return order <= 0;
        }
        if (cmp instanceof GreaterThan) {
            return order > 0;
        }
        if (cmp instanceof MinorThan) {
            return order < 0;
        }
        return null;
    }

    private static int compareConstants(Object a, Object b) {
        if (a instanceof Double x && b instanceof Double y) {
            return Double.compare(x, y);
        }
        if (a instanceof String x && b instanceof String y) {
            return Integer.signum(x.compareTo(y));
        }
        if (a instanceof Double x && b instanceof String y) {
            return parse(y) == null ? Integer.MIN_VALUE : Double.compare(x, parse(y));
        }
        if (a instanceof String x && b instanceof Double y) {
            return parse(x) == null ? Integer.MIN_VALUE : Double.compare(parse(x), y);
        }
        return Integer.MIN_VALUE;
    }

    private static Double parse(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The same column or the same deterministic expression on both sides (x = x matches every non-null x). */
    static boolean sameExpression(Expression a, Expression b) {
        if (a instanceof Column ca && b instanceof Column cb) {
            return Names.normalize(ca.getColumnName()).equals(Names.normalize(cb.getColumnName()))
                    && qualifier(ca).equals(qualifier(cb));
        }
        String ta = a.toString();
        return ta.equals(b.toString()) && !(a instanceof StringValue) && !(a instanceof LongValue)
                && !(a instanceof DoubleValue) && SameValueEachTime.holdsFor(a);
    }

    /**
     * Whether a condition names a column (or holds a subquery, which may be correlated). A condition that names
     * none has one value for every row, so it keeps all rows or none: it cannot restrict a write
     * ({@code WHERE 1 IN (1)}, {@code WHERE coalesce(null, true)}, {@code WHERE $1}, {@code WHERE random() < 2}).
     */
    static boolean mentionsColumn(Expression condition) {
        return mentionsColumnOf(condition, null);
    }

    /**
     * As {@link #mentionsColumn}, counting only columns that may belong to the written table: unqualified ones,
     * and those qualified by {@code targetRef} (its alias, or its name). {@code DELETE FROM t USING u WHERE
     * u.x = 5} names no column of t, so it deletes every row of t or none. Null counts every column.
     */
    static boolean mentionsColumnOf(Expression condition, String targetRef) {
        ColumnFinder finder = new ColumnFinder(targetRef);
        condition.accept(finder, null);
        return finder.found;
    }

    /** Walks one expression without descending into subqueries, which it reports to {@link #subquery()}. */
    private abstract static class ExpressionScan extends ExpressionVisitorAdapter<Void> {
        abstract void subquery();

        @Override
        public <S> Void visit(Select select, S context) {
            subquery();
            return null;
        }

        @Override
        public <S> Void visit(ParenthesedSelect select, S context) {
            subquery();
            return null;
        }
    }

    private static final class ColumnFinder extends ExpressionScan {
        private final String targetRef;
        private boolean found;

        ColumnFinder(String targetRef) {
            this.targetRef = targetRef;
        }

        @Override
        void subquery() { // it may be correlated: count it as naming a column
            found = true;
        }

        @Override
        public <S> Void visit(Column column, S context) {
            String qualifier = qualifier(column);
            String name = column.getColumnName().toLowerCase(Locale.ROOT);
            boolean notAColumn = qualifier.isEmpty() && !column.getColumnName().startsWith("\"")
                    && (name.equals("true") || name.equals("false") || VALUE_FUNCTIONS.contains(name));
            found |= !notAColumn && (targetRef == null || qualifier.isEmpty() || qualifier.equals(targetRef));
            return null;
        }

        @Override
        public <S> Void visit(AllColumns all, S context) {
            found = true;
            return null;
        }
    }

    /**
     * Whether an expression gives the same value wherever it appears in one statement: no subquery, and only
     * functions PostgreSQL marks immutable or stable (coalesce(id, 0) = coalesce(id, 0) holds for every row,
     * random() = random() does not).
     */
    private static final class SameValueEachTime extends ExpressionScan {
        /** Conditional expressions PostgreSQL parses as syntax, not as pg_proc functions. */
        private static final Set<String> SYNTAX_FUNCTIONS = Set.of("coalesce", "nullif", "greatest", "least");
        private boolean holds = true;

        static boolean holdsFor(Expression e) {
            SameValueEachTime check = new SameValueEachTime();
            e.accept(check, null);
            return check.holds;
        }

        @Override
        public <S> Void visit(Function function, S context) {
            List<String> parts = function.getMultipartName();
            String name = Names.normalize(parts.get(parts.size() - 1));
            boolean catalog = parts.size() == 1
                    || parts.size() == 2 && Names.normalize(parts.get(0)).equals("pg_catalog");
            if (!catalog || !(SYNTAX_FUNCTIONS.contains(name) || FunctionCatalog.isNonVolatileBuiltin(name))) {
                holds = false;
            }
            return super.visit(function, context);
        }

        @Override
        void subquery() { // not worth proving, so not the same
            holds = false;
        }

        @Override
        public <S> Void visit(AnalyticExpression analytic, S context) {
            holds = false;
            return null;
        }
    }

    /** No LIMIT, or LIMIT ALL / LIMIT NULL without OFFSET. */
    static boolean limitsNothing(net.sf.jsqlparser.statement.select.Limit limit) {
        return limit == null || limit.getOffset() == null && (limit.getRowCount() instanceof net.sf.jsqlparser.expression.AllValue
                || limit.getRowCount() instanceof NullValue);
    }

    static String qualifier(Column c) {
        return c.getTable() == null || c.getTable().getName() == null ? "" : Names.normalize(c.getTable().getName());
    }

    /** The query inside a subquery's parentheses, however many; null when {@code e} is no subquery. */
    private static Select innerSelect(Expression e) {
        Select select = e instanceof Select s ? s : null;
        while (select instanceof ParenthesedSelect ps) {
            select = ps.getSelect();
        }
        return select;
    }

    /** EXISTS (SELECT ... FROM x) with no WHERE, HAVING or LIMIT is true for every row once x has a row. */
    private boolean unfilteredSelect(Expression e) {
        Select select = innerSelect(e);
        if (!(select instanceof PlainSelect ps)) {
            return false;
        }
        subqueryDepth++;
        try {
            return (ps.getWhere() == null || alwaysTrue(ps.getWhere())) && ps.getHaving() == null
                    && limitsNothing(ps.getLimit()) && ps.getFetch() == null
                    && (ps.getJoins() == null || ps.getJoins().isEmpty());
        } finally {
            subqueryDepth--;
        }
    }

    /**
     * EXISTS (SELECT ... FROM t AS t2 WHERE t2.c = t.c [AND ...]) on the written table t, pairing each row with
     * itself and filtering nothing else: true for every row whose c is not null.
     */
    private boolean matchesItsOwnRow(Expression e) {
        Select select = innerSelect(e);
        if (!(select instanceof PlainSelect ps) || !(ps.getFromItem() instanceof net.sf.jsqlparser.schema.Table copy)
                || ps.getWhere() == null || ps.getHaving() != null || ps.getLimit() != null || ps.getFetch() != null
                || (ps.getJoins() != null && !ps.getJoins().isEmpty()) || targetRef == null || targetName == null
                || !targetName.equals(Names.normalize(copy.getName()))) {
            return false;
        }
        String copyRef = copy.getAlias() != null ? Names.normalize(copy.getAlias().getName()) : Names.normalize(copy.getName());
        if (copyRef.equals(targetRef)) {
            return false;
        }
        for (Expression c : conjuncts(ps.getWhere())) {
            boolean selfPair = c instanceof EqualsTo eq && unwrap(eq.getLeftExpression()) instanceof Column l
                    && unwrap(eq.getRightExpression()) instanceof Column r
                    && Names.normalize(l.getColumnName()).equals(Names.normalize(r.getColumnName()))
                    && Set.of(targetRef, copyRef).equals(Set.of(qualifier(l), qualifier(r)));
            if (!selfPair && !alwaysTrue(c)) {
                return false;
            }
        }
        return true;
    }

    /** x IN (SELECT x FROM ...) with the subquery unfiltered: every x qualifies when the subquery reads the same rows. */
    private boolean sameColumnSelected(Expression leftExpression, Expression subquery) {
        if (!(subquery instanceof Select) || !unfilteredSelect(subquery)) {
            return false;
        }
        Select select = innerSelect(subquery);
        PlainSelect ps = (PlainSelect) select;
        Expression left = unwrap(leftExpression);
        boolean fromTarget = ps.getFromItem() instanceof net.sf.jsqlparser.schema.Table t && targetName != null
                && targetName.equals(Names.normalize(t.getName()));
        return fromTarget && ps.getSelectItems().size() == 1 && left instanceof Column lc
                && ps.getSelectItems().get(0).getExpression() instanceof Column rc
                && Names.normalize(lc.getColumnName()).equals(Names.normalize(rc.getColumnName()));
    }
}
