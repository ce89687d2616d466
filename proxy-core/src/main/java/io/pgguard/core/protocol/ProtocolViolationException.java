package io.pgguard.core.protocol;

/** A peer broke the wire protocol; the connection answers 08P01 and closes. */
public class ProtocolViolationException extends RuntimeException {
    public ProtocolViolationException(String message) {
        super(message, null, false, false);
    }
}
