package dev.psp.engine.psp;

/**
 * How the outer UDP source port is chosen (ECMP/RSS entropy). {@link #flowHash()} is the default.
 */
public final class SourcePortPolicy {
    public enum Kind { REFERENCE_XOR, FLOW_HASH, TABLE, FIXED }

    private static final SourcePortPolicy FLOW_HASH = new SourcePortPolicy(Kind.FLOW_HASH, 0, null);
    private static final SourcePortPolicy REFERENCE = new SourcePortPolicy(Kind.REFERENCE_XOR, 0, null);

    public final Kind kind;
    private final int fixed;
    private final int[] table;

    private SourcePortPolicy(Kind kind, int fixed, int[] table) {
        this.kind = kind;
        this.fixed = fixed;
        this.table = table;
    }

    /**
     * The reference tools' rule: inner source port XOR inner destination port, 1000 when the inner
     * packet has no ports. Unlike the reference, a XOR of 0 (equal ports) also gives 1000: source
     * port 0 is not a valid port (reference bug 8).
     */
    public static SourcePortPolicy referenceXor() {
        return REFERENCE;
    }

    /** A hash of the inner 5-tuple folded into the ephemeral range 49152..65535 (never 0). */
    public static SourcePortPolicy flowHash() {
        return FLOW_HASH;
    }

    /** A lookup table of at least 16 ports indexed by the flow hash (the spec's table option). */
    public static SourcePortPolicy table(int[] ports) {
        if (ports.length < 16 || Integer.bitCount(ports.length) != 1) {
            throw new IllegalArgumentException("source port table needs a power-of-two size of at least 16 entries, got " + ports.length);
        }
        for (int p : ports) {
            if (p <= 0 || p > 0xffff) {
                throw new IllegalArgumentException("source port table entry out of range 1..65535: " + p);
            }
        }
        return new SourcePortPolicy(Kind.TABLE, 0, ports.clone());
    }

    /** A fixed, software-supplied port (1..65535). */
    public static SourcePortPolicy fixed(int port) {
        if (port <= 0 || port > 0xffff) {
            throw new IllegalArgumentException("fixed source port out of range 1..65535: " + port);
        }
        return new SourcePortPolicy(Kind.FIXED, port, null);
    }

    /** The port for a packet whose inner ports (if any) and flow hash are given. */
    public int sourcePort(boolean hasPorts, int innerSrc, int innerDst, int flowHash) {
        return switch (kind) {
            case REFERENCE_XOR -> {
                int x = hasPorts ? (innerSrc ^ innerDst) : PspHeader.UDP_PORT;
                yield x == 0 ? PspHeader.UDP_PORT : x;
            }
            case FLOW_HASH -> 0xC000 | (flowHash & 0x3fff);
            case TABLE -> table[flowHash & (table.length - 1)];
            case FIXED -> fixed;
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FIXED -> "fixed(" + fixed + ")";
            case TABLE -> "table(" + table.length + ")";
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
