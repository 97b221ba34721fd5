package dev.psp.engine.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small dependency-free JSON reader and writer helpers.
 *
 * <p>{@link #parse} is a recursive-descent parser for RFC 8259 JSON producing {@link LinkedHashMap}
 * (member order kept), {@link ArrayList}, {@link String}, {@link Double}, {@link Boolean} and {@code null}.
 * All numbers become doubles (results are measurements; 2^53 is enough for counts).
 */
public final class Json {
    private final String s;
    private final boolean strict;
    private int i;

    private Json(String s, boolean strict) {
        this.s = s;
        this.strict = strict;
    }

    /** Parses one JSON value (surrounding whitespace allowed). */
    public static Object parse(String text) {
        return parse(text, false);
    }

    /**
     * As {@link #parse}, but RFC 8259 only: no NaN/Infinity literals, no duplicate member names.
     * For checking what this project writes (tests of {@code --json} outputs).
     */
    public static Object parseStrict(String text) {
        return parse(text, true);
    }

    private static Object parse(String text, boolean strict) {
        Json p = new Json(text, strict);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != p.s.length()) {
            throw p.error("trailing characters after the JSON value");
        }
        return v;
    }

    private IllegalArgumentException error(String what) {
        int line = 1;
        int col = 1;
        for (int k = 0; k < Math.min(i, s.length()); k++) {
            if (s.charAt(k) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new IllegalArgumentException("JSON: " + what + " at line " + line + ", column " + col);
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                i++;
            } else {
                break;
            }
        }
    }

    private Object value(int depth) {
        if (depth > 512) {
            throw error("nesting too deep");
        }
        if (i >= s.length()) {
            throw error("unexpected end of input");
        }
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                // Tolerate NaN/Infinity, which some writers emit for failed measurements.
                if (!strict && s.startsWith("NaN", i)) {
                    yield literal("NaN", Double.NaN);
                }
                if (!strict && s.startsWith("Infinity", i)) {
                    yield literal("Infinity", Double.POSITIVE_INFINITY);
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) {
            throw error("expected " + word);
        }
        i += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return m;
        }
        while (true) {
            ws();
            if (i >= s.length() || s.charAt(i) != '"') {
                throw error("expected a member name");
            }
            String k = string();
            ws();
            expect(':');
            ws();
            if (m.put(k, value(depth + 1)) != null && strict) {
                throw error("duplicate member name " + k);
            }
            ws();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array(int depth) {
        List<Object> a = new ArrayList<>();
        i++;
        ws();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return a;
        }
        while (true) {
            ws();
            a.add(value(depth + 1));
            ws();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                continue;
            }
            expect(']');
            return a;
        }
    }

    private void expect(char c) {
        if (i >= s.length() || s.charAt(i) != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private String string() {
        i++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                if (i >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("bad \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            } else if (c < 0x20) {
                throw error("control character in string");
            } else {
                b.append(c);
            }
        }
    }

    private Double number() {
        int start = i;
        if (s.charAt(i) == '-') {
            i++;
            if (!strict && s.startsWith("Infinity", i)) {
                i += 8;
                return Double.NEGATIVE_INFINITY;
            }
        }
        while (i < s.length()) {
            char c = s.charAt(i);
            if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                i++;
            } else {
                break;
            }
        }
        try {
            return Double.parseDouble(s.substring(start, i));
        } catch (NumberFormatException x) {
            i = start;
            throw error("bad number");
        }
    }

    // ---- writing ----

    /**
     * Appends {@code v} (Map, Iterable, String, Number, Boolean, double[] or null) as JSON. NaN/Inf become null; a
     * {@link BigDecimal} is written as its plain digits, scale kept (for fixed-decimal reports: 0.5000).
     */
    public static StringBuilder write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String str -> string(b, str);
            case Boolean bo -> b.append(bo);
            case BigDecimal d -> b.append(d.toPlainString());
            case Number n -> number(b, n.doubleValue());
            case double[] arr -> {
                b.append('[');
                for (int k = 0; k < arr.length; k++) {
                    if (k > 0) {
                        b.append(',');
                    }
                    number(b, arr[k]);
                }
                b.append(']');
            }
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    string(b, String.valueOf(e.getKey())).append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case Iterable<?> it -> {
                b.append('[');
                boolean first = true;
                for (Object o : it) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    write(b, o);
                }
                b.append(']');
            }
            default -> string(b, v.toString());
        }
        return b;
    }

    /** JSON text of {@code v}. */
    public static String write(Object v) {
        return write(new StringBuilder(), v).toString();
    }

    static StringBuilder number(StringBuilder b, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return b.append("null");
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return b.append((long) d);
        }
        return b.append(d);
    }

    /** Appends {@code str} as a JSON string literal (also safe inside an HTML script element). */
    public static StringBuilder string(StringBuilder b, String str) {
        b.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<' -> b.append("\\u003c"); // safe to inline inside <script>
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
