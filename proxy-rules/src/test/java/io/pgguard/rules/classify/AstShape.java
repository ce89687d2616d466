package io.pgguard.rules.classify;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.IdentityHashMap;

/**
 * A JSqlParser tree written out field by field (class names, every non-empty field, list classes), so that two
 * trees built different ways can be compared exactly: toString() would hide precedence and node types.
 * The parser's token back-references ("node") are left out: they say where, not what.
 */
final class AstShape {
    private AstShape() {
    }

    static String of(Object tree) {
        StringBuilder b = new StringBuilder();
        write(tree, b, new IdentityHashMap<>());
        return b.toString();
    }

    private static void write(Object o, StringBuilder b, IdentityHashMap<Object, Boolean> seen) {
        if (o == null) {
            b.append("null");
            return;
        }
        if (o instanceof CharSequence || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>
                || o instanceof Character) {
            b.append(o);
            return;
        }
        Class<?> c = o.getClass();
        if (seen.put(o, Boolean.TRUE) != null) {
            b.append("<again ").append(c.getSimpleName()).append('>');
            return;
        }
        if (o instanceof Collection<?> items) {
            if (!c.getName().startsWith("java.")) {
                b.append(c.getSimpleName());
            }
            b.append('[');
            for (Object item : items) {
                write(item, b, seen);
                b.append(", ");
            }
            b.append(']');
            return;
        }
        b.append(c.getSimpleName()).append('{');
        for (Class<?> k = c; k != null && !k.getName().startsWith("java."); k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("node")) {
                    continue;
                }
                f.setAccessible(true);
                Object v;
                try {
                    v = f.get(o);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                if (v == null || Boolean.FALSE.equals(v) || (v instanceof Collection<?> col && col.isEmpty())) {
                    continue;
                }
                b.append(f.getName()).append('=');
                write(v, b, seen);
                b.append(' ');
            }
        }
        b.append('}');
    }
}
