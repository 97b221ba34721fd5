package dev.psp.engine.psp;

/** PSP encapsulation mode. {@link #AUTO} is decrypt-only: next header 4 or 41 means tunnel. */
public enum Mode {
    TRANSPORT, TUNNEL, AUTO;

    /** Parses "transport", "tunnel" or "auto"; null when unknown. */
    public static Mode parse(String s) {
        return switch (s) {
            case "transport" -> TRANSPORT;
            case "tunnel" -> TUNNEL;
            case "auto" -> AUTO;
            default -> null;
        };
    }
}
