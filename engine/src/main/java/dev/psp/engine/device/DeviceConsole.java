package dev.psp.engine.device;

import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.crypto.Redact;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Line-oriented console over a {@link PspDevice}, scriptable from stdin: one command per line,
 * results on {@code out}, one {@code error: ...} line per failed command on {@code err}, and the
 * console carries on. {@link #run} returns 0 when every command succeeded, else 1. Blank lines and
 * lines starting with {@code #} are ignored. Master keys are never printed nor written anywhere;
 * a derived SA key is printed only for {@code rx-assoc --show-key} (the user's own SA key).
 */
public final class DeviceConsole {
    private static final HexFormat HEX = HexFormat.of();
    /**
     * Longest rotation period, in seconds, that {@code dev-set rotation-period} and
     * {@code psp device --rotation-period} accept (2^31-1, about 68 years).
     */
    public static final int MAX_ROTATION_PERIOD_SECONDS = Integer.MAX_VALUE;
    static final String HELP = """
            commands:
              dev-get                                   device state (never keys)
              dev-set versions 0,1,2,3                  enabled versions (at least one)
              dev-set rotation-period SECONDS           automatic rotation period
              key-rotate                                rotate the master keys now
              rx-assoc [--version N] [--count K] [--show-key]
                                                        allocate K receive SAs (default 1, version 0)
              tx-assoc add --spi HEX --version N --key HEX [--sa INDEX]
                                                        add a transmit SA (paired with rx SA INDEX)
              tx-assoc del INDEX                        delete an SA, zeroing its key
              get-stats [--json]                        counters
              help                                      this text
              quit                                      stop reading commands""";

    private final PspDevice device;

    public DeviceConsole(PspDevice device) {
        this.device = device;
    }

    /** Runs commands until {@code quit} or end of input; returns 0 if all succeeded, else 1. */
    public int run(BufferedReader in, PrintStream out, PrintStream err) throws IOException {
        boolean failed = false;
        String line;
        while ((line = in.readLine()) != null) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] args = line.split("\\s+");
            if (args[0].equals("quit") || args[0].equals("exit")) {
                break;
            }
            try {
                execute(args, out); // the device applies due time-based rotations itself before each operation
            } catch (CommandException | IllegalArgumentException e) {
                err.println("error: " + Redact.bare(args[0]) + ": " + e.getMessage());
                failed = true;
            }
        }
        out.flush();
        return failed ? 1 : 0;
    }

    private void execute(String[] a, PrintStream out) {
        switch (a[0]) {
            case "help" -> out.println(HELP);
            case "dev-get" -> {
                Map<String, Long> s = device.state();
                StringBuilder sb = new StringBuilder();
                s.forEach((k, v) -> {
                    sb.append(sb.isEmpty() ? "" : " ").append(k).append('=');
                    sb.append(k.equals("versions") ? versionList(v.intValue()) : Long.toString(v));
                });
                out.println(sb);
            }
            case "dev-set" -> devSet(a, out);
            case "key-rotate" -> {
                expectArgs(a, 1);
                long g = device.rotate();
                out.println("generation=" + g + " active-key=" + device.activeIndex());
            }
            case "rx-assoc" -> rxAssoc(a, out);
            case "tx-assoc" -> txAssoc(a, out);
            case "get-stats" -> stats(a, out);
            default -> throw new CommandException("unknown command (try help)");
        }
    }

    private void devSet(String[] a, PrintStream out) {
        expectArgs(a, 3);
        switch (a[1]) {
            case "versions" -> {
                int mask = 0;
                for (String v : versionEntries(a[2])) {
                    int n = parseInt(v, "version");
                    if (n < 0 || n > 3) {
                        throw new CommandException("version must be 0..3: " + Redact.quoted(v));
                    }
                    mask |= 1 << n;
                }
                device.enabledVersions(mask);
                out.println("versions=" + versionList(mask));
            }
            case "rotation-period" -> {
                long s = parseLong(a[2], "seconds");
                if (s < 1 || s > MAX_ROTATION_PERIOD_SECONDS) {
                    throw new CommandException("seconds out of range (1.." + MAX_ROTATION_PERIOD_SECONDS + "): " + Redact.quoted(a[2]));
                }
                device.rotationPeriod(Duration.ofSeconds(s));
                out.println("rotation-period-s=" + s);
            }
            default -> throw new CommandException("unknown setting " + Redact.quoted(a[1]) + " (versions, rotation-period)");
        }
    }

    private void rxAssoc(String[] a, PrintStream out) {
        int version = 0;
        int count = 1;
        boolean showKey = false;
        requireOnce(a, 1);
        for (int i = 1; i < a.length; i++) {
            switch (a[i]) {
                case "--version" -> version = parseVersion(value(a, ++i));
                case "--count" -> count = parseInt(value(a, ++i), "count");
                case "--show-key" -> showKey = true;
                default -> throw new CommandException("unknown option " + Redact.quoted(a[i]));
            }
        }
        if (count < 1 || count > 1_000_000) {
            throw new CommandException("count must be in 1..1000000");
        }
        byte[] key = new byte[32];
        MemorySegment seg = MemorySegment.ofArray(key);
        try {
            for (int k = 0; k < count; k++) {
                int idx = device.rxAssocSa(version, seg, 0);
                if (idx < 0) {
                    throw new CommandException(DeviceStatus.name(idx) + (k > 0 ? " after " + k + " SAs" : ""));
                }
                int len = KeyDerivation.keyLength(version);
                String line = "sa=" + idx + " spi=0x" + String.format("%08x", device.saTable().rxSpi(idx)) + " version="
                        + version;
                if (showKey) {
                    line += " key=" + HEX.formatHex(key, 0, len);
                }
                out.println(line);
            }
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private void txAssoc(String[] a, PrintStream out) {
        if (a.length < 2) {
            throw new CommandException("usage: tx-assoc add|del ...");
        }
        if (a[1].equals("del")) {
            expectArgs(a, 3);
            int rc = device.deleteSa(parseInt(a[2], "index"));
            if (rc != DeviceStatus.OK) {
                throw new CommandException(DeviceStatus.name(rc));
            }
            out.println("deleted sa=" + a[2]);
            return;
        }
        if (!a[1].equals("add")) {
            throw new CommandException("unknown subcommand " + Redact.quoted(a[1]) + " (add, del)");
        }
        Integer spi = null;
        Integer version = null;
        byte[] key = null;
        Integer sa = null;
        requireOnce(a, 2);
        try {
            for (int i = 2; i < a.length; i++) {
                switch (a[i]) {
                    case "--spi" -> spi = (int) parseHexLong(value(a, ++i), "spi", 0xFFFF_FFFFL);
                    case "--version" -> version = parseVersion(value(a, ++i));
                    case "--key" -> key = parseKey(value(a, ++i));
                    case "--sa" -> sa = parseInt(value(a, ++i), "sa");
                    default -> throw new CommandException("unknown option " + Redact.quoted(a[i]));
                }
            }
            if (spi == null || version == null || key == null) {
                throw new CommandException("--spi, --version and --key are required");
            }
            MemorySegment k = MemorySegment.ofArray(key);
            int rc = sa != null ? device.txAssoc(sa, spi, version, k, 0, key.length)
                    : device.addTxSa(spi, version, k, 0, key.length);
            if (rc < 0) {
                String why = switch (rc) {
                    case DeviceStatus.BAD_KEY -> "bad-key: version " + version + " needs a " + KeyDerivation.keyLength(version)
                            + "-byte key, got " + key.length;
                    case DeviceStatus.TX_KEY_SET -> "tx-key-set: sa " + sa + " already has a transmit key (tx-assoc del " + sa
                            + ", then rx-assoc anew)";
                    default -> DeviceStatus.name(rc);
                };
                throw new CommandException(why);
            }
            out.println("sa=" + rc + " tx-spi=0x" + String.format("%08x", spi) + " version=" + version);
        } finally {
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    private void stats(String[] a, PrintStream out) {
        boolean json = a.length == 2 && a[1].equals("--json");
        if (a.length > 2 || (a.length == 2 && !json)) {
            throw new CommandException("usage: get-stats [--json]");
        }
        Map<String, Long> m = device.stats().toMap();
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            m.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
            out.println(sb.append('}'));
        } else {
            m.forEach((k, v) -> out.println(k + " " + v));
        }
    }

    private static byte[] parseKey(String hex) {
        String h = hex.startsWith("0x") ? hex.substring(2) : hex;
        if ((h.length() & 1) != 0) {
            throw new CommandException("key must be an even number of hex digits");
        }
        try {
            return HEX.parseHex(h);
        } catch (IllegalArgumentException e) {
            // Never echo the key text back.
            throw new CommandException("key is not hex");
        }
    }

    /**
     * The entries of a comma-separated version list; refuses a list with no version (it would
     * disable every version) and an empty entry (a stray comma, once dropped silently).
     */
    private static String[] versionEntries(String list) {
        if (list.chars().allMatch(c -> c == ',')) {
            throw new CommandException("no versions given (a list of 0..3, e.g. 0,1)");
        }
        String[] entries = list.split(",", -1);
        for (String v : entries) {
            if (v.isEmpty()) {
                throw new CommandException("empty entry in the version list: " + Redact.quoted(list));
            }
        }
        return entries;
    }

    private static String versionList(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int v = 0; v < 4; v++) {
            if ((mask & (1 << v)) != 0) {
                sb.append(sb.isEmpty() ? "" : ",").append(v);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    private static String value(String[] a, int i) {
        if (i >= a.length) {
            throw new CommandException(Redact.quoted(a[i - 1]) + " needs a value");
        }
        return a[i];
    }

    /** Options (tokens from {@code from} starting with --) given twice are refused: a second value would silently win. */
    private static void requireOnce(String[] a, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i].startsWith("--")) {
                for (int j = from; j < i; j++) {
                    if (a[j].equals(a[i])) {
                        throw new CommandException(Redact.bare(a[i]) + " given twice");
                    }
                }
            }
        }
    }

    private static int parseVersion(String s) {
        int v = parseInt(s, "version");
        if (v < 0 || v > 3) {
            throw new CommandException("version must be 0..3: " + Redact.quoted(s));
        }
        return v;
    }

    private static void expectArgs(String[] a, int n) {
        if (a.length != n) {
            throw new CommandException("expected " + (n - 1) + " argument(s), got " + (a.length - 1));
        }
    }

    private static int parseInt(String s, String what) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw numberError(what, s);
        }
    }

    private static long parseLong(String s, String what) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw numberError(what, s);
        }
    }

    private static CommandException numberError(String what, String s) {
        return new CommandException(what + (s.matches("[+-]?[0-9]+") ? " out of range: " : " must be a number: ") + Redact.quoted(s));
    }

    /**
     * ASCII hex digits after an optional {@code 0x}, at most {@code max}: no sign (Long.parseLong
     * takes one) and no other script's digits; a value too large for a long is out of range too.
     */
    private static long parseHexLong(String s, String what, long max) {
        String h = s.toLowerCase(Locale.ROOT).startsWith("0x") ? s.substring(2) : s;
        if (!h.matches("[0-9a-fA-F]+")) {
            throw new CommandException(what + " must be hex: " + Redact.quoted(s));
        }
        String significant = h.replaceFirst("^0+(?=.)", "");
        long v = significant.length() > 15 ? -1 : Long.parseLong(significant, 16);
        if (v < 0 || v > max) {
            throw new CommandException(what + " out of range: " + Redact.quoted(s));
        }
        return v;
    }

    /** A user error in one command: its message is printed, the console continues. */
    private static final class CommandException extends RuntimeException {
        CommandException(String message) {
            super(message, null, false, false);
        }
    }
}
