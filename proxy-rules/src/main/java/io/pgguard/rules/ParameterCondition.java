package io.pgguard.rules;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A write's WHERE that names no column, only integers and the client's parameters ({@code 1 = $1}, which knex sends
 * with the value 0 for an empty {@code whereIn}): it keeps every row or none, and the values bound to the statement
 * decide which. PgGuard evaluates it at each Bind, with SQL's three-valued logic, and lets the Bind through only
 * when the WHERE cannot be true.
 */
public final class ParameterCondition {

    /** What the WHERE does with the values of one Bind. */
    public enum Outcome { KEEPS_NO_ROW, KEEPS_EVERY_ROW, UNKNOWN }

    /** One node of the condition: a comparison, AND, OR, NOT, IS [NOT] NULL, a number, NULL or a parameter. */
    public sealed interface Node permits Number, Null, Parameter, Compare, And, Or, Not, IsNull {
    }

    public record Number(BigDecimal value) implements Node {
    }

    public record Null() implements Node {
    }

    /** {@code $index}, 1-based as in SQL. */
    public record Parameter(int index) implements Node {
    }

    public enum Operator { EQ, NE, LT, LE, GT, GE }

    public record Compare(Operator op, Node left, Node right) implements Node {
    }

    public record And(Node left, Node right) implements Node {
    }

    public record Or(Node left, Node right) implements Node {
    }

    public record Not(Node operand) implements Node {
    }

    public record IsNull(Node operand, boolean negated) implements Node {
    }

    private final Node root;

    public ParameterCondition(Node root) {
        this.root = root;
    }

    public Node root() {
        return root;
    }

    /** Three-valued truth, and UNKNOWN for what PgGuard cannot read (a value that is no number, a binary value). */
    private enum Truth { TRUE, FALSE, NULL, UNKNOWN }

    /**
     * The outcome for one Bind's values: {@code values.get(i)} is $(i+1) as text, null for SQL NULL; a value the
     * proxy did not read ({@code unread} true for its index) or a parameter the Bind does not carry is UNKNOWN.
     */
    public Outcome evaluate(List<String> values, IntPredicate unread) {
        return switch (truth(root, values, unread)) {
            case TRUE -> Outcome.KEEPS_EVERY_ROW;
            case FALSE, NULL -> Outcome.KEEPS_NO_ROW;
            case UNKNOWN -> Outcome.UNKNOWN;
        };
    }

    private static Truth truth(Node n, List<String> values, IntPredicate unread) {
        if (n instanceof Compare c) {
            return compare(c, values, unread);
        }
        if (n instanceof IsNull i) {
            Operand v = value(i.operand(), values, unread);
            if (v.unknown()) {
                return Truth.UNKNOWN;
            }
            return (v.number() == null) != i.negated() ? Truth.TRUE : Truth.FALSE;
        }
        if (n instanceof Not not) {
            Truth t = truth(not.operand(), values, unread);
            return t == Truth.TRUE ? Truth.FALSE : t == Truth.FALSE ? Truth.TRUE : t;
        }
        if (n instanceof And and) {
            return and(truth(and.left(), values, unread), truth(and.right(), values, unread));
        }
        if (n instanceof Or or) {
            Truth l = truth(or.left(), values, unread);
            Truth r = truth(or.right(), values, unread);
            if (l == Truth.TRUE || r == Truth.TRUE) { // whatever the other side is
                return Truth.TRUE;
            }
            if (l == Truth.UNKNOWN || r == Truth.UNKNOWN) {
                return Truth.UNKNOWN;
            }
            return l == Truth.NULL || r == Truth.NULL ? Truth.NULL : Truth.FALSE;
        }
        return Truth.UNKNOWN; // a bare value used as a condition
    }

    private static Truth and(Truth l, Truth r) {
        if (l == Truth.FALSE || r == Truth.FALSE) { // whatever the other side is: a value, or one the server refuses
            return Truth.FALSE;
        }
        if (l == Truth.UNKNOWN || r == Truth.UNKNOWN) {
            return Truth.UNKNOWN;
        }
        return l == Truth.NULL || r == Truth.NULL ? Truth.NULL : Truth.TRUE;
    }

    /** A number, SQL NULL (number null) or a value PgGuard cannot read. */
    private record Operand(BigDecimal number, boolean unknown) {
        static final Operand NULL = new Operand(null, false);
        static final Operand UNREADABLE = new Operand(null, true);
    }

    private static Operand value(Node n, List<String> values, IntPredicate unread) {
        if (n instanceof Number number) {
            return new Operand(number.value(), false);
        }
        if (n instanceof Null) {
            return Operand.NULL;
        }
        if (n instanceof Parameter p) {
            int i = p.index() - 1;
            if (i < 0 || i >= values.size() || unread.test(i)) {
                return Operand.UNREADABLE;
            }
            String text = values.get(i);
            if (text == null) {
                return Operand.NULL;
            }
            // Only what every numeric type reads as the same integer: blanks, a sign and up to 15 digits (a float8
            // parameter rounds longer ones, or a fraction, to another value; newer servers read 0x1A and 1_000 too)
            return INTEGER.matcher(text).matches() ? new Operand(new BigDecimal(text.strip()), false)
                    : Operand.UNREADABLE;
        }
        return Operand.UNREADABLE;
    }

    private static final java.util.regex.Pattern INTEGER =
            java.util.regex.Pattern.compile("[ \\t\\n\\r\\f\\x0B]*[+-]?[0-9]{1,15}[ \\t\\n\\r\\f\\x0B]*");

    private static Truth compare(Compare c, List<String> values, IntPredicate unread) {
        Operand l = value(c.left(), values, unread);
        Operand r = value(c.right(), values, unread);
        if (l.unknown() || r.unknown()) {
            return Truth.UNKNOWN;
        }
        if (c.left() instanceof Parameter && c.right() instanceof Parameter) {
            return Truth.UNKNOWN; // two parameters alone are typed text: '10' < '9'
        }
        Operator op = c.op();
        if (l.number() == null || r.number() == null) {
            return Truth.NULL;
        }
        int order = l.number().compareTo(r.number());
        boolean holds = switch (op) {
            case EQ -> order == 0;
            case NE -> order != 0;
            case LT -> order < 0;
            case LE -> order <= 0;
            case GT -> order > 0;
            case GE -> order >= 0;
        };
        return holds ? Truth.TRUE : Truth.FALSE;
    }
}
