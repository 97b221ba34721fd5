package dev.psp.engine.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packets and bytes per flow for one worker: a fixed-capacity open-addressing table (linear
 * probing, no allocation per packet). Once 3/4 of the slots hold flows, packets of new flows are
 * counted in the {@code overflow} bucket instead, so probing stays short and memory never grows.
 *
 * <p>A flow is named by what an on-path observer sees in the clear ({@link Kind}): for encrypt the
 * SPI and the inner 5-tuple hash; for decrypt the SPI and the inner L4 ports when the crypt offset
 * leaves them clear, else the SPI and the outer UDP source port.
 *
 * <p>Thread safety: one writer (the worker). {@link #addTo} from another thread is exact once the
 * worker has stopped (after {@code Pipeline.awaitDrain()}), a best-effort snapshot before.
 */
public final class FlowTelemetry {
    /** What the low 32 bits of a flow key hold. */
    public enum Kind {
        /** Encrypt: SPI + hash of the inner 5-tuple. */
        INNER_FLOW_HASH,
        /** Decrypt: SPI + inner source and destination ports ({@code sport << 16 | dport}), left clear by the crypt offset. */
        INNER_PORTS,
        /** Decrypt: SPI + outer UDP source port (the inner ports are encrypted). */
        OUTER_SOURCE_PORT
    }

    private static final Kind[] KINDS = Kind.values();
    public static final int DEFAULT_CAPACITY = 4096;

    private final int mask;
    private final int limit;
    private final long[] keys;
    /** Kind ordinal + 1; 0 marks an empty slot. */
    private final byte[] kinds;
    private final long[] packets;
    private final long[] bytes;
    private int size;
    private long overflowPackets;
    private long overflowBytes;

    /** A table of {@code capacity} slots (a power of two); at most 3/4 of them hold flows. */
    public FlowTelemetry(int capacity) {
        if (capacity < 4 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("telemetry capacity must be a power of two >= 4, got " + capacity);
        }
        this.mask = capacity - 1;
        this.limit = capacity - capacity / 4;
        this.keys = new long[capacity];
        this.kinds = new byte[capacity];
        this.packets = new long[capacity];
        this.bytes = new long[capacity];
    }

    public FlowTelemetry() {
        this(DEFAULT_CAPACITY);
    }

    /** The 64-bit key: SPI in the high half, the kind's value in the low half. */
    public static long key(int spi, int value) {
        return ((long) spi << 32) | (value & 0xffffffffL);
    }

    /** Counts one packet of {@code len} bytes for the flow ({@code kind}, {@code key}). */
    public void record(Kind kind, long key, int len) {
        byte k = (byte) (kind.ordinal() + 1);
        int i = (int) mix(key ^ k) & mask;
        while (true) {
            byte ki = kinds[i];
            if (ki == 0) {
                if (size >= limit) {
                    overflowPackets++;
                    overflowBytes += len;
                    return;
                }
                keys[i] = key;
                packets[i] = 1;
                bytes[i] = len;
                kinds[i] = k;
                size++;
                return;
            }
            if (ki == k && keys[i] == key) {
                packets[i]++;
                bytes[i] += len;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }

    /** Flows in the table (not counting the overflow bucket). */
    public int size() {
        return size;
    }

    public long overflowPackets() {
        return overflowPackets;
    }

    public long overflowBytes() {
        return overflowBytes;
    }

    public void reset() {
        java.util.Arrays.fill(kinds, (byte) 0);
        size = 0;
        overflowPackets = overflowBytes = 0;
    }

    /** Adds this table into {@code total} (merge on read; allocates, not for the hot path). */
    public void addTo(Merged total) {
        for (int i = 0; i < kinds.length; i++) {
            byte k = kinds[i];
            if (k != 0) {
                total.add(KINDS[k - 1], keys[i], packets[i], bytes[i]);
            }
        }
        total.overflowPackets += overflowPackets;
        total.overflowBytes += overflowBytes;
    }

    /** One flow's totals. */
    public record FlowStat(Kind kind, int spi, int value, long packets, long bytes) {
        @Override
        public String toString() {
            String v = switch (kind) {
                case INNER_FLOW_HASH -> String.format("flow-hash=%08x", value);
                case INNER_PORTS -> "ports=" + (value >>> 16) + ">" + (value & 0xffff);
                case OUTER_SOURCE_PORT -> "udp-sport=" + value;
            };
            return String.format("spi=%08x %s packets=%d bytes=%d", spi, v, packets, bytes);
        }
    }

    /** Telemetry merged over workers: a map keyed by flow, plus the overflow bucket; top-N by packets. */
    public static final class Merged {
        private record Key(Kind kind, long key) {}

        private final Map<Key, long[]> flows = new HashMap<>();
        public long overflowPackets;
        public long overflowBytes;

        void add(Kind kind, long key, long packets, long bytes) {
            long[] t = flows.computeIfAbsent(new Key(kind, key), x -> new long[2]);
            t[0] += packets;
            t[1] += bytes;
        }

        public int flowCount() {
            return flows.size();
        }

        /** Every flow, most packets first (ties: most bytes, then key). */
        public List<FlowStat> all() {
            List<FlowStat> out = new ArrayList<>(flows.size());
            for (Map.Entry<Key, long[]> e : flows.entrySet()) {
                long k = e.getKey().key();
                out.add(new FlowStat(e.getKey().kind(), (int) (k >>> 32), (int) k, e.getValue()[0], e.getValue()[1]));
            }
            out.sort(Comparator.comparingLong(FlowStat::packets).reversed()
                    .thenComparing(Comparator.comparingLong(FlowStat::bytes).reversed())
                    .thenComparingInt(FlowStat::spi).thenComparingInt(FlowStat::value));
            return out;
        }

        /** The {@code n} flows with the most packets. */
        public List<FlowStat> top(int n) {
            List<FlowStat> a = all();
            return a.subList(0, Math.min(n, a.size()));
        }

        public long totalPackets() {
            long s = overflowPackets;
            for (long[] t : flows.values()) {
                s += t[0];
            }
            return s;
        }

        public long totalBytes() {
            long s = overflowBytes;
            for (long[] t : flows.values()) {
                s += t[1];
            }
            return s;
        }

        /** A text report: the top {@code n} flows, then the overflow bucket. */
        public String report(int n) {
            StringBuilder sb = new StringBuilder();
            for (FlowStat f : top(n)) {
                sb.append(f).append('\n');
            }
            sb.append("flows=").append(flowCount()).append(" overflow packets=").append(overflowPackets)
                    .append(" bytes=").append(overflowBytes).append('\n');
            return sb.toString();
        }
    }
}
