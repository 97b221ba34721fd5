package dev.psp.engine.perf;

import java.util.Locale;

/** Just enough JSON writing for bench reports (no library): strings escaped, numbers finite. */
final class Json {
    private Json() {}

    static StringBuilder string(StringBuilder b, String s) {
        if (s == null) {
            return b.append("null");
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }

    static StringBuilder field(StringBuilder b, String name, String value) {
        string(b, name).append(':');
        return string(b, value);
    }

    /** A finite double with up to 4 decimals; NaN and infinities become null. */
    static StringBuilder number(StringBuilder b, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return b.append("null");
        }
        return b.append(String.format(Locale.ROOT, "%.4f", v));
    }
}
