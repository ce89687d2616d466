package io.pgguard.rules;

/** A function called by a statement, with the effect the rules attribute to it and why. */
public record FunctionCall(String name, Effect effect, String reason) {

    public enum Effect {
        /** Built-in immutable/stable, allowlisted harmless volatile built-in, or configured read-only UDF. */
        READ,
        /** Writes tables or sequences that are listed in the statement's table accesses. */
        WRITE,
        /** On the deny list: changes who acts, reaches the file system, or runs SQL from a string. */
        DENIED,
        /** Neither built-in-known nor configured: the statement's effect cannot be known. */
        UNKNOWN
    }

    @Override
    public String toString() {
        return name + "() " + effect + (reason == null ? "" : " (" + reason + ")");
    }
}
