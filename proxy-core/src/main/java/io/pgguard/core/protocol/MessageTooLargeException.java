package io.pgguard.core.protocol;

/** A frontend message over the configured size limit. */
public final class MessageTooLargeException extends ProtocolViolationException {
    public MessageTooLargeException(String message) {
        super(message);
    }
}
