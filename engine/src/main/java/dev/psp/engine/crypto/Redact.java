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

    /**
     * For tokens that may be long and legitimate (option names, file names): the token as is
     * (control characters escaped) unless it holds a run of 16 or more hex digits (64 bits of what
     * could be key material), then {@code a N-character value}.
     */
    public static String unlessKeyLike(String token) {
        return keyLike(token) ? described(token) : printable(token);
    }

    /** {@link #unlessKeyLike} in quotes ({@code 'tok'}), or {@code a N-character value}. */
    public static String quotedUnlessKeyLike(String token) {
        return keyLike(token) ? described(token) : "'" + printable(token) + "'";
    }

    private static final java.util.regex.Pattern KEY_LIKE = java.util.regex.Pattern.compile("[0-9a-fA-F]{16}");

    /** Holds a run of 16 or more hex digits. */
    private static boolean keyLike(String token) {
        return KEY_LIKE.matcher(token).find();
    }

    /** The token as is, or {@code a N-character value}. */
    public static String bare(String token) {
        return token.length() <= MAX_SHOWN ? printable(token) : described(token);
    }

    /**
     * Non-printable code points escaped, so a token can neither drive the terminal it is echoed to
     * nor reorder, hide or fake the text around it: below U+0100 (C0 and C1 controls, DEL, no-break
     * space, soft hyphen) as {@code \\xNN}, above as {@code \\u{XXXX}} (four to six hex digits):
     * format and bidi controls, separators other than the ASCII space, private use, unassigned code
     * points, lone surrogates, and U+FFFD, the replacement character invalid UTF-8 decodes to.
     */
    static String printable(String token) {
        StringBuilder b = null;
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            if (!isPrintable(cp)) {
                if (b == null) {
                    b = new StringBuilder(token.length() + 8).append(token, 0, i);
                }
                b.append(cp < 0x100 ? String.format("\\x%02x", cp) : String.format("\\u{%04x}", cp));
            } else if (b != null) {
                b.appendCodePoint(cp);
            }
            i += Character.charCount(cp);
        }
        return b == null ? token : b.toString();
    }

    /** True for code points shown as is: letters, digits, marks, punctuation, symbols and the ASCII space. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        if (cp == 0xFFFD) {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE, Character.UNASSIGNED,
                    Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    private static String described(String token) {
        return "a " + token.length() + "-character value";
    }
}
