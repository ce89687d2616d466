package io.pgguard.rules.classify;

import io.pgguard.rules.ParameterCondition;
import io.pgguard.rules.ParameterCondition.Node;
import io.pgguard.rules.ParameterCondition.Operator;
import io.pgguard.rules.lex.ValueLiterals;
import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;

/**
 * Reads a WHERE made only of integers, NULL, the client's parameters, comparisons, AND, OR, NOT and IS [NOT] NULL
 * into a {@link ParameterCondition}; anything else (a column, a call, a cast, a string, a literal that value-shape
 * sharing made a parameter) and it is not one.
 */
final class ParameterConditions {

    private ParameterConditions() {
    }

    /**
     * The condition, or null when the WHERE holds anything else or no parameter at all, or when the statement
     * ({@code statementTokens}, all of them) uses one of its parameters anywhere else too: PostgreSQL types a
     * parameter by its first use, and one in a WITH or a FROM may make it a float4 or an oid, whose values compare
     * otherwise than integers. Nor when it writes OPERATOR(...), which may name another operator than the one read.
     */
    static ParameterCondition of(Expression where, List<Token> statementTokens) {
        Map<Integer, Integer> uses = new HashMap<>();
        Node root = node(where, uses);
        if (root == null || uses.isEmpty() || ParserInput.writesQualifiedOperator(statementTokens)) {
            return null;
        }
        Map<Integer, Integer> inStatement = new HashMap<>();
        for (Token t : statementTokens) {
            if (t.type() == TokenType.PARAM) {
                try {
                    inStatement.merge(Integer.parseInt(t.value()), 1, Integer::sum);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        for (Map.Entry<Integer, Integer> use : uses.entrySet()) {
            if (!use.getValue().equals(inStatement.get(use.getKey()))) {
                return null;
            }
        }
        return new ParameterCondition(root);
    }

    private static Node node(Expression raw, Map<Integer, Integer> uses) {
        Expression e = WhereAnalyzer.unwrap(raw);
        if (e instanceof AndExpression and) {
            Node l = node(and.getLeftExpression(), uses);
            Node r = node(and.getRightExpression(), uses);
            return l == null || r == null ? null : new ParameterCondition.And(l, r);
        }
        if (e instanceof OrExpression or) {
            Node l = node(or.getLeftExpression(), uses);
            Node r = node(or.getRightExpression(), uses);
            return l == null || r == null ? null : new ParameterCondition.Or(l, r);
        }
        if (e instanceof NotExpression not) {
            Node operand = node(not.getExpression(), uses);
            return operand == null ? null : new ParameterCondition.Not(operand);
        }
        if (e instanceof IsNullExpression isNull && !isNull.isUseIsNull() && !isNull.isUseNotNull()) {
            Node operand = value(isNull.getLeftExpression(), uses);
            return operand == null ? null : new ParameterCondition.IsNull(operand, isNull.isNot());
        }
        if (e instanceof ComparisonOperator cmp) {
            Operator op = operator(cmp);
            Node l = value(cmp.getLeftExpression(), uses);
            Node r = value(cmp.getRightExpression(), uses);
            return op == null || l == null || r == null ? null : new ParameterCondition.Compare(op, l, r);
        }
        return null;
    }

    private static Operator operator(ComparisonOperator cmp) {
        return switch (cmp.getStringExpression()) {
            case "=" -> Operator.EQ;
            case "<>", "!=" -> Operator.NE;
            case "<" -> Operator.LT;
            case "<=" -> Operator.LE;
            case ">" -> Operator.GT;
            case ">=" -> Operator.GE;
            default -> null; // @>, <@, &&...: no comparison of numbers
        };
    }

    private static Node value(Expression raw, Map<Integer, Integer> uses) {
        Expression e = WhereAnalyzer.unwrap(raw);
        if (e instanceof JdbcParameter p && p.getIndex() != null && p.getIndex() > 0
                && p.getIndex() <= ValueLiterals.SUBSTITUTED_BASE) {
            uses.merge(p.getIndex(), 1, Integer::sum);
            return new ParameterCondition.Parameter(p.getIndex());
        }
        if (e instanceof NullValue) {
            return new ParameterCondition.Null();
        }
        BigDecimal n = number(e);
        return n == null ? null : new ParameterCondition.Number(n);
    }

    /** An integer of up to 15 digits, which every numeric type a parameter compared with it may take holds exactly. */
    private static BigDecimal number(Expression e) {
        if (e instanceof LongValue l) {
            String digits = l.getStringValue();
            return digits.length() <= 15 && digits.chars().allMatch(Character::isDigit) ? new BigDecimal(digits) : null;
        }
        if (e instanceof SignedExpression s && (s.getSign() == '-' || s.getSign() == '+')) {
            BigDecimal n = number(WhereAnalyzer.unwrap(s.getExpression()));
            return n == null ? null : s.getSign() == '-' ? n.negate() : n;
        }
        return null;
    }
}
