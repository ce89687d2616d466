package io.pgguard.rules.classify;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every node of a JSqlParser syntax tree, found through the fields its classes declare (and the elements of the
 * nodes that are lists) rather than through a visitor.
 * JSqlParser's visitors skip parts of the tree: the arguments of position(x IN y), substring(x FROM y),
 * overlay(...), an aggregate's ORDER BY, array subscripts, XML functions' clauses and more. A function call or
 * subquery there would run on the server unseen, so the collector asks this walk for whatever its own traversal
 * missed. The walk stays inside JSqlParser's tree classes and never enters the parser's own parse-tree nodes.
 */
final class AstDeepWalk {
    private static final String TREE_PACKAGE = "net.sf.jsqlparser.";
    private static final String PARSER_PACKAGE = "net.sf.jsqlparser.parser.";

    private static final ClassValue<List<Field>> NODE_FIELDS = new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
            List<Field> fields = new ArrayList<>();
            for (Class<?> c = type; c != null && isTreeNode(c); c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && mayHoldNodes(f.getType())) {
                        f.setAccessible(true);
                        fields.add(f);
                    }
                }
            }
            return List.copyOf(fields);
        }
    };

    private AstDeepWalk() {
    }

    /**
     * More nodes than this and the walk gives up: a syntax tree is no graph with cycles, so only a defect could
     * make one, and the statement then counts as one that cannot be analysed.
     */
    static final int MAX_NODES = 1_000_000;

    private static final ClassValue<Boolean> TREE_NODE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            String name = type.getName();
            return name.startsWith(TREE_PACKAGE) && !name.startsWith(PARSER_PACKAGE) && !type.isEnum();
        }
    };

    /**
     * Calls {@code action} with every tree node reachable from {@code root}, parents first (a node two parents
     * share comes twice).
     */
    static void forEachNode(Object root, Consumer<Object> action) {
        ArrayDeque<Object> stack = new ArrayDeque<>();
        stack.push(root);
        int visited = 0;
        while (!stack.isEmpty()) {
            Object node = stack.pop();
            if (++visited > MAX_NODES) {
                throw new IllegalStateException("syntax tree walk passed " + MAX_NODES + " nodes");
            }
            if (node instanceof net.sf.jsqlparser.schema.Column column) {
                // The commonest node: its table is only a qualifier's name; a subscript (col[f()]) may hold calls.
                action.accept(node);
                pushChild(stack, column.getArrayConstructor());
            } else if (isTreeNode(node.getClass())) {
                action.accept(node);
                for (Field f : NODE_FIELDS.get(node.getClass())) {
                    pushChild(stack, read(f, node));
                }
            }
            // A node may be a list too (an ExpressionList is an ArrayList): its elements are its children.
            if (node instanceof Collection<?> items) {
                items.forEach(child -> pushChild(stack, child));
            } else if (node instanceof Map<?, ?> map) {
                map.values().forEach(child -> pushChild(stack, child));
            } else if (node instanceof Map.Entry<?, ?> entry) { // a JSON operator's path: (expression, operator)
                pushChild(stack, entry.getKey());
                pushChild(stack, entry.getValue());
            } else if (node instanceof Object[] array) {
                for (Object child : array) {
                    pushChild(stack, child);
                }
            }
        }
    }

    private static void pushChild(ArrayDeque<Object> stack, Object child) {
        if (child != null && (isTreeNode(child.getClass()) || child instanceof Collection<?> || child instanceof Map<?, ?>
                || child instanceof Map.Entry<?, ?> || child instanceof Object[])) {
            stack.push(child);
        }
    }

    private static Object read(Field f, Object node) {
        try {
            return f.get(node);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + f + " of the syntax tree", e);
        }
    }

    private static boolean isTreeNode(Class<?> type) {
        return TREE_NODE.get(type);
    }

    /** A field's declared type that may hold a node: a tree class, an interface or Object, a collection, an array. */
    private static boolean mayHoldNodes(Class<?> type) {
        if (type.isPrimitive() || type.isEnum() || type == String.class || Number.class.isAssignableFrom(type)
                || type == Boolean.class || type == Character.class) {
            return false;
        }
        if (type.isArray()) {
            return !type.getComponentType().isPrimitive();
        }
        String name = type.getName();
        return name.startsWith(PARSER_PACKAGE) ? false
                : name.startsWith(TREE_PACKAGE) || type.isInterface() || type == Object.class
                        || Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type);
    }
}
