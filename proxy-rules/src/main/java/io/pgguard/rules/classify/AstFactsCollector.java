package io.pgguard.rules.classify;

import io.pgguard.rules.CommandKind;
import io.pgguard.rules.TableAccess.Access;
import io.pgguard.rules.WhereStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.ConflictActionType;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.merge.MergeDelete;
import net.sf.jsqlparser.statement.merge.MergeInsert;
import net.sf.jsqlparser.statement.merge.MergeOperation;
import net.sf.jsqlparser.statement.merge.MergeSide;
import net.sf.jsqlparser.statement.merge.MergeUpdate;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Walks a JSqlParser AST with TablesNamesFinder's complete traversal and records, by node identity, every table
 * occurrence and how it is used (a write target, a row-locked table, a SELECT INTO target, or else a read), every
 * function call with its arguments, and every data-modifying operation with the status of its WHERE.
 */
final class AstFactsCollector extends TablesNamesFinder<Void> {

    record Occurrence(Table table, Access access) {
    }

    record Call(List<String> nameParts, List<Expression> args) {
    }

    record Write(CommandKind kind, Table target, WhereStatus where, String reason,
            io.pgguard.rules.ParameterCondition condition) {
        Write(CommandKind kind, Table target, WhereStatus where, String reason) {
            this(kind, target, where, reason, null);
        }
    }

    final List<Table> occurrences = new ArrayList<>();
    final Map<Table, List<Access>> marks = new IdentityHashMap<>();
    final List<Call> calls = new ArrayList<>();
    final List<Write> writes = new ArrayList<>();
    final List<Table> selectIntoTargets = new ArrayList<>();
    private final Set<String> cteNames = new HashSet<>();
    private final Set<Object> seenWrites = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Object> visitedCalls = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Object> visitedSelects = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final WhereAnalyzer where;

    /** The statement's own tokens, none left out, for what the tree may not show (every use of a parameter). */
    private final List<io.pgguard.rules.lex.Token> statementTokens;

    AstFactsCollector(ParserInput input, List<io.pgguard.rules.lex.Token> statementTokens) {
        this.where = new WhereAnalyzer(input);
        this.statementTokens = statementTokens;
    }

    void collect(Statement statement) {
        collect(statement, true);
    }

    /**
     * {@code mayHideCalls} false (a text without a parenthesis, which can hold no call and no subquery) spares
     * the walk for what the visitor missed.
     */
    void collect(Statement statement, boolean mayHideCalls) {
        init(false);
        statement.accept(this, null);
        if (mayHideCalls) {
            AstDeepWalk.forEachNode(statement, this::visitIfMissed);
        }
    }

    /**
     * A function call, window function or SELECT the visitor's traversal did not reach (see {@link AstDeepWalk}):
     * visited now, so its calls, tables and writes count like any other's.
     */
    private void visitIfMissed(Object node) {
        if (node instanceof Function f && !(f instanceof TableFunction) && !visitedCalls.contains(f)) {
            f.accept(this, null); // (a function in FROM wraps its call, which the walk reaches as a node of its own)
        } else if (node instanceof AnalyticExpression a && !visitedCalls.contains(a)) {
            a.accept(this, null);
        } else if (node instanceof PlainSelect p && !visitedSelects.contains(p)) {
            p.accept((net.sf.jsqlparser.statement.select.SelectVisitor<Void>) this, null);
        } else if (node instanceof Function.KeywordArgument keyword && keyword.getKeyword() != null
                && keyword.getExpression() instanceof ParenthesedExpressionList<?> list
                && !SYNTAX_KEYWORDS.contains(keyword.getKeyword().toLowerCase(java.util.Locale.ROOT))) {
            // xmlroot(x, version f(1)): JSqlParser keeps f as the "keyword" of an argument, (1) as its value
            List<Expression> args = new ArrayList<>();
            list.forEach(o -> args.add((Expression) o));
            calls.add(new Call(List.of(keyword.getKeyword()), args));
        }
    }

    /** Words that stand before a parenthesized argument in SQL's own syntax, which are no calls. */
    private static final Set<String> SYNTAX_KEYWORDS = Set.of("from", "for", "in", "placing", "similar", "escape",
            "version", "standalone", "passing", "by", "value", "key", "returning", "format", "encoding", "on", "with",
            "without", "as", "using", "empty", "error", "null", "absent", "unique", "keys", "wrapper", "quotes",
            "default", "document", "content", "name", "then", "else", "when", "and", "or", "not", "is", "separator",
            "order", "limit", "offset", "over", "filter", "within", "respect", "ignore", "nulls", "distinct", "all",
            "leading", "trailing", "both", "at", "zone", "collate", "cast", "array", "row", "columns", "path", "ref");

    /** How each table occurrence is used: its marks, or READ. */
    List<Occurrence> accesses() {
        List<Occurrence> out = new ArrayList<>();
        for (Table t : occurrences) {
            List<Access> m = marks.get(t);
            if (m == null) {
                out.add(new Occurrence(t, Access.READ));
            } else {
                m.forEach(a -> out.add(new Occurrence(t, a)));
            }
        }
        return out;
    }

    private void mark(Table t, Access a) {
        if (t != null) {
            marks.computeIfAbsent(t, k -> new ArrayList<>()).add(a);
        }
    }

    @Override
    public <S> Void visit(Table table, S context) {
        boolean cteReference = table.getSchemaName() == null && table.getName() != null
                && cteNames.contains(Names.normalize(table.getName()));
        if (!cteReference && table.getName() != null) {
            occurrences.add(table);
        }
        return super.visit(table, context);
    }

    @Override
    public <S> Void visit(WithItem<?> withItem, S context) {
        if (withItem.getAlias() != null) {
            cteNames.add(Names.normalize(withItem.getAlias().getName()));
        }
        return super.visit(withItem, context);
    }

    @Override
    public <S> Void visit(Function function, S context) {
        if (!visitedCalls.add(function)) {
            return null;
        }
        List<Expression> args = new ArrayList<>();
        if (function.getParameters() != null) {
            for (Object o : function.getParameters()) {
                args.add((Expression) o);
            }
        }
        List<String> parts = function.getMultipartName();
        calls.add(new Call(parts == null || parts.isEmpty() ? List.of(function.getName()) : parts, args));
        return super.visit(function, context);
    }

    @Override
    public <S> Void visit(AnalyticExpression analytic, S context) {
        if (!visitedCalls.add(analytic)) {
            return null;
        }
        calls.add(new Call(List.of(analytic.getName()), List.of()));
        return super.visit(analytic, context);
    }

    @Override
    public <S> Void visit(PlainSelect select, S context) {
        if (!visitedSelects.add(select)) {
            return null;
        }
        if (select.getIntoTables() != null) {
            for (Table into : select.getIntoTables()) {
                selectIntoTargets.add(into);
                mark(into, Access.DDL);
            }
        }
        if (select.getForMode() != null || select.getForUpdate() != null) {
            lockFromItem(select.getFromItem());
            if (select.getJoins() != null) {
                select.getJoins().forEach(j -> lockFromItem(j.getRightItem()));
            }
        }
        return super.visit(select, context);
    }

    private void lockFromItem(FromItem item) {
        if (item instanceof Table t) {
            mark(t, Access.LOCK);
        }
    }

    @Override
    public <S> Void visit(Delete delete, S context) {
        if (seenWrites.add(delete)) {
            Table target = delete.getTable();
            mark(target, Access.DELETE);
            where.targetName = target == null ? null : Names.normalize(target.getName());
            writes.add(judgeFilteredWrite(CommandKind.DELETE, target, delete.getWhere(), delete.getUsingFromItemList(),
                    delete.getJoins()));
        }
        return super.visit(delete, context);
    }

    @Override
    public <S> Void visit(Update update, S context) {
        if (seenWrites.add(update)) {
            Table target = update.getTable();
            mark(target, Access.UPDATE);
            where.targetName = target == null ? null : Names.normalize(target.getName());
            List<FromItem> from = new ArrayList<>();
            if (update.getFromItem() != null) {
                from.add(update.getFromItem());
            }
            writes.add(judgeFilteredWrite(CommandKind.UPDATE, target, update.getWhere(), from, update.getJoins()));
        }
        return super.visit(update, context);
    }

    @Override
    public <S> Void visit(Insert insert, S context) {
        if (seenWrites.add(insert)) {
            mark(insert.getTable(), Access.INSERT);
            if (insert.getConflictAction() != null
                    && insert.getConflictAction().getConflictActionType() == ConflictActionType.DO_UPDATE) {
                mark(insert.getTable(), Access.UPDATE);
            }
            writes.add(new Write(CommandKind.INSERT, insert.getTable(), WhereStatus.NOT_APPLICABLE, null));
        }
        return super.visit(insert, context);
    }

    @Override
    public <S> Void visit(Merge merge, S context) {
        if (seenWrites.add(merge)) {
            Table target = merge.getTable();
            where.targetName = target == null ? null : Names.normalize(target.getName());
            where.targetRef = null; // in ON, an unqualified column may be the source's
            for (MergeOperation op : merge.getOperations() == null ? List.<MergeOperation>of() : merge.getOperations()) {
                mark(target, op instanceof MergeInsert ? Access.INSERT : op instanceof MergeDelete ? Access.DELETE : Access.UPDATE);
            }
            writes.add(judgeMerge(merge));
        }
        return super.visit(merge, context);
    }

    /** UPDATE/DELETE: missing or tautological WHERE, or a self-join that pairs every row with itself. */
    private Write judgeFilteredWrite(CommandKind kind, Table target, Expression condition, List<FromItem> from,
            List<Join> joins) {
        if (condition == null) {
            return new Write(kind, target, WhereStatus.MISSING, "no WHERE");
        }
        where.targetRef = target == null ? null : reference(target);
        if (where.alwaysTrue(condition)) {
            return new Write(kind, target, WhereStatus.TRIVIAL, "WHERE is always true");
        }
        if (!WhereAnalyzer.mentionsColumnOf(condition, reference(target)) && !where.alwaysFalse(condition)) {
            // (a provably false WHERE passes: ORMs send 1 = 0 for an empty IN list, knex 1 = $1 bound to 0)
            String reason = "WHERE names no column of " + reference(target) + ": it keeps every row or none";
            io.pgguard.rules.ParameterCondition byValues = ParameterConditions.of(condition, statementTokens);
            return byValues != null ? new Write(kind, target, WhereStatus.BY_PARAMETERS, reason, byValues)
                    : new Write(kind, target, WhereStatus.TRIVIAL, reason);
        }
        if (where.mayKeepEveryRow(condition, reference(target))) {
            return new Write(kind, target, WhereStatus.TRIVIAL, "a branch of the WHERE names no column of "
                    + reference(target) + ": it keeps every row or none");
        }
        List<FromItem> others = new ArrayList<>(from == null ? List.of() : from);
        if (joins != null) {
            joins.forEach(j -> others.add(j.getRightItem()));
        }
        for (FromItem item : others) {
            Table copy = item instanceof Table t ? t : wholeTableSource(item); // USING t AS t2, USING (SELECT * FROM t) t2
            if (copy != null && sameTable(target, copy)
                    && onlySelfJoinConditions(WhereAnalyzer.conjuncts(condition), target, item)) {
                return new Write(kind, target, WhereStatus.TRIVIAL, "self-join of the table with itself matches every row");
            }
        }
        if (condition.toString().toUpperCase(java.util.Locale.ROOT).startsWith("CURRENT OF")) {
            return new Write(kind, target, WhereStatus.RESTRICTING, "WHERE CURRENT OF");
        }
        return new Write(kind, target, WhereStatus.RESTRICTING, null);
    }

    private Write judgeMerge(Merge merge) {
        Table target = merge.getTable();
        List<MergeOperation> ops = merge.getOperations() == null ? List.of() : merge.getOperations();
        boolean changesMatched = false;
        for (MergeOperation op : ops) {
            if (op instanceof MergeInsert) {
                continue;
            }
            MergeSide side = op instanceof MergeUpdate u ? u.getSide() : ((MergeDelete) op).getSide();
            if (side == MergeSide.SOURCE) {
                return new Write(CommandKind.MERGE, target, WhereStatus.TRIVIAL,
                        "WHEN NOT MATCHED BY SOURCE changes every target row the source lacks");
            }
            Expression and = op instanceof MergeUpdate u ? u.getAndPredicate() : ((MergeDelete) op).getAndPredicate();
            if (and == null || where.alwaysTrue(and)) {
                changesMatched = true;
            }
        }
        if (!changesMatched) {
            boolean onlyInserts = ops.stream().allMatch(op -> op instanceof MergeInsert);
            return new Write(CommandKind.MERGE, target, onlyInserts ? WhereStatus.NOT_APPLICABLE : WhereStatus.RESTRICTING, null);
        }
        Expression on = merge.getOnCondition();
        if (on == null || where.alwaysTrue(on) || !WhereAnalyzer.mentionsColumn(on) && !where.alwaysFalse(on)) {
            return new Write(CommandKind.MERGE, target, WhereStatus.TRIVIAL, "ON condition is always true");
        }
        Table source = wholeTableSource(merge.getFromItem());
        if (source != null && sameTable(target, source)
                && onlySelfJoinConditions(WhereAnalyzer.conjuncts(on), target, merge.getFromItem())) {
            return new Write(CommandKind.MERGE, target, WhereStatus.TRIVIAL, "source is the whole target table, unfiltered");
        }
        return new Write(CommandKind.MERGE, target, WhereStatus.RESTRICTING, null);
    }

    /** The table a MERGE source reads in full: a bare table, or (SELECT ... FROM table) without filters. */
    private Table wholeTableSource(FromItem item) {
        if (item instanceof Table t) {
            return t;
        }
        if (item instanceof ParenthesedSelect ps) {
            Select inner = ps.getSelect();
            if (inner instanceof PlainSelect plain && (plain.getWhere() == null || where.alwaysTrue(plain.getWhere()))
                    && WhereAnalyzer.limitsNothing(plain.getLimit()) && plain.getFetch() == null
                    && (plain.getJoins() == null || plain.getJoins().isEmpty()) && plain.getFromItem() instanceof Table t) {
                return t;
            }
        }
        return null;
    }

    private static boolean sameTable(Table a, Table b) {
        if (a == null || b == null || a.getName() == null || b.getName() == null) {
            return false;
        }
        String sa = a.getSchemaName() == null ? "" : Names.normalize(a.getSchemaName());
        String sb = b.getSchemaName() == null ? "" : Names.normalize(b.getSchemaName());
        boolean schemasCompatible = sa.isEmpty() || sb.isEmpty() || sa.equals(sb);
        return schemasCompatible && Names.normalize(a.getName()).equals(Names.normalize(b.getName()));
    }

    /** Every conjunct is always true or "target.c = copy.c" on the same column: nothing restricts the rows. */
    private boolean onlySelfJoinConditions(List<Expression> conjuncts, Table target, FromItem copy) {
        String targetRef = reference(target);
        String copyRef = copy.getAlias() != null ? Names.normalize(copy.getAlias().getName())
                : copy instanceof Table t ? Names.normalize(t.getName()) : null;
        if (copyRef == null || copyRef.equals(targetRef)) {
            return false;
        }
        for (Expression c : conjuncts) {
            if (where.alwaysTrue(c)) {
                continue;
            }
            if (!(c instanceof EqualsTo eq && eq.getLeftExpression() instanceof Column l
                    && eq.getRightExpression() instanceof Column r
                    && Names.normalize(l.getColumnName()).equals(Names.normalize(r.getColumnName()))
                    && Set.of(targetRef, copyRef).equals(Set.of(WhereAnalyzer.qualifier(l), WhereAnalyzer.qualifier(r))))) {
                return false;
            }
        }
        return true;
    }

    private static String reference(Table t) {
        return t.getAlias() != null ? Names.normalize(t.getAlias().getName()) : Names.normalize(t.getName());
    }
}
