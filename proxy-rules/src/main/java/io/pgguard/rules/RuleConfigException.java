package io.pgguard.rules;

/** The rules section is invalid; the message names the offending key. */
public final class RuleConfigException extends RuntimeException {
    public RuleConfigException(String message) {
        super(message);
    }

    public RuleConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
