package dev.psp.engine.offload;

/**
 * Knobs of one {@link GroCoalescer}, fixed at construction.
 *
 * @param enabled          false: nothing is merged (inner checksums are still verified)
 * @param maxSize          largest merged IP packet (IPv4 total length, IPv6 40 + payload length), at most 65535
 * @param maxSegments      most segments in one super-packet (Linux default 64 with a 64 KB cap)
 * @param maxFlows         flows held at once; a new flow beyond it flushes the oldest (Linux: 8 per bucket)
 * @param flushTimeoutNanos 0: flush every held flow at the end of each {@code coalesce} call (Linux NAPI default);
 *                         above 0: a flow may stay held across calls until it is this old (caller's clock)
 * @param recomputeChecksum true (default): the merged TCP checksum is complete, the packet stands alone;
 *                         false: the checksum field holds the pseudo-header sum (Linux CHECKSUM_PARTIAL) and the
 *                         output is marked {@link GroBatch#csumPartial}
 * @param dropBadChecksum  true (default): a segment whose inner TCP/UDP checksum fails is dropped (to
 *                         {@link GroBatch#dropped}); false: it is delivered alone, never merged. Both count
 *                         {@code rx-inner-csum-bad}
 * @param merge            how a segment joins a super-packet: {@link Merge#CHAIN} (default, zero-copy) or
 *                         {@link Merge#COPY}
 */
public record GroConfig(boolean enabled, int maxSize, int maxSegments, int maxFlows, long flushTimeoutNanos,
                        boolean recomputeChecksum, boolean dropBadChecksum, Merge merge) {

    /** How merged segments' payloads become part of the super-packet. */
    public enum Merge {
        /**
         * Zero-copy, as Linux GRO builds an skb from page frags / frag_list: the head descriptor
         * (headers fixed as in COPY) is followed by a chain of the merged segments' descriptors
         * ({@link dev.psp.engine.psp.Packet#next}), each contributing its payload in place. The chain
         * is owned by the head until the consumer frees it (freeing the head to its pool frees all);
         * {@link GroBatch#consumed} stays empty. Held flows keep every merged descriptor (up to
         * {@code maxSegments} each), not just the head. The head's tailroom is not used, so a head
         * without room still merges.
         */
        CHAIN,
        /**
         * Each merged segment's payload is copied into the head's tailroom (bounded by its
         * {@link dev.psp.engine.psp.Packet#limit}: no room means flush and start over, counted
         * {@code refused-no-room}); the merged descriptors go back to the caller in
         * {@link GroBatch#consumed} at once. The super-packet is contiguous.
         */
        COPY
    }

    public static final int DEFAULT_MAX_SIZE = 65535;
    public static final int DEFAULT_MAX_SEGMENTS = 64;
    public static final int DEFAULT_MAX_FLOWS = 32;

    public GroConfig {
        if (maxSize < 1 || maxSize > 65535) {
            throw new IllegalArgumentException("GRO max size must be 1..65535 bytes of IP packet, got " + maxSize);
        }
        if (maxSegments < 1 || maxSegments > 65535) {
            throw new IllegalArgumentException("GRO max segments must be 1..65535, got " + maxSegments);
        }
        if (maxFlows < 1 || maxFlows > 1024) {
            throw new IllegalArgumentException("GRO max flows must be 1..1024, got " + maxFlows);
        }
        if (flushTimeoutNanos < 0) {
            throw new IllegalArgumentException("GRO flush timeout must be >= 0 ns, got " + flushTimeoutNanos);
        }
        if (merge == null) {
            throw new IllegalArgumentException("GRO merge mode must be CHAIN or COPY, got null");
        }
    }

    /**
     * Enabled, 65535 bytes, 64 segments, 32 flows, flush at end of burst, full checksum, drop bad
     * checksums, zero-copy chaining.
     */
    public static GroConfig defaults() {
        return new GroConfig(true, DEFAULT_MAX_SIZE, DEFAULT_MAX_SEGMENTS, DEFAULT_MAX_FLOWS, 0, true, true, Merge.CHAIN);
    }

    public GroConfig withEnabled(boolean v) {
        return new GroConfig(v, maxSize, maxSegments, maxFlows, flushTimeoutNanos, recomputeChecksum, dropBadChecksum, merge);
    }

    public GroConfig withMaxSize(int v) {
        return new GroConfig(enabled, v, maxSegments, maxFlows, flushTimeoutNanos, recomputeChecksum, dropBadChecksum, merge);
    }

    public GroConfig withMaxSegments(int v) {
        return new GroConfig(enabled, maxSize, v, maxFlows, flushTimeoutNanos, recomputeChecksum, dropBadChecksum, merge);
    }

    public GroConfig withMaxFlows(int v) {
        return new GroConfig(enabled, maxSize, maxSegments, v, flushTimeoutNanos, recomputeChecksum, dropBadChecksum, merge);
    }

    public GroConfig withFlushTimeoutNanos(long v) {
        return new GroConfig(enabled, maxSize, maxSegments, maxFlows, v, recomputeChecksum, dropBadChecksum, merge);
    }

    public GroConfig withRecomputeChecksum(boolean v) {
        return new GroConfig(enabled, maxSize, maxSegments, maxFlows, flushTimeoutNanos, v, dropBadChecksum, merge);
    }

    public GroConfig withDropBadChecksum(boolean v) {
        return new GroConfig(enabled, maxSize, maxSegments, maxFlows, flushTimeoutNanos, recomputeChecksum, v, merge);
    }

    public GroConfig withMerge(Merge v) {
        return new GroConfig(enabled, maxSize, maxSegments, maxFlows, flushTimeoutNanos, recomputeChecksum, dropBadChecksum, v);
    }
}
