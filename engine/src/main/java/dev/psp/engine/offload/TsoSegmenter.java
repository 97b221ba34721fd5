package dev.psp.engine.offload;

import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.crypto.TsoSealer;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;

/**
 * Software TSO/GSO in front of PSP: takes a TCP super-packet (up to 64 KB of payload, options
 * included) and an MSS, or a UDP super-packet and a segment size ({@code UDP_SEGMENT} semantics),
 * and emits sealed PSP packets, one segment each, in one pass over a burst. Segment headers come
 * from one template (the super-packet's), with IPv4 ID +1 per segment, lengths and checksums
 * right, TCP sequence numbers advanced, CWR only on the first segment and FIN/PSH only on the last
 * (Linux {@code tcp_gso_segment}); every segment gets a fresh IV. The payload is never copied into
 * the segments: the cipher reads it from the super-packet and writes it, encrypted, into its final
 * place ({@link Packet#splitSource}).
 *
 * <p>Only the first segment (and a short last one) goes through the full encapsulation (parse,
 * header move, PSP header); every other segment is stamped from the first one's finished headers
 * ({@link PspEncoder#stamp}) with just the IPv4 ID and checksum, IV, sequence number, flags and
 * inner checksum rewritten, the checksums finished from sums prepared once per super-packet. All
 * segments then go to the cipher as one burst ({@link PspEncoder#sealEncapsulated}).
 *
 * <p>Inner checksums (checksum-offload emulation) are computed in software when
 * {@code computeChecksums}; otherwise the template's checksum field is copied unchanged. Not thread
 * safe: one per worker, sharing the worker's encoder.
 */
public final class TsoSegmenter {
    /** Returned by {@link #segment} for a packet that needs no segmenting: seal it as usual. */
    public static final int NOT_SEGMENTED = -1;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private final PspEncoder encoder;
    private final TsoCounters counters;
    private final boolean computeChecksums;
    private final PacketHeaders h = new PacketHeaders();

    public TsoSegmenter(PspEncoder encoder, TsoCounters counters, boolean computeChecksums) {
        this.encoder = encoder;
        this.counters = counters;
        this.computeChecksums = computeChecksums;
    }

    public TsoCounters counters() {
        return counters;
    }

    /**
     * Segments {@code sp} into at most {@code out.length} segments of {@code segSize} payload bytes
     * and seals them. Each {@code out[i]} must be a free descriptor already wrapped around an empty
     * slot, its {@code offset} leaving headroom for the encapsulation. Returns the number of
     * segments sealed (those first in {@code out}, failures after them with their reason), or
     * {@link #NOT_SEGMENTED} when the packet is not a TCP/UDP super-packet larger than
     * {@code segSize} (the caller seals it in place), or 0 when the super-packet was refused whole
     * (counted as tx-error).
     */
    public int segment(Packet sp, int segSize, Packet[] out) {
        return segment(sp, segSize, segSize, out);
    }

    /**
     * As {@link #segment(Packet, int, Packet[])} with separate sizes: TCP packets are cut at
     * {@code tcpMss}, UDP packets at {@code udpSegSize}; 0 leaves that protocol unsegmented.
     */
    public int segment(Packet sp, int tcpMss, int udpSegSize, Packet[] out) {
        MemorySegment s = sp.segment;
        if (h.parse(s, sp.offset, sp.length) != PacketHeaders.OK || h.fragment
                || (h.l4Proto != PacketHeaders.PROTO_TCP && h.l4Proto != PacketHeaders.PROTO_UDP)) {
            return NOT_SEGMENTED;
        }
        boolean tcp = h.l4Proto == PacketHeaders.PROTO_TCP;
        int segSize = tcp ? tcpMss : udpSegSize;
        if (segSize <= 0) {
            return NOT_SEGMENTED;
        }
        int l4HdrLen;
        if (tcp) {
            if (h.ipEnd - h.l4Off < 20) {
                return NOT_SEGMENTED;
            }
            l4HdrLen = (Bytes.u8(s, h.l4Off + 12) >>> 4) * 4;
            if (l4HdrLen < 20 || h.l4Off + l4HdrLen > h.ipEnd) {
                return NOT_SEGMENTED;
            }
        } else {
            l4HdrLen = 8;
            if (h.ipEnd - h.l4Off < 8) {
                return NOT_SEGMENTED;
            }
        }
        long payloadOff = h.l4Off + l4HdrLen;
        int payloadLen = (int) (h.ipEnd - payloadOff);
        if (payloadLen <= segSize) {
            return NOT_SEGMENTED;
        }
        counters.superPacketsIn++;
        int nseg = (payloadLen + segSize - 1) / segSize;
        if (nseg > out.length) {
            counters.refused++;
            encoderCounters().count(Reason.TX_TOO_BIG.code());
            sp.result = Reason.TX_TOO_BIG.code();
            return 0;
        }
        int hdrLen = (int) (payloadOff - sp.offset);
        for (int i = 0; i < nseg; i++) {
            Packet d = out[i];
            int chunk = Math.min(segSize, payloadLen - i * segSize);
            // no sum that can wrap: an offset near Long.MAX_VALUE must not pass into the native stamp's raw address
            if (d.offset < 0 || d.limit < 0 || d.offset > d.limit - (hdrLen + chunk + 64L)) {
                counters.refused++;
                encoderCounters().count(Reason.TX_NO_ROOM.code());
                sp.result = Reason.TX_NO_ROOM.code();
                return 0;
            }
        }
        l3Rel = (int) (h.l3Off - sp.offset);
        l4Rel = (int) (h.l4Off - sp.offset);
        ipExtra = (int) (h.l4Off - h.l3Off); // IPv4 header or IPv6 header + extension headers
        ipId = h.ipVersion == 4 ? Bytes.u16(s, h.l3Off + 4) : 0;
        seq = tcp ? Bytes.u32(s, h.l4Off + 4) : 0;
        flags = tcp ? Bytes.u8(s, h.l4Off + 13) : 0;
        ipVersion = h.ipVersion;
        ipHeaderLen = h.ipHeaderLen;
        l4Proto = h.l4Proto;
        this.l4HdrLen = l4HdrLen;
        this.nseg = nseg;
        this.segSize = segSize;

        // Segment 0 is cut from the super-packet and encapsulated in full; every other full-size
        // segment is stamped from its finished headers (no parse, no header move); a short last
        // segment, or all of them when the template failed, go the full way.
        Packet t = out[0];
        long o0 = t.offset;
        build(sp, t, 0, payloadOff, payloadLen);
        boolean template = encoder.encapsulateOnly(t, nseg, true) == 0;
        long encap = o0 - t.offset;
        if (template) {
            stampSums(sp, t, o0, encap, payloadOff);
        }
        checkedSlots = null;
        TsoSealer ts = template ? nativeSealer(sp, t, o0, encap, payloadOff, out.length) : null;
        Packet[] viaJava = javaSegments(out.length);
        int javaCount = 0;
        viaJava[javaCount++] = t;
        int stamped = 0;
        for (int i = 1; i < nseg; i++) {
            Packet d = out[i];
            if (template && (i + 1) * segSize <= payloadLen && d.offset - encap >= d.base) {
                if (ts != null && nativeStamp(ts, sp, t, d, i, payloadOff, encap)) {
                    stamped++;
                    continue;
                }
                stamp(sp, t, d, i, payloadOff, encap);
            } else {
                build(sp, d, i, payloadOff, payloadLen);
                encoder.encapsulateOnly(d, nseg - i, false);
            }
            viaJava[javaCount++] = d;
        }
        if (stamped > 0) {
            // before segment 0 is sealed: the shim copies its cleartext headers
            ts.seal();
            int k = 0;
            for (int i = 1; i < nseg; i++) {
                Packet d = out[i];
                if (d.result == STAMPED_NATIVELY) {
                    d.result = 0;
                    nativeStamped++;
                    encoder.completeSealed(d, ts.status(k++));
                }
            }
        }
        encoder.sealEncapsulated(viaJava, javaCount);
        java.util.Arrays.fill(viaJava, 0, javaCount, null);
        int ok = PspEncoder.partition(out, nseg, failedScratch);
        counters.segmentsOut += ok;
        sp.result = ok == nseg ? 0 : out[ok].result;
        return ok;
    }

    /** Segments stamped and sealed by the engine's {@link TsoSealer} (tests check the native path ran). */
    long nativeStamped;

    /** {@link Packet#result} of a segment handed to the {@link TsoSealer} until its call returns. */
    private static final int STAMPED_NATIVELY = Integer.MIN_VALUE + 1;

    private Packet[] javaScratch = new Packet[0];
    private Packet[] failedScratch = new Packet[0];

    private Packet[] javaSegments(int n) {
        if (javaScratch.length < n) {
            javaScratch = new Packet[n];
            failedScratch = new Packet[n];
        }
        return javaScratch;
    }

    /**
     * The engine's {@link TsoSealer}, begun for this super-packet, when the stamped segments can go
     * to it: native, writable super-packet memory (its sources, and the bytes staged in front of
     * them), a native template, a split record whose text holds the whole segment payload (a crypt
     * offset reaching into the payload takes the Java path). Else null.
     */
    private TsoSealer nativeSealer(Packet sp, Packet t, long o0, long encap, long payloadOff, int capacity) {
        MemorySegment s = sp.segment;
        MemorySegment ts = t.segment;
        if (!Bytes.addressable(s, true) || !Bytes.addressable(ts, false)) {
            return null;
        }
        TsoSealer sealer = encoder.tsoSealer(capacity);
        if (sealer == null || sealer.capacity() < nseg) {
            return null;
        }
        boolean v4 = ipVersion == 4;
        boolean tcp = l4Proto == PacketHeaders.PROTO_TCP;
        int flags = (v4 ? TsoSealer.IPV4 : 0) | (v4 && outerSum >= 0 ? TsoSealer.OUTER_IPV4 : 0)
                | (tcp ? TsoSealer.TCP : 0) | (computeChecksums ? TsoSealer.CSUM : 0);
        int start = (int) encap; // segment 0 now starts encap bytes before o0
        int l4Off = start + l4Rel;
        int ipOff = transport ? l3Rel : start + l3Rel;
        int hdrLen = (int) (encap + (payloadOff - sp.offset));
        boolean ok = encoder.beginTso(sealer, t, flags, hdrLen, segSize, ipOff, l4Off, l4Off + (tcp ? 16 : 6), ipSum, outerSum,
                l4Sum, tcpWord12);
        return ok ? sealer : null;
    }

    /**
     * Full-size segment {@code i} to the {@link TsoSealer}: the descriptor stamped from the template
     * and the per-segment values {@link #stamp} writes (IPv4 ID, sequence number, flags) handed over;
     * the shim writes the headers, computes the checksum (when asked) from the sums
     * {@link #stampSums} prepared and seals. False when it did not fit (the Java stamp then runs).
     */
    private boolean nativeStamp(TsoSealer ts, Packet sp, Packet t, Packet d, int i, long payloadOff, long encap) {
        MemorySegment ds = d.segment;
        if (d.base < 0 || d.limit > ds.byteSize() || (ds != checkedSlots && !checkSlots(ds))) {
            return false;
        }
        long srcOff = payloadOff + (long) i * segSize;
        int sq = seq + i * segSize;
        int f = l4Proto == PacketHeaders.PROTO_TCP ? segFlags(i) : 0;
        long iv = encoder.stampDescriptor(t, d, encap, nseg - i);
        if (ts.add(ds.address() + d.offset, sp.segment.address() + srcOff, iv, (ipId + i) & 0xffff, sq, f) < 0) {
            throw new IllegalStateException("TSO sealer full: capacity " + ts.capacity() + " < " + nseg);
        }
        carryTimestamp(sp, d);
        d.result = STAMPED_NATIVELY;
        return true;
    }

    /** The slot segment {@link #checkSlots} accepted in the current {@link #segment} call. */
    private MemorySegment checkedSlots;

    /** Native, writable, alive and this thread's: checked once per slot segment per call (a burst's slots share one). */
    private boolean checkSlots(MemorySegment s) {
        if (!Bytes.addressable(s, true)) {
            return false;
        }
        checkedSlots = s;
        return true;
    }

    /**
     * The inner L4 checksum of full-size segment payload {@code [srcOff, srcOff + segSize)} of the
     * super-packet, from the sums {@link #stampSums} prepared: TCP with sequence number {@code sq}
     * and flags {@code f}; UDP (0 sent as 0xffff).
     */
    private int stampedChecksum(Packet sp, long srcOff, int sq, int f) {
        if (l4Proto == PacketHeaders.PROTO_TCP) {
            long sum = l4Sum + (sq >>> 16) + (sq & 0xffff) + (tcpWord12 | f);
            return Checksum.finish(Checksum.sum(sp.segment, srcOff, segSize, sum));
        }
        int c = Checksum.finish(Checksum.sum(sp.segment, srcOff, segSize, l4Sum));
        return c == 0 ? 0xffff : c;
    }

    // The super-packet being cut, set by segment() for build() and stamp().
    private int l3Rel;
    private int l4Rel;
    private int ipExtra;
    private int ipId;
    private int seq;
    private int flags;
    private int ipVersion;
    private int ipHeaderLen;
    private int l4Proto;
    private int l4HdrLen;
    private int nseg;
    private int segSize;

    /** Segment {@code i} in clear at {@code d.offset}: headers copied from the super-packet and patched; the payload stays in the super-packet (split seal). */
    private void build(Packet sp, Packet d, int i, long payloadOff, int payloadLen) {
        MemorySegment s = sp.segment;
        int chunk = Math.min(segSize, payloadLen - i * segSize);
        long srcOff = payloadOff + (long) i * segSize;
        MemorySegment ds = d.segment;
        long o = d.offset;
        int hdrLen = (int) (payloadOff - sp.offset);
        MemorySegment.copy(s, sp.offset, ds, o, hdrLen);
        long l3 = o + l3Rel;
        int l4Len = l4HdrLen + chunk;
        if (ipVersion == 4) {
            Bytes.u16(ds, l3 + 2, ipExtra + l4Len);
            Bytes.u16(ds, l3 + 4, (ipId + i) & 0xffff);
            Checksum.ipv4Header(ds, l3, ipHeaderLen);
        } else {
            Bytes.u16(ds, l3 + 4, ipExtra - 40 + l4Len);
        }
        patchL4(ds, l3, o + l4Rel, i, l4Len, s, srcOff, chunk);
        d.length = hdrLen + chunk;
        d.sa = sp.sa;
        d.result = 0;
        carry(sp, d, srcOff, chunk);
    }

    /** What a segment the TSO sealer seals takes from the super-packet: its timestamp (the payload goes to the sealer). */
    private static void carryTimestamp(Packet sp, Packet d) {
        d.tsSeconds = sp.tsSeconds;
        d.tsNanos = sp.tsNanos;
        d.gsoSize = 0;
    }

    /** What every segment the Java path seals takes from the super-packet: its timestamp, and its payload as the split source. */
    private static void carry(Packet sp, Packet d, long srcOff, int chunk) {
        carryTimestamp(sp, d);
        d.splitSource = sp.segment;
        d.splitOffset = srcOff;
        d.splitLength = chunk;
    }

    /**
     * Full-size segment {@code i} stamped from the encapsulated template {@code t} (segment 0, same
     * lengths): its finished headers (outer headers, UDP, PSP, VC, inner headers) copied as they
     * are, then only what differs per segment rewritten: the inner IPv4 ID and header checksum (in
     * tunnel mode also the outer ones when the outer header copies the inner one), the IV, the TCP
     * sequence number and flags, the inner checksum. Ports, SPI, flow hash and lengths are the
     * template's.
     */
    private void stamp(Packet sp, Packet t, Packet d, int i, long payloadOff, long encap) {
        MemorySegment ds = d.segment;
        long o = d.offset;
        encoder.stamp(t, d, encap, (int) (payloadOff - sp.offset), nseg - i);
        long l3 = o + l3Rel - (transport ? encap : 0);
        long l4 = o + l4Rel;
        // only stores from here on: checksums come from the sums prepared by stampSums
        if (ipVersion == 4) {
            int id = (ipId + i) & 0xffff;
            Bytes.u16(ds, l3 + 4, id);
            Bytes.u16(ds, l3 + 10, Checksum.finish(ipSum + id));
            if (outerSum >= 0) {
                encoder.stampOuterId(d, outerSum, id);
            }
        }
        long srcOff = payloadOff + (long) i * segSize;
        if (l4Proto == PacketHeaders.PROTO_TCP) {
            int sq = seq + i * segSize;
            int f = segFlags(i);
            Bytes.u32(ds, l4 + 4, sq);
            Bytes.u8(ds, l4 + 13, f);
            if (computeChecksums) {
                Bytes.u16(ds, l4 + 16, stampedChecksum(sp, srcOff, sq, f));
            }
        } else if (computeChecksums) {
            Bytes.u16(ds, l4 + 6, stampedChecksum(sp, srcOff, 0, 0));
        }
        carry(sp, d, srcOff, segSize);
    }

    // Per super-packet sums for stamped (full-size) segments: what does not change per segment.
    private boolean transport;
    /** Inner IPv4 header words but the ID and checksum, as the template has them. */
    private long ipSum;
    /** Tunnel mode whose outer IPv4 ID follows the inner one: the outer header's sum for {@link PspEncoder#stampOuterId}; else -1. */
    private long outerSum;
    /** Pseudo-header + L4 header words that do not change per segment (TCP: all but seq, flags word, checksum). */
    private long l4Sum;
    /** TCP: the data-offset byte of the flags word, shifted into place. */
    private int tcpWord12;

    /**
     * Prepares the sums {@link #stamp} finishes per segment, read from the super-packet and the
     * template (never from a segment just written: reloading freshly stored bytes stalls).
     */
    private void stampSums(Packet sp, Packet t, long o0, long encap, long payloadOff) {
        MemorySegment s = sp.segment;
        transport = t.sa.mode == Mode.TRANSPORT;
        if (ipVersion == 4) {
            MemorySegment ts = t.segment;
            long tl3 = o0 + l3Rel - (transport ? encap : 0);
            ipSum = Checksum.ipv4KeptSum(ts, tl3, ipHeaderLen) - Bytes.u16(ts, tl3 + 4)
                    + Bytes.u16(ts, tl3 + 2) + Bytes.u16(ts, tl3 + 8);
            outerSum = encoder.outerIdSum(t);
        }
        long l3 = sp.offset + l3Rel;
        long l4 = sp.offset + l4Rel;
        int l4Len = l4HdrLen + segSize;
        long sum = Checksum.pseudoHeader(s, l3, ipVersion, l4Proto, l4, l4Len);
        if (l4Proto == PacketHeaders.PROTO_TCP) {
            sum += Bytes.u16(s, l4) + Bytes.u16(s, l4 + 2); // ports
            sum += Bytes.u16(s, l4 + 8) + Bytes.u16(s, l4 + 10); // ack
            sum += Bytes.u16(s, l4 + 14); // window
            sum = Checksum.sum(s, l4 + 18, l4HdrLen - 18, sum); // urgent pointer, options
            tcpWord12 = Bytes.u8(s, l4 + 12) << 8;
        } else {
            sum += Bytes.u16(s, l4) + Bytes.u16(s, l4 + 2) + l4Len; // ports, length
        }
        l4Sum = sum;
    }

    /** TCP sequence number and flags (or UDP length) of segment {@code i}, and its checksum when computed. */
    private void patchL4(MemorySegment ds, long l3, long l4, int i, int l4Len, MemorySegment src, long srcOff, int chunk) {
        boolean tcp = l4Proto == PacketHeaders.PROTO_TCP;
        int csumField;
        if (tcp) {
            Bytes.u32(ds, l4 + 4, seq + i * segSize);
            Bytes.u8(ds, l4 + 13, segFlags(i));
            csumField = 16;
        } else {
            Bytes.u16(ds, l4 + 4, l4Len);
            csumField = 6;
        }
        if (computeChecksums) {
            Bytes.u16(ds, l4 + csumField, 0);
            long sum = Checksum.pseudoHeader(ds, l3, ipVersion, l4Proto, l4, l4Len);
            sum = Checksum.sum(ds, l4, l4HdrLen, sum);
            sum = Checksum.sum(src, srcOff, chunk, sum);
            int c = Checksum.finish(sum);
            if (!tcp && c == 0) {
                c = 0xffff;
            }
            Bytes.u16(ds, l4 + csumField, c);
        }
    }

    /** TCP flags of segment {@code i} (Linux {@code tcp_gso_segment}): CWR only on the first, FIN and PSH only on the last. */
    private int segFlags(int i) {
        int f = flags;
        if (i > 0) {
            f &= ~TCP_CWR;
        }
        if (i < nseg - 1) {
            f &= ~(TCP_FIN | TCP_PSH);
        }
        return f;
    }

    private PspCounters encoderCounters() {
        return encoder.counters();
    }
}
