package dev.psp.engine.offload;

import dev.psp.engine.psp.Packet;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Software GRO after PSP decryption: merges consecutive in-order TCP segments of one flow, under one
 * SA, into one super-packet with valid headers, following Linux's {@code tcp_gro_receive}
 * (net/ipv4/tcp_offload.c), {@code inet_gro_flush} and {@code ipv6_gro_receive}.
 *
 * <p>A flow is the L2 header, IP version, addresses, IPv6 extension headers, TCP ports, the tunnel
 * flag, and the SA (SPI, PSP version, VC): packets of another SA never join, even with a matching
 * 5-tuple. A segment joins the held flow when its TCP flag word (data offset, flags, window) equals
 * the head's apart from FIN/PSH and it has no CWR, its ACK and option bytes equal the head's, its
 * sequence number is the next expected, its payload is non-empty and no larger than the head's
 * (the segment size), the IPv4 TOS/TTL/flags (IPv6 traffic class/flow label/hop limit) equal, and the
 * IPv4 ID is the head's plus the segment count (or fixed, with DF, as decided on the second
 * segment). A smaller segment, PSH or FIN joins and then ends the flow; SYN/RST/URG, empty
 * segments, IPv4 options, fragments and IPv4 flag bits other than DF are delivered alone. A segment
 * that cannot join flushes the held flow and heads a new one.
 *
 * <p>Merging ({@link GroConfig#merge}): {@link GroConfig.Merge#CHAIN} (default) links the merged
 * segment's descriptor behind the head ({@link Packet#next}, its payload in place as
 * {@link Packet#fragOffset}/{@link Packet#fragLength}): no byte of payload moves, the chain is the
 * consumer's to free with the head. {@link GroConfig.Merge#COPY} copies the payload into the head's
 * tailroom (bounded by the head's {@link Packet#limit}; no room means flush and start over): one
 * copy per merged segment, whose descriptor goes back to the caller as consumed. The head's headers
 * are fixed the same way in both modes, and both give the same frame bytes (the merge decisions
 * differ only where COPY runs out of tailroom). Each inner TCP/UDP checksum is verified after
 * decryption; the super-packet's TCP checksum is built from the verified per-segment payload sums
 * (no second pass over the payload). Only authenticated packets are merged; others pass through
 * untouched (they stay in the output: filter on {@link Packet#result} as without GRO). Output order:
 * packets leave in the order their first segment arrived, so order within a flow is kept. A
 * super-packet keeps its first segment's descriptor and receive metadata (SPI, IV, VC, capture
 * timestamp). A segment that continues the flow the previous one joined (IPv4 without options,
 * decoder-verified) is checked in one pass against that flow's cached header words, no lookup
 * ({@link #fastPath}; it accepts only what the general path would). Not thread safe: one coalescer
 * per worker, no allocation per packet.
 */
public final class GroCoalescer {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int URG = 0x20;
    static final int CWR = 0x80;

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** IPv4 bytes 0-7 a merge compares: TOS and the flags + fragment offset field (DF and the rest). */
    private static final long IPV4_KEY_W0 = 0x00ff_0000_0000_ffffL;
    /** IPv4 fragment-field bits other than DF: set, the packet is not merged (Linux inet_gro_flush). */
    private static final long IPV4_FRAG_NOT_DF = 0xbfffL;

    private static final int NOT_PSP = dev.psp.engine.psp.Reason.NOT_PSP.code();
    private static final int OK = 0;
    private static final int R_FLAGS = 1;
    private static final int R_WINDOW = 2;
    private static final int R_GAP = 3;
    private static final int R_ACK = 4;
    private static final int R_OPTIONS = 5;
    private static final int R_IP_HEADER = 6;
    private static final int R_IP_ID = 7;
    private static final int R_SIZE = 8;
    private static final int R_MAX_SIZE = 9;
    private static final int R_NO_ROOM = 10;

    private final GroConfig cfg;
    private final boolean chain;
    private final GroCounters counters;
    private final PacketHeaders headers = new PacketHeaders();
    /** Held flows, oldest first. */
    private final Flow[] flows;
    private int active;
    /** Packets {@link #offer} handed back in the current {@link #coalesce} call because open had dropped them. */
    private int failedInCall;
    /** The flow the last merged or started segment belongs to: the candidate of {@link #joinHot}. */
    private Flow hot;
    private boolean fastPath = true;
    /** Segments {@link #joinHot} merged (tests check the fast path was exercised). */
    long hotJoins;
    private final Flow[] free;
    private int freeCount;

    // The packet being offered, parsed once.
    private long l3;
    private long l4;
    private long ipEnd;
    private int ipVersion;
    private int thLen;
    private int payLen;
    private int flags;
    private int hash;
    private long paySum;
    private boolean saMismatch;
    private boolean fixedIdIfMerged;
    /** The offered segment was verified by the decoder: its payload sum is derived on start/append. */
    private boolean deferPaySum;
    /** One's-complement sum (32-bit chunks) of the offered segment's pseudo-header addresses. */
    private long addrSum;
    // Header words of the offered packet, read once (each segment access costs bounds and liveness
    // checks): the flow's are cached in its Flow, so the checks read no bytes of the head again.
    private int ports;
    private long addr4;
    private int seq;
    private int ack;
    private int flagWord;
    /** TCP checksum and urgent pointer of the offered segment. */
    private int csumUrg;
    private long ipKey;
    private int ipId;
    private long l2a;
    private long l2b;
    private long l2c;

    public GroCoalescer(GroConfig cfg, GroCounters counters) {
        this.cfg = cfg;
        this.chain = cfg.merge() == GroConfig.Merge.CHAIN;
        this.counters = counters;
        this.flows = new Flow[cfg.maxFlows()];
        this.free = new Flow[cfg.maxFlows()];
        for (int i = 0; i < free.length; i++) {
            free[i] = new Flow();
        }
        freeCount = free.length;
    }

    public GroConfig config() {
        return cfg;
    }

    public GroCounters counters() {
        return counters;
    }

    /** A batch sized for bursts of up to {@code maxBurst} packets with this coalescer's flow table. */
    public GroBatch newBatch(int maxBurst) {
        return new GroBatch(maxBurst, cfg.maxFlows());
    }

    /**
     * Turns the one-pass path for segments continuing the last flow off (tests compare both ways;
     * the decisions and bytes are the same). Returns this.
     */
    public GroCoalescer fastPath(boolean on) {
        this.fastPath = on;
        return this;
    }

    /** Flows currently held (awaiting more segments or a flush). */
    public int heldFlows() {
        return active;
    }

    /**
     * Offers {@code in[0..n)} (after {@code PspDecoder.open}/{@code openBurst}, any result) and fills
     * {@code batch}: the packets to deliver, the descriptors consumed by merges (COPY mode; in CHAIN
     * mode they are on their super-packet's chain), the ones dropped. A descriptor that is already a
     * chain head is delivered alone, untouched.
     * With {@link GroConfig#flushTimeoutNanos} 0 every flow is delivered by the end of the call;
     * otherwise flows older than the timeout at {@code nowNanos} (caller's clock, any origin) are,
     * and the rest stay held (call again, with {@code n = 0} if need be, or {@link #flush}).
     * The batch is overwritten: hand its previous contents on first. Returns {@code batch.outCount}.
     */
    public int coalesce(Packet[] in, int n, GroBatch batch, long nowNanos) {
        if (n > batch.maxBurst() || batch.out.length < batch.maxBurst() + cfg.maxFlows()) {
            throw new IllegalArgumentException("burst of " + n + " does not fit a GRO batch for " + batch.maxBurst()
                    + " packets (make it with GroCoalescer.newBatch)");
        }
        batch.clear();
        checkedSegment = null;
        long timeout = cfg.flushTimeoutNanos();
        if (timeout > 0) {
            flushExpired(batch, nowNanos, timeout);
        }
        failedInCall = 0;
        for (int i = 0; i < n; i++) {
            Packet p = in[i];
            if (!joinHot(p, batch)) { // which takes no failed packet: offer() hands those back
                offer(p, batch, nowNanos);
            }
        }
        int failed = failedInCall;
        counters.failedOpen += failed;
        counters.segmentsIn += n - failed;
        if (timeout == 0) {
            while (active > 0) {
                counters.flushEndOfBurst++;
                flush(flows[0], batch);
            }
        } else {
            flushExpired(batch, nowNanos, timeout);
            releaseHeldSlots(batch);
        }
        counters.packetsOut += batch.outCount - failed;
        return batch.outCount;
    }

    /** Delivers every held flow into {@code batch} (overwritten); returns {@code batch.outCount}. */
    public int flush(GroBatch batch) {
        batch.clear();
        while (active > 0) {
            counters.flushExplicit++;
            flush(flows[0], batch);
        }
        counters.packetsOut += batch.outCount;
        return batch.outCount;
    }

    private void flushExpired(GroBatch batch, long now, long timeout) {
        int i = 0;
        while (i < active) {
            Flow f = flows[i];
            if (now - f.startNanos >= timeout) {
                counters.flushTimeout++;
                flush(f, batch);
            } else {
                i++;
            }
        }
    }

    /** Flows still held at the end of a call give back the output slots reserved when they started. */
    private void releaseHeldSlots(GroBatch batch) {
        boolean holes = false;
        for (int i = 0; i < active; i++) {
            Flow f = flows[i];
            if (f.outSlot >= 0) {
                batch.out[f.outSlot] = null;
                f.outSlot = -1;
                holes = true;
            }
        }
        if (!holes) {
            return;
        }
        int w = 0;
        for (int r = 0; r < batch.outCount; r++) {
            if (batch.out[r] != null) {
                if (w != r) {
                    batch.out[w] = batch.out[r];
                    batch.gsoSize[w] = batch.gsoSize[r];
                    batch.segments[w] = batch.segments[r];
                    batch.csumPartial[w] = batch.csumPartial[r];
                    batch.out[r] = null;
                }
                w++;
            }
        }
        batch.outCount = w;
    }

    private void offer(Packet p, GroBatch batch, long now) {
        if (p.result != 0 && p.result != NOT_PSP) {
            failedInCall++; // open dropped it: handed back in place, no GRO input or output
            emitAlone(p, batch);
            return;
        }
        if (!p.authenticated || p.result != 0) {
            counters.notAuthenticated++;
            emitAlone(p, batch);
            return;
        }
        if (p.next != null) {
            counters.notMergeable++; // already a super-packet (a chain head)
            emitAlone(p, batch);
            return;
        }
        MemorySegment s = p.segment;
        int l4Proto;
        boolean fragment;
        int ipHeaderLen;
        if (p.rxLayout) {
            // the decoder's validated layout: no second parse (it never delivers a fragment)
            l3 = p.rxL3Off;
            l4 = p.rxL4Off;
            ipEnd = p.rxIpEnd;
            ipVersion = p.rxIpVersion;
            ipHeaderLen = p.rxIpHeaderLen;
            l4Proto = p.rxL4Proto;
            fragment = false;
        } else {
            PacketHeaders h = headers;
            if (h.parse(s, p.offset, p.length) != PacketHeaders.OK) {
                counters.notMergeable++;
                emitAlone(p, batch);
                return;
            }
            l3 = h.l3Off;
            l4 = h.l4Off;
            ipEnd = h.ipEnd;
            ipVersion = h.ipVersion;
            ipHeaderLen = h.ipHeaderLen;
            l4Proto = h.l4Proto;
            fragment = h.fragment;
        }
        if (l4Proto == PacketHeaders.PROTO_UDP) {
            int len = (int) (ipEnd - l4);
            // a zero checksum: none sent, fine over IPv4; IPv6 requires one (RFC 8200 8.1)
            if (!p.innerCsumVerified && !fragment && len >= 8 && (Bytes.u16(s, l4 + 6) == 0 ? ipVersion == 6
                    : !Checksum.l4Valid(s, l3, ipVersion, PacketHeaders.PROTO_UDP, l4, len))) {
                badChecksum(p, batch, null);
                return;
            }
            counters.notTcp++;
            emitAlone(p, batch);
            return;
        }
        if (l4Proto != PacketHeaders.PROTO_TCP) {
            counters.notTcp++;
            emitAlone(p, batch);
            return;
        }
        if (fragment || l4 + 20 > ipEnd) {
            counters.notMergeable++;
            emitAlone(p, batch);
            return;
        }
        readWords(p);
        thLen = (flagWord >>> 28) * 4; // data offset
        if (thLen < 20 || l4 + thLen > ipEnd) {
            counters.notMergeable++;
            emitAlone(p, batch);
            return;
        }
        payLen = (int) (ipEnd - l4 - thLen);
        boolean csumOk;
        if (p.innerCsumVerified) {
            // verified by the decoder: pseudo + header + payload sums to zero, so the payload's sum
            // is the complement of the rest (no pass over the payload); computed only when the
            // segment starts or joins a flow (see paySumVerified)
            deferPaySum = true;
            csumOk = true;
        } else {
            deferPaySum = false;
            long pseudo = Checksum.pseudoHeader(s, l3, ipVersion, PacketHeaders.PROTO_TCP, l4, thLen + payLen);
            long headerSum = Checksum.sum(s, l4, thLen, pseudo);
            paySum = Checksum.fold(Checksum.sum(s, l4 + thLen, payLen, 0));
            csumOk = Checksum.finish(headerSum + paySum) == 0;
        }
        flags = (flagWord >>> 16) & 0xff;
        hash = hash(s);
        Flow f = lookup(p);
        if (!csumOk) {
            badChecksum(p, batch, f);
            return;
        }
        if (!cfg.enabled()) {
            counters.notTcp++;
            emitAlone(p, batch);
            return;
        }
        if (f != null) {
            int reason = check(f, p);
            if (reason == OK) {
                join(f, p, batch);
                return;
            }
            countRefused(reason);
            flush(f, batch);
        } else if (saMismatch) {
            counters.refusedDifferentSa++;
        }
        if ((flags & (URG | PSH | RST | SYN | FIN)) != 0 || payLen == 0 || cfg.maxSegments() == 1
                || (ipVersion == 4 && (ipHeaderLen != 20 || (ipKey & IPV4_FRAG_NOT_DF) != 0))) {
            counters.notMergeable++;
            emitAlone(p, batch);
            return;
        }
        start(p, batch, now);
    }

    /**
     * The common case in one pass: {@code p} continues the flow the previous segment joined or
     * started ({@link #hot}), a TCP segment over IPv4 without options or IPv6 without extension
     * headers (its version/class/flow-label/hop-limit key and the addresses cached when the flow
     * started) whose inner checksum the decoder verified. Nine 8-byte loads for IPv4 (IP header and ports first: another flow leaves after three; then
     * sequence + ack, flag word, L2, options) compared with the flow's cached words, no flow lookup,
     * no hash; the checks are {@link #check}'s. Accepts only what {@link #offer} would merge into the
     * same flow (CWR on the head also sends it there); anything else returns false and takes
     * {@link #offer}, which then decides as if this method did not exist (nothing it changed).
     */
    /** The last segment {@link #checkSegment} accepted in the current {@link #coalesce} call. */
    private MemorySegment checkedSegment;

    /** Native, alive and accessible by this thread: checked once per segment per call (a burst's packets share their pool's segment). */
    private boolean checkSegment(MemorySegment s) {
        if (!Bytes.addressable(s, false)) {
            return false;
        }
        checkedSegment = s;
        return true;
    }

    private boolean joinHot(Packet p, GroBatch batch) {
        Flow f = hot;
        if (f == null || !fastPath || !p.authenticated || p.result != 0 || p.next != null || !p.rxLayout
                || !p.innerCsumVerified || p.rxL4Proto != PacketHeaders.PROTO_TCP || f.l2Len > 24 || p.tunnel != f.tunnel
                || p.spi != f.spi || p.version != f.version || p.vcPresent != f.vcPresent || p.vc != f.vc) {
            return false;
        }
        // IPv4 without options or IPv6 without extension headers, the flow's family
        boolean v4 = p.rxIpVersion == 4;
        int ipHdr = v4 ? 20 : 40;
        if ((!v4 && p.rxIpVersion != 6) || f.ipVersion != p.rxIpVersion || f.l3Len != ipHdr) {
            return false;
        }
        long l3 = p.rxL3Off;
        long l4 = p.rxL4Off;
        long end = p.rxIpEnd;
        int thLen = f.thLen;
        if (l3 - p.offset != f.l2Len || l4 != l3 + ipHdr || l4 + thLen > end) {
            return false;
        }
        int payLen = (int) (end - l4) - thLen;
        if (payLen <= 0 || payLen > f.mss) {
            return false;
        }
        MemorySegment s = p.segment;
        // the loads below lie in [p.offset, end): checked against the segment once, then addressed
        // absolutely (Bytes.NATIVE: no bounds and liveness check per load)
        if (p.offset < 0 || l3 < 8 || end > s.byteSize() || p.offset + 16 > end
                || (s != checkedSegment && !checkSegment(s))) {
            return false;
        }
        MemorySegment g = Bytes.NATIVE;
        long delta = s.address();
        if (!v4) {
            long ipKey = Bytes.u64(g, delta + l3) & 0xffffffff000000ffL; // as readWords
            if (((Bytes.u64(g, delta + l3 + 8) ^ f.a6a) | (Bytes.u64(g, delta + l3 + 16) ^ f.a6b)
                    | (Bytes.u64(g, delta + l3 + 24) ^ f.a6c) | (Bytes.u64(g, delta + l3 + 32) ^ f.a6d)
                    | (ipKey ^ f.ipKey) | (Bytes.u32(g, delta + l4) ^ f.ports)) != 0) {
                return false;
            }
            return joinHotTcp(f, p, batch, g, delta, l3, l4, thLen, payLen, 0, ipKey, false);
        }
        long w0 = Bytes.u64(g, delta + l3);
        long w1 = Bytes.u64(g, delta + l3 + 8); // TTL, protocol, checksum, source
        long w2 = Bytes.u64(g, delta + l3 + 16); // destination, ports (no IP options: l4 == l3 + 20)
        long ipKey = ipv4Key(w0, w1);
        if (((((w1 << 32) | (w2 >>> 32)) ^ f.addr4) | (((int) w2) ^ f.ports) | (ipKey ^ f.ipKey)) != 0) {
            return false;
        }
        return joinHotTcp(f, p, batch, g, delta, l3, l4, thLen, payLen, (int) (w0 >>> 16) & 0xffff, ipKey, true);
    }

    /**
     * The part of both hot joins after the IP checks: TCP (data offset, flags but FIN/PSH, window,
     * sequence and ack as the flow expects, no CWR), L2 words, options, then (IPv4) the ID rule and
     * the size; joins the segment when all pass.
     */
    private boolean joinHotTcp(Flow f, Packet p, GroBatch batch, MemorySegment g, long delta, long l3, long l4, int thLen,
                               int payLen, int ipId, long ipKey, boolean v4) {
        long fw = Bytes.u64(g, delta + l4 + 12);
        int flagWord = (int) (fw >>> 32);
        long sa = Bytes.u64(g, delta + l4 + 4);
        long l2a = Bytes.u64(g, delta + p.offset);
        long l2b = Bytes.u64(g, delta + l3 - 8);
        long l2c = f.l2Len > 16 ? Bytes.u64(g, delta + p.offset + 8) : l2a;
        // data offset (so the header length), flags but FIN/PSH, window equal to the head's; no CWR
        if ((((flagWord ^ f.flagWord) & ~((FIN | PSH) << 16)) | (flagWord & (CWR << 16))
                | (sa ^ (((long) f.nextSeq << 32) | (f.ack & 0xffffffffL)))
                | (l2a ^ f.l2a) | (l2b ^ f.l2b) | (l2c ^ f.l2c)) != 0) {
            return false;
        }
        if (thLen > 20 && !sameOptions(g, delta + l4, thLen, f.options)) {
            return false;
        }
        if (v4) {
            if (!ipIdFits(f, ipId, ipKey)) {
                return false;
            }
        } else {
            fixedIdIfMerged = f.fixedId; // as check: no ID rule for IPv6
        }
        if (fits(f, payLen) != OK) {
            return false;
        }
        // what append and join read of the offered segment
        this.l4 = l4;
        this.thLen = thLen;
        this.payLen = payLen;
        this.flags = (flagWord >>> 16) & 0xff;
        this.seq = (int) (sa >>> 32);
        this.flagWord = flagWord;
        this.csumUrg = (int) fw;
        this.deferPaySum = true;
        hotJoins++;
        join(f, p, batch);
        return true;
    }

    /** Appends the checked segment to {@code f}; delivers the flow when the segment ends it. */
    private void join(Flow f, Packet p, GroBatch batch) {
        append(f, p, batch);
        if ((flags & (PSH | FIN)) != 0 || payLen < f.mss) {
            counters.flushLast++;
            flush(f, batch);
        } else if (f.count >= cfg.maxSegments()) {
            counters.flushMaxSegments++;
            flush(f, batch);
        }
    }

    private void badChecksum(Packet p, GroBatch batch, Flow f) {
        counters.innerCsumBad++;
        if (cfg.dropBadChecksum()) {
            batch.dropped[batch.droppedCount++] = p;
            return;
        }
        if (f != null) {
            flush(f, batch); // delivered alone, after what its flow holds
        }
        emitAlone(p, batch);
    }

    /**
     * Reads the header words the flow lookup and the merge checks compare, in as few 8-byte loads
     * as the layout allows (each segment access costs a bounds and a liveness check): TCP sequence
     * + ack, flag word + checksum + urgent pointer, and for IPv4 without options three words for the
     * whole header plus the ports. Needs {@code l4 + 20 <= ipEnd}.
     */
    private void readWords(Packet p) {
        MemorySegment s = p.segment;
        long sa = Bytes.u64(s, l4 + 4);
        seq = (int) (sa >>> 32);
        ack = (int) sa;
        long fw = Bytes.u64(s, l4 + 12);
        flagWord = (int) (fw >>> 32);
        csumUrg = (int) fw;
        long w0 = Bytes.u64(s, l3);
        if (ipVersion == 4) {
            long w1 = Bytes.u64(s, l3 + 8); // TTL, protocol, checksum, source
            ipKey = ipv4Key(w0, w1);
            ipId = (int) (w0 >>> 16) & 0xffff;
            if (l4 == l3 + 20) {
                long w2 = Bytes.u64(s, l3 + 16); // destination, ports
                addr4 = (w1 << 32) | (w2 >>> 32);
                ports = (int) w2;
            } else {
                addr4 = (w1 << 32) | (Bytes.u32(s, l3 + 16) & 0xffffffffL);
                ports = Bytes.u32(s, l4);
            }
        } else {
            ipKey = w0 & 0xffffffff000000ffL; // version, traffic class, flow label; hop limit
            ipId = 0;
            addr4 = 0;
            ports = Bytes.u32(s, l4);
        }
        int l2Len = (int) (l3 - p.offset);
        if (l2Len >= 8 && l2Len <= 24) {
            // up to three overlapping words cover the L2 header
            l2a = Bytes.u64(s, p.offset);
            l2b = Bytes.u64(s, l3 - 8);
            l2c = l2Len > 16 ? Bytes.u64(s, p.offset + 8) : l2a;
        }
    }

    /**
     * What of IPv4 header bytes 0-7 ({@code w0}) and 8-15 ({@code w1}) must equal the head's for a
     * merge (Linux inet_gro_flush): TOS, the whole flags + fragment field (DF decides the ID rule;
     * any other bit stops the merge), TTL. The ID is checked separately.
     */
    private static long ipv4Key(long w0, long w1) {
        return (w0 & IPV4_KEY_W0) | ((w1 >>> 56) << 40);
    }

    private int hash(MemorySegment s) {
        int x = ports;
        if (ipVersion == 4) {
            x = x * 31 + (int) (addr4 >>> 32);
            x = x * 31 + (int) addr4;
            addrSum = (addr4 >>> 32) + (addr4 & 0xffffffffL);
        } else {
            long sum = 0;
            for (int i = 8; i < 40; i += 4) {
                int w = Bytes.u32(s, l3 + i);
                x = x * 31 + w;
                sum += w & 0xffffffffL;
            }
            addrSum = sum;
        }
        return x ^ (x >>> 16);
    }

    /**
     * The payload sum of a decoder-verified segment that joins {@code f}: the complement of its
     * pseudo-header and TCP header sums, built from the words already read (sequence, flag word,
     * checksum and urgent pointer) and the flow's constant part (addresses, protocol, ports, ack,
     * options: equal to the head's once the checks passed), with no second read of the header.
     * One's-complement sums of 32-bit chunks fold to the same 16-bit sum as the words'.
     */
    private long paySumVerified(Flow f) {
        long sum = f.constSum + thLen + payLen + (seq & 0xffffffffL) + (flagWord & 0xffffffffL)
                + (csumUrg & 0xffffffffL);
        return Checksum.negate(sum);
    }

    /** The held flow of this packet (same flow and same SA), or null; sets {@link #saMismatch}. */
    private Flow lookup(Packet p) {
        saMismatch = false;
        MemorySegment s = p.segment;
        int l2Len = (int) (l3 - p.offset);
        int l3Len = (int) (l4 - l3);
        for (int i = 0; i < active; i++) {
            Flow f = flows[i];
            if (f.hash != hash || f.ipVersion != ipVersion || f.l2Len != l2Len || f.l3Len != l3Len
                    || f.tunnel != p.tunnel) {
                continue;
            }
            if (f.ports != ports) {
                continue;
            }
            if (ipVersion == 4) {
                if (f.addr4 != addr4) {
                    continue;
                }
            } else if (!sameBytes(f.head.segment, f.l3 + 8, s, l3 + 8, l3Len - 8)) {
                continue; // addresses and extension headers
            }
            if (l2Len <= 24) {
                if (f.l2a != l2a || f.l2b != l2b || f.l2c != l2c) {
                    continue; // L2 header (MACs, VLAN tags, EtherType)
                }
            } else if (!sameBytes(f.head.segment, f.head.offset, s, p.offset, l2Len)) {
                continue;
            }
            if (f.spi != p.spi || f.version != p.version || f.vcPresent != p.vcPresent || f.vc != p.vc) {
                saMismatch = true;
                continue;
            }
            return f;
        }
        return null;
    }

    /** Linux tcp_gro_receive + inet_gro_flush / ipv6_gro_receive checks; returns OK or a reason. */
    private int check(Flow f, Packet p) {
        MemorySegment s = p.segment;
        if (thLen != f.thLen) {
            return R_OPTIONS;
        }
        int diff = flagWord ^ f.flagWord;
        if ((flags & CWR) != 0 || (diff & ~((CWR | FIN | PSH) << 16) & 0xffff0000) != 0) {
            return R_FLAGS;
        }
        if ((diff & 0xffff) != 0) {
            return R_WINDOW;
        }
        if (ack != f.ack) {
            return R_ACK;
        }
        if (thLen > 20 && !sameOptions(s, l4, thLen, f.options)) {
            return R_OPTIONS;
        }
        if (seq != f.nextSeq) {
            return R_GAP;
        }
        if (payLen == 0 || payLen > f.mss) {
            return R_SIZE;
        }
        fixedIdIfMerged = f.fixedId;
        if (ipKey != f.ipKey) {
            return R_IP_HEADER; // IPv4 TOS/TTL/flags; IPv6 version, traffic class, flow label, hop limit
        }
        if (ipVersion == 4 && !ipIdFits(f, ipId, ipKey)) {
            return R_IP_ID;
        }
        return fits(f, payLen);
    }

    /**
     * The IPv4 ID is the head's plus the segment count, or (DF set) fixed, as decided on the second
     * segment as Linux does; sets {@link #fixedIdIfMerged}.
     */
    private boolean ipIdFits(Flow f, int ipId, long ipKey) {
        int idOffset = (ipId - f.headId) & 0xffff;
        boolean fixed = f.fixedId || (f.count == 1 && (ipKey & 0x4000) != 0 && idOffset == 0);
        fixedIdIfMerged = fixed;
        return idOffset == (fixed ? 0 : f.count);
    }

    /** The merged packet stays within the configured size and (COPY) the head's tailroom. */
    private int fits(Flow f, int payLen) {
        long newEnd = f.end + payLen;
        if (newEnd - f.l3 > cfg.maxSize()) {
            return R_MAX_SIZE;
        }
        return !chain && newEnd > f.head.limit ? R_NO_ROOM : OK;
    }

    /**
     * The option bytes of the TCP header at {@code l4} ({@code thLen} long, 21..60) as native-order
     * words, for {@link Flow#options}: 8 to 16 bytes (timestamps, MSS + SACK-permitted, ...) as the
     * first and the last word (overlapping), compared without a loop; otherwise word by word, a
     * 4-byte tail as an int.
     */
    private static void loadOptions(MemorySegment s, long l4, int thLen, long[] dst) {
        int len = thLen - 20;
        if (len >= 8 && len <= 16) {
            dst[0] = s.get(WORD, l4 + 20);
            dst[1] = s.get(WORD, l4 + thLen - 8);
            return;
        }
        int i = 0;
        int k = 0;
        for (; i + 8 <= len; i += 8) {
            dst[k++] = s.get(WORD, l4 + 20 + i);
        }
        if (i < len) {
            dst[k] = s.get(ValueLayout.JAVA_INT_UNALIGNED, l4 + 20 + i);
        }
    }

    /** The option bytes at {@code l4} ({@code thLen} the flow's header length) equal the head's. */
    private static boolean sameOptions(MemorySegment s, long l4, int thLen, long[] head) {
        int len = thLen - 20;
        if (len >= 8 && len <= 16) {
            return ((s.get(WORD, l4 + 20) ^ head[0]) | (s.get(WORD, l4 + thLen - 8) ^ head[1])) == 0;
        }
        return sameOptionWords(s, l4 + 20, len, head);
    }

    /** Options of other lengths (4, or 20..40 bytes), word by word, a 4-byte tail as an int. */
    private static boolean sameOptionWords(MemorySegment s, long off, int len, long[] head) {
        int i = 0;
        int k = 0;
        for (; i + 8 <= len; i += 8) {
            if (s.get(WORD, off + i) != head[k++]) {
                return false;
            }
        }
        return i >= len || s.get(ValueLayout.JAVA_INT_UNALIGNED, off + i) == head[k];
    }

    /**
     * Byte equality of two short header ranges (L2 headers, IPv6 addresses, TCP options) with word
     * loads: {@link MemorySegment#mismatch} costs more than the compare at these lengths.
     */
    private static boolean sameBytes(MemorySegment a, long ao, MemorySegment b, long bo, int len) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            if (a.get(WORD, ao + i) != b.get(WORD, bo + i)) {
                return false;
            }
        }
        if (i + 4 <= len) {
            if (Bytes.u32(a, ao + i) != Bytes.u32(b, bo + i)) {
                return false;
            }
            i += 4;
        }
        for (; i < len; i++) {
            if (Bytes.u8(a, ao + i) != Bytes.u8(b, bo + i)) {
                return false;
            }
        }
        return true;
    }

    private void countRefused(int reason) {
        GroCounters c = counters;
        switch (reason) {
            case R_FLAGS -> c.refusedFlags++;
            case R_WINDOW -> c.refusedWindow++;
            case R_GAP -> c.refusedGap++;
            case R_ACK -> c.refusedAck++;
            case R_OPTIONS -> c.refusedOptions++;
            case R_IP_HEADER -> c.refusedIpHeader++;
            case R_IP_ID -> c.refusedIpId++;
            case R_SIZE -> c.refusedSize++;
            case R_MAX_SIZE -> c.refusedMaxSize++;
            case R_NO_ROOM -> c.refusedNoRoom++;
            default -> throw new IllegalStateException("reason " + reason);
        }
    }

    private void start(Packet p, GroBatch batch, long now) {
        if (active == flows.length) {
            counters.flushEvicted++;
            flush(flows[0], batch);
        }
        Flow f = free[--freeCount];
        free[freeCount] = null;
        MemorySegment s = p.segment;
        f.head = p;
        f.tail = p;
        f.headEnd = ipEnd;
        f.l3 = l3;
        f.l4 = l4;
        f.end = ipEnd;
        f.l2Len = (int) (l3 - p.offset);
        f.l3Len = (int) (l4 - l3);
        f.ipVersion = ipVersion;
        f.thLen = thLen;
        f.tunnel = p.tunnel;
        f.spi = p.spi;
        f.version = p.version;
        f.vcPresent = p.vcPresent;
        f.vc = p.vc;
        f.hash = hash;
        f.mss = payLen;
        f.nextSeq = seq + payLen;
        f.ack = ack;
        f.count = 1;
        f.headId = ipId;
        f.ports = ports;
        f.addr4 = addr4;
        if (ipVersion == 6 && l4 == l3 + 40) {
            f.a6a = Bytes.u64(p.segment, l3 + 8);
            f.a6b = Bytes.u64(p.segment, l3 + 16);
            f.a6c = Bytes.u64(p.segment, l3 + 24);
            f.a6d = Bytes.u64(p.segment, l3 + 32);
        }
        f.flagWord = flagWord;
        f.ipKey = ipKey;
        f.l2a = l2a;
        f.l2b = l2b;
        f.l2c = l2c;
        long optSum = 0;
        if (thLen > 20) {
            loadOptions(s, l4, thLen, f.options);
            optSum = Checksum.sum(s, l4 + 20, thLen - 20, 0);
        }
        if (ipVersion == 6 && l4 != l3 + 40) {
            // once per flow (its segments' extension headers equal the head's): the pseudo-header's
            // destination is the final one (RFC 8200 8.1), maybe a routing header's
            long dst = PacketHeaders.pseudoDestination(s, l3, l4);
            for (int i = 0; dst != l3 + 24 && i < 16; i += 4) {
                addrSum += (Bytes.u32(s, dst + i) & 0xffffffffL) - (Bytes.u32(s, l3 + 24 + i) & 0xffffffffL);
            }
        }
        f.constSum = addrSum + PacketHeaders.PROTO_TCP + (ports & 0xffffffffL) + (ack & 0xffffffffL) + optSum;
        if (deferPaySum) {
            paySum = paySumVerified(f);
        }
        f.fixedId = false;
        f.extraFlags = 0;
        f.paySum = paySum;
        f.payTotal = payLen;
        f.startNanos = now;
        f.outSlot = batch.outCount;
        emitAlone(p, batch); // reserves the slot: the flow leaves where its first segment arrived
        flows[active++] = f;
        hot = f;
    }

    private void append(Flow f, Packet p, GroBatch batch) {
        if (deferPaySum) {
            paySum = paySumVerified(f);
        }
        if (chain) {
            p.fragOffset = l4 + thLen; // the payload in place (link-layer padding left out)
            p.fragLength = payLen;
            f.tail.next = p;
            f.tail = p;
        } else {
            MemorySegment.copy(p.segment, l4 + thLen, f.head.segment, f.end, payLen);
            batch.consumed[batch.consumedCount++] = p;
        }
        long sum = paySum;
        if ((f.payTotal & 1) != 0) {
            sum = ((sum & 0xff) << 8) | (sum >>> 8); // RFC 1071: data at an odd offset sums byte-swapped
        }
        f.paySum += sum;
        f.payTotal += payLen;
        f.end += payLen;
        f.nextSeq += payLen;
        f.count++;
        f.fixedId = fixedIdIfMerged;
        f.extraFlags |= flags & (FIN | PSH);
        counters.segmentsMerged++;
        hot = f;
    }

    /** Removes {@code f} from the table and delivers its head, headers fixed when segments joined. */
    private void flush(Flow f, GroBatch batch) {
        int i = 0;
        while (flows[i] != f) {
            i++;
        }
        System.arraycopy(flows, i + 1, flows, i, active - i - 1);
        flows[--active] = null;
        int slot = f.outSlot >= 0 ? f.outSlot : batch.outCount++;
        Packet p = f.head;
        batch.out[slot] = p;
        batch.segments[slot] = f.count;
        batch.gsoSize[slot] = 0;
        batch.csumPartial[slot] = false;
        if (f.count > 1) {
            finish(f);
            batch.gsoSize[slot] = f.mss;
            batch.csumPartial[slot] = !cfg.recomputeChecksum();
            counters.superPackets++;
        }
        f.head = null;
        f.tail = null;
        f.outSlot = -1;
        if (hot == f) {
            hot = null;
        }
        free[freeCount++] = f;
    }

    private void finish(Flow f) {
        Packet p = f.head;
        MemorySegment s = p.segment;
        long l3 = f.l3;
        long l4 = f.l4;
        if (f.ipVersion == 4) {
            Bytes.u16(s, l3 + 2, (int) (f.end - l3));
            Checksum.ipv4Header(s, l3, 20);
        } else {
            Bytes.u16(s, l3 + 4, (int) (f.end - l3 - 40));
        }
        if (f.extraFlags != 0) {
            Bytes.u8(s, l4 + 13, Bytes.u8(s, l4 + 13) | f.extraFlags);
        }
        int l4Len = (int) (f.end - l4);
        long pseudo = Checksum.pseudoHeader(s, l3, f.ipVersion, PacketHeaders.PROTO_TCP, l4, l4Len);
        Bytes.u16(s, l4 + 16, 0);
        if (cfg.recomputeChecksum()) {
            Bytes.u16(s, l4 + 16, Checksum.finish(Checksum.sum(s, l4, f.thLen, pseudo) + f.paySum));
        } else {
            Bytes.u16(s, l4 + 16, ~Checksum.finish(pseudo) & 0xffff);
        }
        if (chain) {
            p.length = (int) (f.headEnd - p.offset); // link-layer padding of the head is dropped
            p.chainCount = f.count - 1;
            p.chainBytes = (int) (f.end - f.headEnd);
        } else {
            p.length = (int) (f.end - p.offset); // link-layer padding of the head is dropped
        }
    }

    private static void emitAlone(Packet p, GroBatch batch) {
        int slot = batch.outCount++;
        batch.out[slot] = p;
        batch.segments[slot] = 1;
        batch.gsoSize[slot] = 0;
        batch.csumPartial[slot] = false;
    }

    /** One held flow: the head descriptor plus what the checks need, offsets into the head's segment. */
    private static final class Flow {
        /** IPv6 without extension headers: the 32 address bytes as four big-endian words ({@link #joinHot}). */
        long a6a;
        long a6b;
        long a6c;
        long a6d;
        Packet head;
        /** Last descriptor of the chain (CHAIN mode; the head until a segment joins). */
        Packet tail;
        long l3;
        long l4;
        /** End of the merged IP packet (COPY: in the head's segment; CHAIN: logical, head's bytes + chain). */
        long end;
        /** End of the head's own IP packet (CHAIN: where the chained payload logically starts). */
        long headEnd;
        int l2Len;
        int l3Len;
        int ipVersion;
        int thLen;
        boolean tunnel;
        int spi;
        int version;
        boolean vcPresent;
        long vc;
        int hash;
        int mss;
        int nextSeq;
        int ack;
        int count;
        int headId;
        boolean fixedId;
        int extraFlags;
        long paySum;
        int payTotal;
        /** Pseudo-header addresses + protocol, ports, ack and option words of the head (see paySumVerified). */
        long constSum;
        long startNanos;
        int outSlot = -1;
        // the head's header words, cached at start (see readWords)
        int ports;
        long addr4;
        int flagWord;
        long ipKey;
        long l2a;
        long l2b;
        long l2c;
        /** The head's TCP option bytes (see loadOptions). */
        final long[] options = new long[5];
    }
}
