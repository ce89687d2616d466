package io.pgguard.rules.classify;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * The setting a {@code set_config(name, ...)} call sets when it reads the name from pg_settings rows that the
 * query's WHERE pins to one literal. pg_dump (since 15.8, 16.4 and 17.0) sends
 * {@code SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings
 * WHERE name = 'restrict_nonsystem_relation_kind'}, so that an older server, which lacks the setting, sets nothing.
 *
 * <p>Only that shape: one SELECT without WITH (a CTE could take pg_settings' name), with
 * pg_catalog.pg_settings as its only FROM item, the call among its output columns (not in a subquery, where
 * {@code name} could be another table's), and {@code name = 'literal'} as its WHERE or one of the WHERE's
 * top-level AND terms. Every row the call runs for then has that name.
 */
final class PinnedSettingName {

    private PinnedSettingName() {
    }

    /**
     * The pinned setting name, or null when the call is not of that shape, or when the text writes OPERATOR(...),
     * which the parser is given as the bare operator: {@code name OPERATOR(public.=) 'x'} may hold for every row.
     */
    static String of(Statement statement, List<Expression> callArgs, WhereAnalyzer constants, List<String> searchPath,
            List<io.pgguard.rules.lex.Token> tokens) {
        if (ParserInput.writesQualifiedOperator(tokens) || callArgs.isEmpty() || !(statement instanceof PlainSelect select) || !isCalledIn(select, callArgs)
                || select.getWithItemsList() != null && !select.getWithItemsList().isEmpty()
                || select.getJoins() != null && !select.getJoins().isEmpty()
                || !(select.getFromItem() instanceof Table from) || !isPgSettings(from, searchPath)
                || !isNameColumn(callArgs.get(0), from)) {
            return null;
        }
        for (Expression term : andTerms(select.getWhere())) {
            if (term instanceof EqualsTo eq) {
                String pinned = pinnedBy(eq.getLeftExpression(), eq.getRightExpression(), from, constants);
                if (pinned == null) {
                    pinned = pinnedBy(eq.getRightExpression(), eq.getLeftExpression(), from, constants);
                }
                if (pinned != null) {
                    return plainName(pinned);
                }
            }
        }
        return null;
    }

    private static final java.util.regex.Pattern SETTING_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.]+");
    /** The settings the rules follow. */
    private static final List<String> WATCHED = List.of("role", "session_authorization", "search_path",
            "client_encoding", "standard_conforming_strings");

    /**
     * The name, when it cannot equal a setting the rules follow under another spelling. A temporary table named
     * pg_settings comes before pg_catalog's, and a collation that ignores accents or punctuation could make
     * {@code name = 'r_ole'} hold for a row named role: so a name outside [A-Za-z0-9_.], or one that is such a
     * setting's name but for case and punctuation, pins nothing.
     */
    private static String plainName(String pinned) {
        if (!SETTING_NAME.matcher(pinned).matches()) {
            return null;
        }
        String lower = pinned.toLowerCase(java.util.Locale.ROOT);
        for (String watched : WATCHED) {
            if (lettersOf(lower).equals(lettersOf(watched)) && !lower.equals(watched)) {
                return null;
            }
        }
        return pinned;
    }

    private static String lettersOf(String name) {
        return name.replaceAll("[^a-z]", "");
    }

    private static boolean isCalledIn(PlainSelect select, List<Expression> callArgs) {
        for (SelectItem<?> item : select.getSelectItems()) {
            if (item.getExpression() instanceof Function f && f.getParameters() != null
                    && !f.getParameters().isEmpty() && f.getParameters().get(0) == callArgs.get(0)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPgSettings(Table table, List<String> searchPath) {
        if (!"pg_settings".equals(Names.normalize(table.getName()))) {
            return false;
        }
        String schema = table.getSchemaName() != null ? Names.normalize(table.getSchemaName())
                : NameResolver.schemaFor("pg_settings", searchPath);
        return "pg_catalog".equals(schema) && table.getDatabaseName() == null;
    }

    private static boolean isNameColumn(Expression e, Table from) {
        if (!(e instanceof Column c) || !"name".equals(Names.normalize(c.getColumnName()))) {
            return false;
        }
        Table qualifier = c.getTable();
        if (qualifier == null || qualifier.getName() == null) {
            return true;
        }
        String q = Names.normalize(qualifier.getName());
        return from.getAlias() != null ? q.equals(Names.normalize(from.getAlias().getName()))
                : q.equals("pg_settings") && (qualifier.getSchemaName() == null
                        || "pg_catalog".equals(Names.normalize(qualifier.getSchemaName())));
    }

    private static String pinnedBy(Expression column, Expression value, Table from, WhereAnalyzer constants) {
        return isNameColumn(column, from) && constants.constantValue(value) instanceof String s ? s : null;
    }

    private static List<Expression> andTerms(Expression where) {
        List<Expression> out = new ArrayList<>();
        addAndTerms(where, out);
        return out;
    }

    private static void addAndTerms(Expression e, List<Expression> out) {
        if (e instanceof AndExpression and) {
            addAndTerms(and.getLeftExpression(), out);
            addAndTerms(and.getRightExpression(), out);
        } else if (e instanceof ParenthesedExpressionList<?> l && l.size() == 1) {
            addAndTerms(l.get(0), out);
        } else if (e != null) {
            out.add(e);
        }
    }
}
