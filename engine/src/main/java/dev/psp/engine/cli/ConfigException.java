package dev.psp.engine.cli;

/** A bad configuration file or argument: the message is one line naming the problem, never key bytes. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
