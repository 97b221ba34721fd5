package dev.psp.engine.crypto;

/**
 * How a user's token may appear in an error message: as is only when it is too short to be key
 * material, else described by its length, so a key typed or written where another value belongs is
 * never echoed. Twelve characters is the longest valid non-key token ({@code aes-gmac-256}); a
 * longer quote could already carry key bytes.
 */
public final class Redact {
    /** Longest token shown as is. */
    public static final int MAX_SHOWN = 12;

    private Redact() {}

    /** The token quoted ({@code 'tok'}), or {@code a N-character value}. */
    public static String quoted(String token) {
        return token.length() <= MAX_SHOWN ? "'" + printable(token) + "'" : described(token);
    }

    /** The token as is, or {@code a N-character value}. */
    public static String bare(String token) {
        return token.length() <= MAX_SHOWN ? printable(token) : described(token);
    }

    /** Control characters as {@code \\xNN}, so a token cannot drive the terminal it is echoed to. */
    static String printable(String token) {
        StringBuilder b = null;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                if (b == null) {
                    b = new StringBuilder(token.length() + 8).append(token, 0, i);
                }
                b.append(String.format("\\x%02x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? token : b.toString();
    }

    private static String described(String token) {
        return "a " + token.length() + "-character value";
    }
}
