package dev.psp.engine.perf;

import java.util.Locale;

/** Just enough JSON writing for bench reports (no library): strings escaped, numbers finite. */
final class Json {
    private Json() {}

    static StringBuilder string(StringBuilder b, String s) {
        return s == null ? b.append("null") : dev.psp.engine.report.Json.string(b, s);
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
