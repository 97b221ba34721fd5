package dev.psp.engine.psp;

import static dev.psp.engine.psp.PspHeader.BASE_LENGTH;
import static dev.psp.engine.psp.PspHeader.ICV_LENGTH;
import static dev.psp.engine.psp.PspHeader.UDP_HEADER;
import static dev.psp.engine.psp.PspHeader.VC_LENGTH;

import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.FrameSealer;
import dev.psp.engine.crypto.TsoSealer;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;

/**
 * PSP encapsulation and sealing, in place. Transport mode moves only the L2/L3 headers back into
 * the headroom and inserts UDP + PSP (+ VC) in the gap; tunnel mode moves only the L2 header and
 * writes a new outer IP header; the payload never moves and is encrypted where it lies; the ICV
 * goes into the tailroom. Link-layer padding after the IP packet is kept after the ICV, never
 * encrypted.
 *
 * <p>Bursts: {@link #sealBurst} encapsulates every packet, seals them with one
 * {@link AeadEngine#sealBurst} call, and returns the number sealed; failed packets are moved to the
 * tail in order with {@link Packet#result} set and counted. A packet that fails to encrypt has its
 * text region wiped so plaintext never leaves. Not thread safe: one encoder per worker.
 */
public final class PspEncoder {
    /** The reference tools' frame limit (ETH_JUMBO_MAX_OCTETS): larger results are refused in reference mode. */
    public static final int REFERENCE_MAX_FRAME = 9014;

    private final AeadEngine engine;
    private final PspCounters counters;
    private final PacketHeaders headers = new PacketHeaders();
    private final byte[] bounce = new byte[512];
    private final AeadBurst burst;
    private final int[] burstIndex;
    private final int[] frameIndex;
    /** The IV each frame handed to the {@link FrameSealer} was given (a frame taken back keeps it). */
    private final long[] frameIv;
    /** The header bytes of each frame handed to the {@link FrameSealer} ({@link #shapeHdr} when it was handed over). */
    private final int[] frameHdr;
    /** An IV drawn for a packet that then took another path: its next {@link #nextIv} returns it. */
    private long carriedIv;
    private boolean carryIv;
    /** The backend's whole-frame sealer (null for most backends): common-shape frames go there in {@link #sealBurst}. */
    private final FrameSealer frameSealer;
    private Packet[] failedScratch;
    /** Frames {@link #encapsulateTransportV4} or the backend's {@link FrameSealer} encapsulated (tests check the specialised path ran). */
    long fastEncapsulations;
    /** Of those, the frames the {@link FrameSealer} encapsulated. */
    long framesHandedOver;
    // IVs reserved for the rest of the current chunk from one source (one clock read per burst)
    private IvSource ivBlockSource;
    private long ivBlockNext;
    private int ivBlockLeft;
    private int chunkLeft = 1;
    private boolean innerChecksums;
    private boolean fastPath = true;
    /** The last segment {@link #checkSegment} accepted in the current call. */
    private MemorySegment checkedSegment;

    public PspEncoder(AeadEngine engine, PspCounters counters, int maxBurst) {
        this.engine = engine;
        this.counters = counters;
        this.burst = new AeadBurst(maxBurst);
        this.failedScratch = new Packet[maxBurst];
        this.burstIndex = new int[maxBurst];
        this.frameIndex = new int[maxBurst];
        this.frameIv = new long[maxBurst];
        this.frameHdr = new int[maxBurst];
        this.frameSealer = engine.frameSealer(maxBurst);
    }

    public PspEncoder(AeadEngine engine, PspCounters counters) {
        this(engine, counters, 64);
    }

    public PspCounters counters() {
        return counters;
    }

    /**
     * Transmit checksum-offload emulation: when on, the inner TCP/UDP checksum of every packet
     * sealed whole (not TSO segments, whose checksums {@code TsoSegmenter} computes) is computed
     * in software before encryption, as a NIC does for a packet handed over with its checksum to
     * fill in. Off by default (packets are taken as they come).
     */
    public PspEncoder innerChecksums(boolean on) {
        innerChecksums = on;
        return this;
    }

    public boolean innerChecksums() {
        return innerChecksums;
    }

    /**
     * Whether frames of the common shape (transport mode, untagged Ethernet, IPv4 without options,
     * TCP/UDP, no padding) take the specialised encapsulation (default) or the general one; both
     * give the same bytes. For differential tests and measurements.
     */
    public PspEncoder fastPath(boolean on) {
        fastPath = on;
        return this;
    }

    /** Seals one packet; returns its {@link Reason} code (0 = sealed). */
    public int seal(Packet p) {
        checkedSegment = null;
        ivBlockLeft = 0;
        chunkLeft = 1;
        int rc = encapsulate(p);
        if (rc != 0) {
            return fail(p, rc);
        }
        int st;
        if (p.splitLength > 0) {
            prepareSplit(p);
            st = engine.sealSplit(p.sa.key, p.segment, p.aeadOff, p.aadLen, p.textLen, p.splitSource, p.splitOffset, p.splitLength);
        } else {
            st = engine.seal(p.sa.key, p.segment, p.aeadOff, p.aadLen, p.textLen);
        }
        return complete(p, st);
    }

    /**
     * A split record whose crypt offset reaches into the not-yet-written payload: the part left in
     * the clear is copied into place (it is AAD, not cipher output); the cipher writes the rest.
     */
    private static void prepareSplit(Packet p) {
        int clear = p.splitLength - p.textLen;
        if (clear > 0) {
            long end = p.aeadOff + p.aadLen + p.textLen;
            MemorySegment.copy(p.splitSource, p.splitOffset, p.segment, end - p.splitLength, clear);
            p.splitOffset += clear;
            p.splitLength -= clear;
        }
    }

    /**
     * Seals {@code pkts[0..n)}; returns how many succeeded, those first (in order), failures after
     * them (in order) with their reason in {@link Packet#result}.
     */
    public int sealBurst(Packet[] pkts, int n) {
        checkedSegment = null;
        return sealInChunks(pkts, n, true);
    }

    /** Cipher bursts of at most the burst capacity, encapsulating each chunk first when asked; then the stable partition. */
    private int sealInChunks(Packet[] pkts, int n, boolean encapsulate) {
        int done = 0;
        while (done < n) {
            int chunk = Math.min(n - done, burst.capacity());
            if (encapsulate) {
                sealChunk(pkts, done, chunk);
            } else {
                cipherChunk(pkts, done, chunk);
            }
            done += chunk;
        }
        return partition(pkts, n);
    }

    private void sealChunk(Packet[] pkts, int from, int n) {
        ivBlockLeft = 0;
        FrameSealer fs = fastPath ? frameSealer : null;
        int handedOver = 0;
        if (fs != null) {
            fs.clear(innerChecksums);
        }
        for (int i = from; i < from + n; i++) {
            chunkLeft = from + n - i;
            Packet p = pkts[i];
            ivDrawn = false;
            int fi = fs == null ? -1 : handOver(fs, p);
            frameIndex[i - from] = fi;
            if (fi >= 0) {
                frameIv[i - from] = drawnIv;
                frameHdr[i - from] = shapeHdr;
                p.result = PENDING;
                handedOver++;
                continue;
            }
            // refused after its IV was drawn: the Java encoder uses that one
            int rc = ivDrawn ? encapsulateWithIv(p, drawnIv) : encapsulate(p);
            if (rc != 0) {
                fail(p, rc);
            } else {
                p.result = 0;
            }
        }
        if (handedOver == 0) {
            cipherChunk(pkts, from, n);
            return;
        }
        int takenBack = fs.seal() != handedOver ? takeBackNotDone(fs, pkts, from, n) : 0;
        if (handedOver - takenBack < n) {
            cipherChunk(pkts, from, n); // the packets the Java encoder encapsulated (the handed-over ones are PENDING)
        }
        for (int i = from; i < from + n; i++) {
            int fi = frameIndex[i - from];
            if (fi >= 0) {
                Packet p = pkts[i];
                handedBack(p, fs.hash(fi), frameHdr[i - from]);
                complete(p, fs.status(fi));
            }
        }
    }

    /**
     * Frames the {@link FrameSealer} left untouched ({@link FrameSealer#NOT_DONE}) go to the Java
     * encoder after all (with the IVs they were handed over with); returns how many, for the
     * cipher burst that seals them.
     */
    private int takeBackNotDone(FrameSealer fs, Packet[] pkts, int from, int n) {
        int taken = 0;
        for (int i = from; i < from + n; i++) {
            int fi = frameIndex[i - from];
            if (fi >= 0 && fs.status(fi) == FrameSealer.NOT_DONE) {
                frameIndex[i - from] = -1;
                Packet p = pkts[i];
                chunkLeft = 1;
                // the IV it was handed over with: the bytes the Java path alone makes
                int rc = encapsulateWithIv(p, frameIv[i - from]);
                if (rc != 0) {
                    fail(p, rc);
                } else {
                    p.result = 0;
                }
                taken++;
            }
        }
        return taken;
    }

    /**
     * {@link #encapsulate} with {@code iv} as the IV its next {@link #nextIv} returns; the carry is
     * gone afterwards whatever happens (an exception must not hand it to a later packet or SA).
     */
    private int encapsulateWithIv(Packet p, long iv) {
        carriedIv = iv;
        carryIv = true;
        try {
            return encapsulate(p);
        } finally {
            carryIv = false;
        }
    }

    /** {@link Packet#result} of a packet handed to the {@link FrameSealer} until its burst returns. */
    private static final int PENDING = Integer.MIN_VALUE;

    /**
     * Hands {@code p} to the backend's whole-frame sealer when its SA allows it and it is of the
     * common shape with room to grow (the checks and the next IV of {@link #encapsulateTransportV4});
     * returns its index there, or -1 for the Java encoder (which also reports any failure).
     */
    private int handOver(FrameSealer fs, Packet p) {
        TxSa sa = p.sa;
        if (sa == null || sa.frameWord == -1 || p.splitLength != 0) {
            return -1;
        }
        int l4Len = fastShape(p);
        if (l4Len < 0 || fastRoom(p, sa, l4Len, shapeHdr == FAST_HDR ? l4Len + 20 : l4Len) != 0) {
            return -1;
        }
        long frame = p.segment.address() + p.offset;
        long iv = nextIv(sa.ivSource);
        drawnIv = iv;
        ivDrawn = true;
        return fs.add(sa.key, frame, p.length, iv, sa.frameWord, sa.frameSport, sa.vcValue);
    }

    /** {@link #handOver} drew {@link #drawnIv} for the packet at hand. */
    private boolean ivDrawn;
    private long drawnIv;

    /**
     * The record fields of a packet the {@link FrameSealer} encapsulated (as {@link #finishEncap}
     * sets them); {@code hdr}: its L2 + L3 header bytes ({@link #FAST_HDR}: IPv4, {@link #FAST_HDR6}: IPv6).
     */
    private void handedBack(Packet p, int flowHash, int hdr) {
        TxSa sa = p.sa;
        int vcLen = sa.vc ? VC_LENGTH : 0;
        int encap = UDP_HEADER + BASE_LENGTH + vcLen;
        long n = p.offset - encap;
        p.flowHash = flowHash;
        int family = hdr == FAST_HDR ? 4 : 6;
        int co = PspHeader.isGmac(sa.version) ? 0 : sa.cryptOffset(family);
        recordFields(p, sa.version, n, encap + ICV_LENGTH, n + hdr, n + 14, family, co, vcLen, p.length - hdr);
        fastEncapsulations++;
        framesHandedOver++;
    }

    /** One cipher burst over the encapsulated packets of {@code pkts[from..from+n)} (result 0); completes them. */
    private void cipherChunk(Packet[] pkts, int from, int n) {
        burst.clear();
        burst.stageSplitHeads(true); // Packet.splitSource's contract
        for (int i = from; i < from + n; i++) {
            Packet p = pkts[i];
            if (p.result != 0) {
                burstIndex[i - from] = -1;
            } else if (p.splitLength > 0) {
                prepareSplit(p);
                burstIndex[i - from] = burst.addSplit(p.sa.key, p.segment, p.aeadOff, p.aadLen, p.textLen,
                        p.splitSource, p.splitOffset, p.splitLength);
            } else {
                burstIndex[i - from] = burst.add(p.sa.key, p.segment, p.aeadOff, p.aadLen, p.textLen);
            }
        }
        if (burst.count() > 0) {
            engine.sealBurst(burst);
        }
        for (int i = from; i < from + n; i++) {
            int bi = burstIndex[i - from];
            if (bi >= 0) {
                complete(pkts[i], burst.status(bi));
            }
        }
    }

    /**
     * Encapsulates {@code p} in place without sealing it: its AEAD record fields
     * ({@link Packet#aeadOff}, {@link Packet#aadLen}, {@link Packet#textLen}, {@link Packet#udpOff},
     * {@link Packet#l3Off}) are set and its IV taken. For TSO, which encapsulates one segment fully,
     * stamps the others from it and seals them all with {@link #sealEncapsulated}. {@code ivLeft}
     * is the number of IVs the run (this packet and the ones stamped after it under this SA) still
     * needs, so a block-reserving source is read once per run, as {@link #sealBurst} does per chunk;
     * {@code startRun} drops what is left of an earlier run's block. A failure is counted and
     * recorded in {@link Packet#result} (nothing has been written).
     */
    public int encapsulateOnly(Packet p, int ivLeft, boolean startRun) {
        checkedSegment = null;
        if (startRun) {
            ivBlockLeft = 0;
        }
        chunkLeft = Math.max(1, ivLeft);
        int rc = encapsulate(p);
        if (rc != 0) {
            return fail(p, rc);
        }
        p.result = 0;
        return 0;
    }

    /**
     * The next IV of the run opened by {@link #encapsulateOnly}, for a packet stamped from that
     * template; {@code left} is the number of IVs the run still needs, this one included.
     */
    public long nextIv(TxSa sa, int left) {
        chunkLeft = Math.max(1, left);
        return nextIv(sa.ivSource);
    }

    /**
     * Stamps {@code d} from the template {@code t}, a packet of the same shape and length already
     * through {@link #encapsulateOnly}: copies its finished headers (the {@code encap} bytes of
     * encapsulation plus the {@code innerHdrLen} bytes of headers that were in front of the payload)
     * to {@code d.offset - encap}, takes the record fields, and writes the next IV of the run. The
     * caller then patches what differs per packet in the inner headers (and calls
     * {@link #stampOuterId} when it changed the inner IPv4 ID and {@link #outerIdSum} says the
     * outer header follows it). {@code d.offset} must leave {@code encap} bytes of headroom.
     */
    public void stamp(Packet t, Packet d, long encap, int innerHdrLen, int ivLeft) {
        MemorySegment.copy(t.segment, t.offset, d.segment, d.offset - encap, encap + innerHdrLen);
        long iv = stampDescriptor(t, d, encap, ivLeft);
        Bytes.u64(d.segment, d.aeadOff + PspHeader.IV_OFFSET, iv);
    }

    /**
     * The descriptor half of {@link #stamp}, for a backend that copies the headers itself
     * ({@link TsoSealer}): moves {@code d.offset} back by {@code encap}, takes the template's record
     * fields and returns the next IV of the run (not written).
     */
    public long stampDescriptor(Packet t, Packet d, long encap, int ivLeft) {
        long start = d.offset - encap;
        long iv = nextIv(t.sa, ivLeft);
        d.offset = start;
        d.length = t.length;
        d.aeadOff = start + (t.aeadOff - t.offset);
        d.udpOff = start + (t.udpOff - t.offset);
        d.l3Off = start + (t.l3Off - t.offset);
        d.ipVersion = t.ipVersion;
        d.aadLen = t.aadLen;
        d.textLen = t.textLen;
        d.flowHash = t.flowHash;
        d.sa = t.sa;
        d.result = 0;
        return iv;
    }

    /** The engine's native TSO stamp-and-seal for up to {@code capacity} segments, or null (see {@link AeadEngine#tsoSealer}). */
    public TsoSealer tsoSealer(int capacity) {
        return fastPath ? engine.tsoSealer(capacity) : null;
    }

    /**
     * Begins {@code sealer} for the segments to be stamped from the template {@code t} (segment 0,
     * encapsulated, not sealed, a split record of {@code srcLen} source bytes): its headers
     * ({@code hdrLen} bytes from its start) and record shape, and the caller's field offsets and
     * sums. False when the sealer cannot take them (another engine's key, or a crypt offset
     * reaching into the payload, whose clear part {@link #prepareSplit} copies): stamp in Java.
     */
    public boolean beginTso(TsoSealer sealer, Packet t, int flags, int hdrLen, int srcLen, int ipOff, int l4Off,
                            int csumOff, long ipSum, long outerSum, long l4Sum, int tcpWord12) {
        // the shim stages each record's text head in the (textLen - srcLen) bytes in front of its
        // source (segment i >= 1: at or after splitOffset + srcLen): they must lie in the segment
        if (t.splitLength != srcLen || t.textLen < srcLen || t.sa == null
                || t.splitOffset + srcLen - (t.textLen - srcLen) < 0) {
            return false;
        }
        return sealer.begin(t.sa.key, flags, t.segment.address() + t.offset, hdrLen, (int) (t.aeadOff - t.offset),
                t.aadLen, t.textLen, srcLen, ipOff, (int) (t.l3Off - t.offset), l4Off, csumOff, ipSum, outerSum,
                l4Sum, tcpWord12);
    }

    /**
     * Completes a packet a {@link TsoSealer} sealed ({@code status} its {@link TsoSealer#status}):
     * counts it, or wipes its text and counts the failure, as {@link #sealEncapsulated} does.
     * Returns its {@link Reason} code.
     */
    public int completeSealed(Packet p, int status) {
        return complete(p, status);
    }

    /**
     * Once per run of packets stamped from the template {@code t} that differ from it only in the
     * inner IPv4 ID (TSO segments): when {@code t}'s outer IPv4 header copies the inner one (tunnel
     * mode without configured outer addresses), the ID follows the inner ID, and nothing else of
     * the outer header changes within the run: returns the one's-complement sum of the template's
     * outer header without its ID and checksum words, for {@link #stampOuterId}. Otherwise -1: a
     * stamped copy of the outer header is already right.
     */
    public long outerIdSum(Packet t) {
        TxSa sa = t.sa;
        if (sa.mode != Mode.TUNNEL || t.ipVersion != 4 || sa.hasOuterAddresses()) {
            return -1;
        }
        MemorySegment s = t.segment;
        long l3 = t.l3Off;
        return Checksum.ipv4KeptSum(s, l3, 20) - Bytes.u16(s, l3 + 4) + Bytes.u16(s, l3 + 2) + Bytes.u16(s, l3 + 8);
    }

    /**
     * Per stamped packet of a run whose {@link #outerIdSum} is {@code outerSum} (not -1): stores the
     * inner IPv4 ID {@code id} as the outer ID and the outer header checksum (stores only).
     */
    public void stampOuterId(Packet d, long outerSum, int id) {
        MemorySegment s = d.segment;
        long l3 = d.l3Off;
        Bytes.u16(s, l3 + 4, id);
        Bytes.u16(s, l3 + 10, Checksum.finish(outerSum + id));
    }

    /**
     * Seals packets already encapsulated ({@link #encapsulateOnly} or stamped from one): those with
     * {@link Packet#result} 0 go to the cipher in bursts, the others are already failed and
     * counted. Returns how many succeeded, those first, failures after them (as
     * {@link #sealBurst}).
     */
    public int sealEncapsulated(Packet[] pkts, int n) {
        return sealInChunks(pkts, n, false);
    }

    private int partition(Packet[] pkts, int n) {
        if (failedScratch.length < n) {
            failedScratch = new Packet[n];
        }
        return partition(pkts, n, failedScratch);
    }

    /**
     * Stable partition: OK packets ({@link Packet#result} 0) first, failures after them, both in
     * order; {@code scratch} holds at least {@code n} (left cleared). Returns the OK count.
     */
    public static int partition(Packet[] pkts, int n, Packet[] scratch) {
        int ok = 0;
        int bad = 0;
        for (int i = 0; i < n; i++) {
            Packet p = pkts[i];
            if (p.result == 0) {
                pkts[ok++] = p;
            } else {
                scratch[bad++] = p;
            }
        }
        if (bad > 0) {
            System.arraycopy(scratch, 0, pkts, ok, bad);
            java.util.Arrays.fill(scratch, 0, bad, null);
        }
        return ok;
    }

    private int fail(Packet p, int rc) {
        p.splitLength = 0;
        p.splitSource = null;
        p.result = rc;
        counters.count(rc);
        return rc;
    }

    private int complete(Packet p, int status) {
        MemorySegment s = p.segment;
        p.splitLength = 0;
        p.splitSource = null;
        if (status != AeadEngine.OK) {
            // never let plaintext leave: wipe what was to be encrypted
            s.asSlice(p.aeadOff + p.aadLen, p.textLen + ICV_LENGTH).fill((byte) 0);
            return fail(p, Reason.TX_CRYPTO.code());
        }
        if (p.sa.udpChecksum) {
            int udpLen = Bytes.u16(s, p.udpOff + 4);
            Bytes.u16(s, p.udpOff + 6, Checksum.l4(s, p.l3Off, p.ipVersion, PacketHeaders.PROTO_UDP, p.udpOff, udpLen, 6));
        }
        counters.txPackets++;
        counters.txBytes += p.aadLen - BASE_LENGTH + p.textLen;
        p.result = 0;
        return 0;
    }

    /** Builds the encapsulation in place and fills the AEAD record fields; returns a reason code. */
    private int encapsulate(Packet p) {
        TxSa sa = p.sa;
        if (sa == null) {
            return Reason.TX_NO_SA.code();
        }
        if (fastPath && sa.mode == Mode.TRANSPORT && !sa.reference && p.splitLength == 0) {
            int l4Len = fastShape(p);
            if (l4Len >= 0) {
                return shapeHdr == FAST_HDR ? encapsulateTransportV4(p, sa, l4Len + 20) : encapsulateTransportV6(p, sa, l4Len);
            }
        }
        return encapsulateGeneral(p, sa);
    }

    private static final int FAST_HDR = 14 + 20; // untagged Ethernet + IPv4 without options

    /**
     * The common shape on its own path: transport mode, untagged Ethernet, IPv4 without options,
     * unfragmented TCP or UDP, no link-layer padding. The same bytes and record fields as
     * {@link #encapsulateGeneral} (checked against it by a differential test), from a handful of
     * fixed-offset reads instead of the general parse, and a fixed 34-byte header move. For a frame
     * {@link #fastShape} accepted ({@code total}: its IPv4 total length).
     */
    private int encapsulateTransportV4(Packet p, TxSa sa, int total) {
        int rc = fastRoom(p, sa, total - 20, total);
        if (rc != 0) {
            return rc;
        }
        MemorySegment g = Bytes.NATIVE;
        MemorySegment s = p.segment;
        long off = p.offset;
        long delta = s.address();
        long a = delta + off;
        long w1 = Bytes.u64(g, a + 16);
        long addrs = Bytes.u64(g, a + 26);
        int ports = Bytes.u32(g, a + FAST_HDR);
        int proto = (int) w1 & 0xff;
        int ttl = (int) (w1 >>> 8) & 0xff;
        int vcLen = sa.vc ? VC_LENGTH : 0;
        int encap = UDP_HEADER + BASE_LENGTH + vcLen;
        int payloadLen = total - 20;
        int co = PspHeader.isGmac(sa.version) ? 0 : sa.cryptOffset(4);
        int grow = encap + ICV_LENGTH;
        int ipLenAfter = total + grow;
        int flowHash = FlowHash.ofIpv4(proto, addrs, ports);
        p.flowHash = flowHash;
        int sport = sa.sourcePort.sourcePort(true, ports >>> 16, ports & 0xffff, flowHash);
        if (innerChecksums) {
            fillInnerChecksum(s, off + 14, off + FAST_HDR, off + 14 + total, 4, proto);
        }
        long kept = Checksum.ipv4KeptSum(g, a + 14, 20);
        long n = off - encap;
        long na = a - encap;
        Bytes.moveHeader(a, na, FAST_HDR); // back by encap into the headroom
        long l3a = na + 14;
        Bytes.u16(g, l3a + 2, ipLenAfter);
        Bytes.u8(g, l3a + 9, PacketHeaders.PROTO_UDP);
        Bytes.u16(g, l3a + 10, Checksum.ipv4Finish(kept, ipLenAfter, ttl, PacketHeaders.PROTO_UDP));
        long udpOff = n + FAST_HDR;
        finishEncap(p, sa, g, delta, udpOff, sport, proto, co, vcLen, payloadLen, n, grow, n + 14, 4);
        fastEncapsulations++;
        return 0;
    }

    private static final int FAST_HDR6 = 14 + 40; // untagged Ethernet + IPv6 without extension headers

    /**
     * {@link #encapsulateTransportV4}'s IPv6 twin: transport mode, untagged Ethernet, IPv6 whose next
     * header is TCP or UDP (no extension headers), no link-layer padding. The 54 header bytes move
     * back by the encapsulation, the payload length and next header are rewritten (IPv6 has no
     * header checksum). The same bytes and record fields as {@link #encapsulateGeneral}. For a frame
     * {@link #fastShape} accepted ({@code payloadLen}: its IPv6 payload length).
     */
    private int encapsulateTransportV6(Packet p, TxSa sa, int payloadLen) {
        int rc = fastRoom(p, sa, payloadLen, payloadLen);
        if (rc != 0) {
            return rc;
        }
        MemorySegment g = Bytes.NATIVE;
        MemorySegment s = p.segment;
        long off = p.offset;
        int length = p.length;
        long delta = s.address();
        long a = delta + off;
        int proto = Bytes.u8(g, a + 14 + 6);
        int vcLen = sa.vc ? VC_LENGTH : 0;
        int encap = UDP_HEADER + BASE_LENGTH + vcLen;
        int co = PspHeader.isGmac(sa.version) ? 0 : sa.cryptOffset(6);
        int grow = encap + ICV_LENGTH;
        int ipLenAfter = payloadLen + grow;
        int ports = Bytes.u32(g, a + FAST_HDR6);
        int flowHash = FlowHash.ofIpv6(proto, g, a + 14 + 8, ports);
        p.flowHash = flowHash;
        int sport = sa.sourcePort.sourcePort(true, ports >>> 16, ports & 0xffff, flowHash);
        if (innerChecksums) {
            fillInnerChecksum(s, off + 14, off + FAST_HDR6, off + length, 6, proto);
        }
        long n = off - encap;
        long na = a - encap;
        Bytes.moveHeader(a, na, FAST_HDR6); // back by encap into the headroom
        Bytes.u16(g, na + 14 + 4, ipLenAfter);
        Bytes.u8(g, na + 14 + 6, PacketHeaders.PROTO_UDP);
        finishEncap(p, sa, g, delta, n + FAST_HDR6, sport, proto, co, vcLen, payloadLen, n, grow, n + 14, 6);
        fastEncapsulations++;
        return 0;
    }

    /**
     * The L4 length of a frame of one of the common shapes, in writable native memory, or -1:
     * untagged Ethernet, then IPv4 without options, unfragmented ({@link #shapeHdr} = {@link #FAST_HDR}),
     * or IPv6 without extension headers ({@link #FAST_HDR6}), carrying TCP or UDP, with no padding.
     * Checks the frame against its segment's bounds and the segment's liveness once, so that the
     * caller may address it absolutely through {@link Bytes#NATIVE} (from the frame's start back into
     * the headroom once {@link #fastRoom} agrees).
     */
    private int fastShape(Packet p) {
        MemorySegment s = p.segment;
        long off = p.offset;
        int length = p.length;
        long size = s.byteSize();
        if (length < FAST_HDR + 8 || off < 0 || off + length > size || p.base < 0 || p.limit > size
                || (s != checkedSegment && !checkSegment(s))) {
            return -1;
        }
        long a = s.address() + off;
        long w0 = Bytes.u64(Bytes.NATIVE, a + 8);  // MAC bytes 8..11, ethertype, version/IHL, TOS (IPv6: version/class/flow label)
        long w1 = Bytes.u64(Bytes.NATIVE, a + 16); // IPv4: total length, ID, flags/fragment offset, TTL, protocol;
                                                   // IPv6: flow label, payload length, next header, hop limit, source 0..1
        int proto;
        int l4Len;
        if ((int) (w0 >>> 8 & 0xffffff) == 0x080045) {
            int total = (int) (w1 >>> 48);
            if (total != length - 14 || (w1 >>> 16 & 0x3fff) != 0) {
                return -1;
            }
            proto = (int) w1 & 0xff;
            l4Len = total - 20;
            shapeHdr = FAST_HDR;
        } else if ((int) (w0 >>> 16 & 0xffff) == PacketHeaders.ETHERTYPE_IPV6 && (int) (w0 >>> 12 & 0xf) == 6
                && length >= FAST_HDR6 + 8) {
            l4Len = (int) (w1 >>> 32) & 0xffff;
            if (l4Len != length - FAST_HDR6) {
                return -1;
            }
            proto = (int) (w1 >>> 24) & 0xff;
            shapeHdr = FAST_HDR6;
        } else {
            return -1;
        }
        return proto == PacketHeaders.PROTO_TCP || proto == PacketHeaders.PROTO_UDP ? l4Len : -1;
    }

    /** The header bytes (L2 + L3) of the frame {@link #fastShape} accepted last: {@link #FAST_HDR} or {@link #FAST_HDR6}. */
    private int shapeHdr;

    /**
     * Native, writable, alive and accessible by this thread: checked once per segment per burst
     * ({@link #checkedSegment}, reset by {@link #sealBurst} and {@link #seal}), as packets of a
     * burst mostly share their pool's segment.
     */
    private boolean checkSegment(MemorySegment s) {
        if (!Bytes.addressable(s, true)) {
            return false;
        }
        checkedSegment = s;
        return true;
    }

    /**
     * For a frame {@link #fastShape} accepted ({@code payloadLen} L4 bytes, IP
     * length field {@code ipLen}): 0, or why {@code sa} cannot encapsulate it in the packet's window,
     * checked in the general path's order.
     */
    private static int fastRoom(Packet p, TxSa sa, int payloadLen, int ipLen) {
        int vcLen = sa.vc ? VC_LENGTH : 0;
        int encap = UDP_HEADER + BASE_LENGTH + vcLen;
        // transport mode: one crypt offset for both families
        int coBytes = PspHeader.isGmac(sa.version) ? 0 : sa.cryptOffset(4) * PspHeader.CRYPT_OFFSET_UNIT;
        if (coBytes > vcLen + payloadLen) {
            return Reason.TX_CRYPT_OFFSET.code();
        }
        if (p.offset - encap < p.base || p.offset + p.length + ICV_LENGTH > p.limit) {
            return Reason.TX_NO_ROOM.code();
        }
        if (ipLen + encap + ICV_LENGTH > 0xffff) {
            return Reason.TX_TOO_BIG.code();
        }
        return 0;
    }

    /** Any frame, any SA: parses it and builds the encapsulation. */
    private int encapsulateGeneral(Packet p, TxSa sa) {
        PacketHeaders h = headers;
        MemorySegment s = p.segment;
        int prc = h.parse(s, p.offset, p.length);
        if (prc == PacketHeaders.NOT_IP) {
            return Reason.TX_NOT_IP.code();
        } else if (prc != PacketHeaders.OK) {
            return Reason.TX_MALFORMED.code();
        }
        boolean transport = sa.mode == Mode.TRANSPORT;
        if (transport && h.fragment) {
            return Reason.TX_FRAGMENT.code();
        }
        if (sa.reference && transport && h.ipVersion == 6 && h.l4Off != h.l3Off + 40) {
            return Reason.TX_UNSUPPORTED.code(); // the reference skips IPv6 extension headers
        }
        int vcLen = sa.vc ? VC_LENGTH : 0;
        int innerFamily = h.ipVersion;
        int outerFamily = transport ? innerFamily : (sa.outerFamily == 0 ? innerFamily : sa.outerFamily);
        int outerIpLen = transport ? 0 : (outerFamily == 4 ? 20 : 40);
        int encap = outerIpLen + UDP_HEADER + BASE_LENGTH + vcLen;
        long payloadOff = transport ? h.l4Off : h.l3Off;
        int payloadLen = (int) (h.ipEnd - payloadOff);
        long hdrLen = payloadOff - p.offset; // bytes that move back: L2 (+ L3 in transport mode)
        boolean gmac = PspHeader.isGmac(sa.version);
        int co = gmac ? 0 : sa.cryptOffset(innerFamily);
        int coBytes = co * PspHeader.CRYPT_OFFSET_UNIT;
        if (coBytes > vcLen + payloadLen || (sa.reference && coBytes > payloadLen)) {
            return Reason.TX_CRYPT_OFFSET.code();
        }
        long frameEnd = p.offset + p.length;
        int padLen = (int) (frameEnd - h.ipEnd);
        if (p.offset - encap < p.base || frameEnd + ICV_LENGTH > p.limit) {
            return Reason.TX_NO_ROOM.code();
        }
        int grow = encap + ICV_LENGTH;
        int ipLenAfter = transport
                ? (innerFamily == 4 ? (int) (h.ipEnd - h.l3Off) + grow : (int) (h.ipEnd - h.l3Off - 40) + grow)
                : (outerFamily == 4 ? payloadLen + grow : payloadLen + grow - 40);
        if (ipLenAfter > 0xffff || (sa.reference && p.length + grow > REFERENCE_MAX_FRAME)) {
            return Reason.TX_TOO_BIG.code();
        }
        int flowHash = FlowHash.of(h);
        p.flowHash = flowHash;
        int sport = sa.sourcePort.sourcePort(h.hasPorts, h.srcPort, h.dstPort, flowHash);
        int nextHeader = transport ? h.l4Proto : (innerFamily == 4 ? PacketHeaders.PROTO_IPV4 : PacketHeaders.PROTO_IPV6);

        if (innerChecksums && p.splitLength == 0 && !h.fragment) {
            fillInnerChecksum(s, h.l3Off, h.l4Off, h.ipEnd, h.ipVersion, h.l4Proto);
        }
        // the kept part of an IPv4 header's checksum, read before anything is stored
        long ipv4Kept = transport && innerFamily == 4 ? Checksum.ipv4KeptSum(s, h.l3Off, h.ipHeaderLen) : 0;
        int ttl = transport && innerFamily == 4 ? Bytes.u8(s, h.l3Off + 8) : 0;
        // 1. padding goes behind the ICV; 2. headers move back into the headroom
        Bytes.move(s, h.ipEnd, h.ipEnd + ICV_LENGTH, padLen, bounce);
        long newOff = p.offset - encap;
        Bytes.move(s, p.offset, newOff, hdrLen, bounce);
        long udpOff;
        long l3;
        if (transport) {
            l3 = h.l3Off - encap;
            if (innerFamily == 4) {
                Bytes.u16(s, l3 + 2, ipLenAfter);
                Bytes.u8(s, h.protoFieldOff - encap, PacketHeaders.PROTO_UDP);
                Bytes.u16(s, l3 + 10, Checksum.ipv4Finish(ipv4Kept, ipLenAfter, ttl, PacketHeaders.PROTO_UDP));
            } else {
                Bytes.u16(s, l3 + 4, ipLenAfter);
                Bytes.u8(s, h.protoFieldOff - encap, PacketHeaders.PROTO_UDP);
            }
            udpOff = payloadOff - (UDP_HEADER + BASE_LENGTH + vcLen);
        } else {
            l3 = payloadOff - encap;
            Bytes.u16(s, h.etherTypeOff - encap, outerFamily == 4 ? PacketHeaders.ETHERTYPE_IPV4 : PacketHeaders.ETHERTYPE_IPV6);
            writeOuter(sa, s, l3, outerFamily, innerFamily, payloadOff, ipLenAfter, flowHash);
            udpOff = l3 + outerIpLen;
        }
        finishEncap(p, sa, s, 0, udpOff, sport, nextHeader, co, vcLen, payloadLen, newOff, grow, l3, outerFamily);
        return 0;
    }

    /**
     * The end both encapsulations share: UDP header (sport, dport 1000, length, checksum 0: one
     * 8-byte store) and PSP header at {@code udpOff} with the next IV, then the record fields.
     */
    private void finishEncap(Packet p, TxSa sa, MemorySegment s, long delta, long udpOff, int sport, int nextHeader, int co, int vcLen, int payloadLen,
                             long newOff, int grow, long l3, int outerFamily) {
        int udpLen = UDP_HEADER + BASE_LENGTH + vcLen + payloadLen + ICV_LENGTH;
        Bytes.u64(s, delta + udpOff, ((long) sport << 48) | ((long) PspHeader.UDP_PORT << 32) | ((long) udpLen << 16));
        long pspOff = udpOff + UDP_HEADER;
        PspHeader.write(s, delta + pspOff, nextHeader, co, sa.sBit, sa.dBit, sa.version, sa.vc, sa.vcValue, sa.spi,
                nextIv(sa.ivSource));
        recordFields(p, sa.version, newOff, grow, udpOff, l3, outerFamily, co, vcLen, payloadLen);
    }

    /**
     * The descriptor after encapsulation (by {@link #finishEncap} or a {@link FrameSealer}): frame
     * window, header offsets and the AEAD record ({@code co} in 4-byte units, 0 for GMAC).
     */
    private static void recordFields(Packet p, int version, long newOff, int grow, long udpOff, long l3, int outerFamily,
                                     int co, int vcLen, int payloadLen) {
        p.offset = newOff;
        p.length += grow;
        p.aeadOff = udpOff + UDP_HEADER;
        p.udpOff = udpOff;
        p.l3Off = l3;
        p.ipVersion = outerFamily;
        if (PspHeader.isGmac(version)) {
            p.aadLen = BASE_LENGTH + vcLen + payloadLen;
            p.textLen = 0;
        } else {
            int coBytes = co * PspHeader.CRYPT_OFFSET_UNIT;
            p.aadLen = BASE_LENGTH + coBytes;
            p.textLen = vcLen + payloadLen - coBytes;
        }
    }

    /** Checksum-offload emulation: the inner TCP or UDP checksum, computed in place (other protocols untouched). */
    private static void fillInnerChecksum(MemorySegment s, long l3, long l4, long ipEnd, int ipVersion, int proto) {
        int l4Len = (int) (ipEnd - l4);
        int field;
        if (proto == PacketHeaders.PROTO_TCP && l4Len >= 20) {
            field = 16;
        } else if (proto == PacketHeaders.PROTO_UDP && l4Len >= 8) {
            field = 6;
        } else {
            return;
        }
        Bytes.u16(s, l4 + field, Checksum.l4(s, l3, ipVersion, proto, l4, l4Len, field));
    }

    /**
     * The next IV from {@code src}: taken from a block reserved for the rest of the chunk, so a
     * burst under one SA reads the clock once. A block left over at the end of a burst is dropped
     * (IVs need only be unique and increasing, not dense).
     */
    private long nextIv(IvSource src) {
        if (carryIv) {
            carryIv = false;
            return carriedIv;
        }
        if (!src.prefersBlocks()) {
            return src.nextIv();
        }
        if (ivBlockLeft == 0 || ivBlockSource != src) {
            int n = chunkLeft;
            ivBlockSource = src;
            ivBlockNext = n == 1 ? src.nextIv() : src.nextIvBlock(n);
            ivBlockLeft = n;
        }
        ivBlockLeft--;
        return ivBlockNext++;
    }

    /**
     * Writes the tunnel's outer IP header at {@code l3} for the inner IP header at {@code inner}
     * ({@code ipLen}: the outer length field). With no configured addresses the inner header's
     * fields are copied (as the reference does), except that fragmentation fields are cleared (DF
     * kept): the outer packet is a new, whole datagram.
     */
    private static void writeOuter(TxSa sa, MemorySegment s, long l3, int outerFamily, int innerFamily, long inner,
                                   int ipLen, int flowHash) {
        if (!sa.hasOuterAddresses()) {
            if (outerFamily == 4) {
                MemorySegment.copy(s, inner, s, l3, 20);
                Bytes.u8(s, l3, 0x45);
                Bytes.u16(s, l3 + 2, ipLen);
                Bytes.u16(s, l3 + 6, Bytes.u16(s, inner + 6) & 0x4000);
                Bytes.u8(s, l3 + 9, PacketHeaders.PROTO_UDP);
                Checksum.ipv4Header(s, l3, 20);
            } else {
                MemorySegment.copy(s, inner, s, l3, 40);
                Bytes.u16(s, l3 + 4, ipLen);
                Bytes.u8(s, l3 + 6, PacketHeaders.PROTO_UDP);
            }
            return;
        }
        int tos = innerFamily == 4 ? Bytes.u8(s, inner + 1) : (Bytes.u16(s, inner) >>> 4) & 0xff;
        if (outerFamily == 4) {
            Bytes.u8(s, l3, 0x45);
            Bytes.u8(s, l3 + 1, tos);
            Bytes.u16(s, l3 + 2, ipLen);
            Bytes.u16(s, l3 + 4, 0);
            Bytes.u16(s, l3 + 6, 0x4000);
            Bytes.u8(s, l3 + 8, sa.outerTtl);
            Bytes.u8(s, l3 + 9, PacketHeaders.PROTO_UDP);
            MemorySegment.copy(sa.outerSrc, 0, s, l3 + 12, 4);
            MemorySegment.copy(sa.outerDst, 0, s, l3 + 16, 4);
            Checksum.ipv4Header(s, l3, 20);
        } else {
            Bytes.u32(s, l3, (6 << 28) | (tos << 20) | (flowHash & 0xfffff));
            Bytes.u16(s, l3 + 4, ipLen);
            Bytes.u8(s, l3 + 6, PacketHeaders.PROTO_UDP);
            Bytes.u8(s, l3 + 7, sa.outerTtl);
            MemorySegment.copy(sa.outerSrc, 0, s, l3 + 8, 16);
            MemorySegment.copy(sa.outerDst, 0, s, l3 + 24, 16);
        }
    }
}
