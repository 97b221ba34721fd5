package dev.psp.engine.offload;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GRO counters for one coalescer (one worker thread): plain fields, merged on read with
 * {@link #addTo}. Every packet offered that open delivered or passed through counts once in
 * {@link #segmentsIn} (one open dropped counts in {@link #failedOpen} only); it then leaves as the head
 * of an output, as a merged segment ({@link #segmentsMerged}) or dropped ({@link #innerCsumBad}
 * with drop on). A "refused" counter counts a segment of a held flow that could not join it (the
 * flow is flushed and the segment starts a new one or is delivered alone); a "flush" counter counts
 * why a held flow was delivered.
 */
public final class GroCounters {
    public long segmentsIn;
    /** Packets delivered (super-packets and packets delivered alone). */
    public long packetsOut;
    /** Outputs made of two or more segments. */
    public long superPackets;
    /** Segments appended to a held flow (COPY: their descriptors returned as consumed; CHAIN: linked on the head). */
    public long segmentsMerged;

    // Refused: the segment matched a held flow but could not be appended.
    /** TCP flag word differs beyond CWR/FIN/PSH, CWR set, or SYN/RST/URG set. */
    public long refusedFlags;
    /** TCP window changed (Linux compares the whole flag word, window included). */
    public long refusedWindow;
    /** Sequence number is not the held flow's next one (loss, reordering, duplicate). */
    public long refusedGap;
    public long refusedAck;
    /** TCP header length or option bytes differ (timestamps included). */
    public long refusedOptions;
    /** IPv4 TOS/TTL/DF, or IPv6 traffic class/flow label/hop limit differ. */
    public long refusedIpHeader;
    /** IPv4 ID neither the head's plus the segment count nor fixed (DF set). */
    public long refusedIpId;
    /** Payload larger than the flow's segment size, or empty. */
    public long refusedSize;
    /** Same flow as a held one but under another SA (SPI, version or VC): never merged. */
    public long refusedDifferentSa;
    /** Appending would exceed {@link GroConfig#maxSize}. */
    public long refusedMaxSize;
    /** COPY mode: the head's buffer has no tailroom left for the payload (descriptor {@code limit}); 0 in CHAIN mode. */
    public long refusedNoRoom;

    // Why a held flow was delivered.
    /** A segment smaller than the segment size, or with PSH or FIN, ended the flow. */
    public long flushLast;
    public long flushMaxSegments;
    public long flushTimeout;
    public long flushEndOfBurst;
    /** Flow table full: the oldest flow was delivered to make room. */
    public long flushEvicted;
    /** Explicit {@link GroCoalescer#flush}. */
    public long flushExplicit;

    // Delivered alone without being considered for a merge.
    /** Not TCP (UDP, ICMP, ...), or GRO disabled. */
    public long notTcp;
    /** Not authenticated but delivered: not PSP (the decoder passed it through), untouched. */
    public long notAuthenticated;
    /**
     * Offered after open failed ({@link dev.psp.engine.psp.Packet#result} a drop reason, counted
     * there): handed back in place in the batch's output, untouched, but neither in
     * {@link #segmentsIn} nor in {@link #packetsOut} (it is no GRO input, and nothing delivers it).
     */
    public long failedOpen;
    /**
     * TCP delivered alone because it cannot head a flow: IPv4 options, fragments, short headers,
     * SYN/RST/URG/PSH/FIN, no payload (also counted as refused when it met a held flow).
     */
    public long notMergeable;
    /**
     * Inner TCP/UDP checksum failed after decryption ({@code rx-inner-csum-bad}), found by GRO itself
     * (a decoder with {@code verifyInnerChecksums} drops and counts such packets before GRO, in rx-error).
     */
    public long innerCsumBad;

    public void addTo(GroCounters t) {
        t.segmentsIn += segmentsIn;
        t.packetsOut += packetsOut;
        t.superPackets += superPackets;
        t.segmentsMerged += segmentsMerged;
        t.refusedFlags += refusedFlags;
        t.refusedWindow += refusedWindow;
        t.refusedGap += refusedGap;
        t.refusedAck += refusedAck;
        t.refusedOptions += refusedOptions;
        t.refusedIpHeader += refusedIpHeader;
        t.refusedIpId += refusedIpId;
        t.refusedSize += refusedSize;
        t.refusedDifferentSa += refusedDifferentSa;
        t.refusedMaxSize += refusedMaxSize;
        t.refusedNoRoom += refusedNoRoom;
        t.flushLast += flushLast;
        t.flushMaxSegments += flushMaxSegments;
        t.flushTimeout += flushTimeout;
        t.flushEndOfBurst += flushEndOfBurst;
        t.flushEvicted += flushEvicted;
        t.flushExplicit += flushExplicit;
        t.notTcp += notTcp;
        t.notAuthenticated += notAuthenticated;
        t.failedOpen += failedOpen;
        t.notMergeable += notMergeable;
        t.innerCsumBad += innerCsumBad;
    }

    public void reset() {
        segmentsIn = packetsOut = superPackets = segmentsMerged = 0;
        refusedFlags = refusedWindow = refusedGap = refusedAck = refusedOptions = refusedIpHeader = 0;
        refusedIpId = refusedSize = refusedDifferentSa = refusedMaxSize = refusedNoRoom = 0;
        flushLast = flushMaxSegments = flushTimeout = flushEndOfBurst = flushEvicted = flushExplicit = 0;
        notTcp = notAuthenticated = notMergeable = innerCsumBad = failedOpen = 0;
    }

    /** Counters by name, in declaration order. */
    public Map<String, Long> toMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("gro-segments-in", segmentsIn);
        m.put("gro-packets-out", packetsOut);
        m.put("gro-super-packets", superPackets);
        m.put("gro-segments-merged", segmentsMerged);
        m.put("gro-refused-flags", refusedFlags);
        m.put("gro-refused-window", refusedWindow);
        m.put("gro-refused-gap", refusedGap);
        m.put("gro-refused-ack", refusedAck);
        m.put("gro-refused-options", refusedOptions);
        m.put("gro-refused-ip-header", refusedIpHeader);
        m.put("gro-refused-ip-id", refusedIpId);
        m.put("gro-refused-size", refusedSize);
        m.put("gro-refused-different-sa", refusedDifferentSa);
        m.put("gro-refused-max-size", refusedMaxSize);
        m.put("gro-refused-no-room", refusedNoRoom);
        m.put("gro-flush-last", flushLast);
        m.put("gro-flush-max-segments", flushMaxSegments);
        m.put("gro-flush-timeout", flushTimeout);
        m.put("gro-flush-end-of-burst", flushEndOfBurst);
        m.put("gro-flush-evicted", flushEvicted);
        m.put("gro-flush-explicit", flushExplicit);
        m.put("gro-not-tcp", notTcp);
        m.put("gro-not-authenticated", notAuthenticated);
        m.put("gro-failed-open", failedOpen);
        m.put("gro-not-mergeable", notMergeable);
        m.put("rx-inner-csum-bad", innerCsumBad);
        return m;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
