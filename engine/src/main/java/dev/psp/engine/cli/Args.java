package dev.psp.engine.cli;

import dev.psp.engine.crypto.Redact;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Minimal option parsing: {@code -x VALUE}, {@code --name VALUE}, {@code --name=VALUE} and flags.
 * Unknown options are errors (one line naming the option), and so is an option given twice (no
 * command has a repeatable option: the last one silently won). Every {@code psp} command parses with it.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    public static Args parse(String[] argv, int from, Set<String> withValue, Set<String> flags) throws ConfigException {
        Args a = new Args();
        for (int i = from; i < argv.length; i++) {
            String s = argv[i];
            if (s.startsWith("-") && s.length() > 1) {
                String name = s;
                String value = null;
                int eq = s.indexOf('=');
                if (s.startsWith("--") && eq > 0) {
                    name = s.substring(0, eq);
                    value = s.substring(eq + 1);
                }
                if (a.values.containsKey(name)) { // only known names are ever stored
                    throw new ConfigException("option " + name + " given more than once");
                }
                if (withValue.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= argv.length) {
                            throw new ConfigException("option " + name + " needs a value");
                        }
                        value = argv[++i];
                    }
                    a.values.put(name, value);
                } else if (flags.contains(name)) {
                    if (value != null) {
                        throw new ConfigException("option " + name + " takes no value");
                    }
                    a.values.put(name, "true");
                } else {
                    throw new ConfigException("unknown option " + Redact.unlessKeyLike(name));
                }
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    public String get(String name) {
        return values.get(name);
    }

    public String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    public String require(String name, String what) throws ConfigException {
        String v = values.get(name);
        if (v == null) {
            throw new ConfigException("missing " + name + " (" + what + ")");
        }
        return v;
    }

    public int intValue(String name, int dflt, int min, int max) throws ConfigException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int x = parseInt(v);
            if (x < min || x > max) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw notAnInteger(name, min, max, v);
        }
    }

    /** A non-negative decimal integer option in {@code min..max} (ASCII digits only), or {@code dflt} when absent. */
    public long longValue(String name, long dflt, long min, long max) throws ConfigException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            if (!v.matches("[0-9]{1,18}")) {
                throw new NumberFormatException();
            }
            long x = Long.parseLong(v);
            if (x < min || x > max) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw notAnInteger(name, min, max, v);
        }
    }

    private static ConfigException notAnInteger(String name, long min, long max, String v) {
        return new ConfigException("option " + name + " must be an integer in " + min + ".." + max + ", got " + Redact.quoted(v));
    }

    /**
     * Decimal, leading zeros allowed ({@code 010} is ten, not octal eight as {@link Integer#decode}
     * reads it), or hexadecimal after {@code 0x}/{@code 0X}; an optional leading sign.
     */
    static int parseInt(String v) {
        int sign = v.startsWith("-") || v.startsWith("+") ? 1 : 0;
        if (v.startsWith("0x", sign) || v.startsWith("0X", sign)) {
            String digits = v.substring(sign + 2);
            if (digits.isEmpty() || digits.charAt(0) == '-' || digits.charAt(0) == '+') {
                throw new NumberFormatException(v);
            }
            return Integer.parseInt(v.substring(0, sign) + digits, 16);
        }
        return Integer.parseInt(v, 10);
    }

    public List<String> positional() {
        return positional;
    }

    /** For commands that take no positional arguments: refuses the first stray one, naming it. */
    public void noPositional(String command) throws ConfigException {
        if (!positional.isEmpty()) {
            throw new ConfigException("unexpected argument " + Redact.quotedUnlessKeyLike(positional.get(0)) + " (see psp " + command
                    + " --help)");
        }
    }
}
