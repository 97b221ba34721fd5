package dev.psp.engine.psp;

import static dev.psp.engine.psp.PspHeader.BASE_LENGTH;
import static dev.psp.engine.psp.PspHeader.ICV_LENGTH;
import static dev.psp.engine.psp.PspHeader.UDP_HEADER;

import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;

/**
 * PSP verification, decryption and decapsulation, in place. Validates once at ingress (lengths
 * from the IP and UDP headers, PSP header fields, SPI, crypt offset), derives the key from the SPI
 * ({@link RxKeys}), opens the record where it lies (the ICV is checked even when nothing is
 * encrypted), then moves only the headers forward over the PSP encapsulation.
 *
 * <p>The mode comes from configuration: a transport-mode packet whose inner protocol is 4 or 41
 * cannot be told from a tunnel by the packet alone, so {@link Mode#AUTO} (next header 4/41 means
 * tunnel) is an explicit choice. Packets that are not PSP ({@link Reason#NOT_PSP}) are left
 * untouched for the caller to pass through. Receive metadata (SPI, IV, VC, S, D, version,
 * authenticated) is set on success. Not thread safe: one decoder per worker.
 */
public final class PspDecoder {
    private final AeadEngine engine;
    private final RxKeys keys;
    private final PspCounters counters;
    private final Mode mode;
    private final PacketHeaders headers = new PacketHeaders();
    private final byte[] bounce = new byte[512];
    private final AeadBurst burst;
    private final int[] burstIndex;
    private Packet[] scratch;
    private boolean recordClearFields;
    private boolean verifyInnerChecksums;
    private boolean markInnerChecksums;
    private boolean fastPath = true;
    /** The last segment {@link #checkSegment} accepted in the current call (reset per call). */
    private MemorySegment checkedSegment;
    /** Packets {@link #validateFast} accepted (tests check the specialised path ran). */
    long fastValidations;
    /** Packets {@link #decapsulate} moved with absolute addresses. */
    long fastDecapsulations;
    /** Inner checksums checked from the backend's plaintext sum (tests check that path ran). */
    long textSumVerifications;

    public PspDecoder(AeadEngine engine, RxKeys keys, PspCounters counters, Mode mode, int maxBurst) {
        this.engine = engine;
        this.keys = keys;
        this.counters = counters;
        this.mode = mode;
        this.burst = new AeadBurst(maxBurst);
        this.burstIndex = new int[maxBurst];
        this.scratch = new Packet[maxBurst];
    }

    public PspDecoder(AeadEngine engine, RxKeys keys, PspCounters counters, Mode mode) {
        this(engine, keys, counters, mode, 64);
    }

    public PspCounters counters() {
        return counters;
    }

    /**
     * Also record, during the one validation parse, what an on-path observer sees in the clear:
     * {@link Packet#clearPorts} and {@link Packet#outerSourcePort} (per-flow telemetry). Off by
     * default: it costs a few reads per packet.
     */
    public PspDecoder recordClearFields(boolean on) {
        recordClearFields = on;
        return this;
    }

    /**
     * Also verify, after decryption, the inner TCP or UDP checksum of each delivered packet (transport
     * mode: the packet's own L4; tunnel mode: the inner IP packet's, unfragmented): a packet whose
     * checksum is wrong is not delivered and counted under {@link Reason#RX_INNER_CSUM_BAD} (rx-error,
     * not rx-packets: each packet lands in one spec counter); a good one is marked
     * {@link Packet#innerCsumVerified} (GRO then skips its own pass over the payload). A zero UDP
     * checksum (none sent) passes; other protocols are not checked. Off by default: one pass over the
     * payload per packet.
     */
    public PspDecoder verifyInnerChecksums(boolean on) {
        verifyInnerChecksums = on;
        return this;
    }

    /**
     * Check inner checksums as {@link #verifyInnerChecksums} does, but only mark the good ones
     * ({@link Packet#innerCsumVerified}): a packet whose checksum is wrong is delivered all the same,
     * unmarked, for the stage after to judge (GRO then checks it itself and does not merge it, as
     * Linux GRO passes such a packet up alone). For a GRO that follows: with the native shim the
     * check costs a few additions (the shim sums the plaintext as it leaves the cipher) instead of
     * GRO's own pass over each payload. Ignored when {@link #verifyInnerChecksums} is on.
     */
    public PspDecoder markInnerChecksums(boolean on) {
        markInnerChecksums = on;
        return this;
    }

    /**
     * The specialised path for the common shape (untagged Ethernet, IPv4 without options, UDP to
     * port 1000 without a checksum, no padding), on by default: header fields read and moved with
     * absolute addresses after one segment check per call. Off: every packet takes the general
     * parse (tests compare the two).
     */
    public PspDecoder fastPath(boolean on) {
        fastPath = on;
        return this;
    }

    /** Opens one packet; returns its {@link Reason} code (0 = delivered, NOT_PSP = untouched). */
    public int open(Packet p) {
        checkedSegment = null;
        int rc = validate(p);
        if (rc != 0) {
            return fail(p, rc);
        }
        AeadKey key = keys.resolve(p.spi, p.version, 0);
        if (key == null) {
            return fail(p, keys.lastReason);
        }
        return complete(p, engine.open(key, p.segment, p.aeadOff, p.aadLen, p.textLen), -1);
    }

    /**
     * Opens {@code pkts[0..n)}; returns how many were delivered, those first (in order), the rest
     * after them with {@link Packet#result} set (NOT_PSP packets are among the rest, untouched).
     */
    public int openBurst(Packet[] pkts, int n) {
        checkedSegment = null;
        int done = 0;
        while (done < n) {
            int chunk = Math.min(n - done, burst.capacity());
            openChunk(pkts, done, chunk);
            done += chunk;
        }
        if (scratch.length < n) {
            scratch = new Packet[n];
        }
        return PspEncoder.partition(pkts, n, scratch);
    }

    private void openChunk(Packet[] pkts, int from, int n) {
        burst.clear();
        burst.sumTexts(verifyInnerChecksums || markInnerChecksums);
        for (int i = from; i < from + n; i++) {
            Packet p = pkts[i];
            burstIndex[i - from] = -1;
            int rc = validate(p);
            if (rc != 0) {
                fail(p, rc);
                continue;
            }
            AeadKey key = keys.resolve(p.spi, p.version, burst.count());
            if (key == null) {
                fail(p, keys.lastReason);
                continue;
            }
            burstIndex[i - from] = burst.add(key, p.segment, p.aeadOff, p.aadLen, p.textLen);
        }
        if (burst.count() > 0) {
            engine.openBurst(burst);
        }
        for (int i = from; i < from + n; i++) {
            int bi = burstIndex[i - from];
            if (bi >= 0) {
                complete(pkts[i], burst.status(bi), burst.textSum(bi));
            }
        }
    }

    private int fail(Packet p, int rc) {
        p.result = rc;
        p.authenticated = false;
        p.rxLayout = false;
        p.innerCsumVerified = false;
        counters.count(rc);
        return rc;
    }

    /** Parses and checks the outer packet and PSP header; fills the record fields. */
    private int validate(Packet p) {
        if (fastPath && validateFast(p)) {
            return 0;
        }
        return validateGeneral(p);
    }

    private static final int FAST_HDR = 14 + 20; // untagged Ethernet + IPv4 without options
    private static final int FAST_HDR6 = 14 + 40; // untagged Ethernet + IPv6 without extension headers

    /**
     * {@link #validateGeneral} for a packet of the common shape that passes every check: true with
     * the same fields set. Anything else (another shape, a UDP checksum to verify, any check that
     * fails) is false and left to the general path, which names the reason.
     */
    private boolean validateFast(Packet p) {
        MemorySegment s = p.segment;
        long off = p.offset;
        int length = p.length;
        long size = s.byteSize();
        if (length < FAST_HDR + UDP_HEADER + BASE_LENGTH + ICV_LENGTH || off < 0 || off + length > size
                || (s != checkedSegment && !checkSegment(s))) {
            return false;
        }
        MemorySegment g = Bytes.NATIVE;
        long a = s.address() + off;
        long w0 = Bytes.u64(g, a + 8);  // MAC bytes 8..11, ethertype, version/IHL, TOS
        if ((int) (w0 >>> 16 & 0xffff) == PacketHeaders.ETHERTYPE_IPV6) {
            return validateFast6(p, s, g, a, w0);
        }
        long w1 = Bytes.u64(g, a + 16); // total length, ID, flags/fragment offset, TTL, protocol
        int total = (int) (w1 >>> 48);
        if ((int) (w0 >>> 8 & 0xffffff) != 0x080045 || total != length - 14 || (w1 >>> 16 & 0x3fff) != 0
                || (w1 & 0xff) != PacketHeaders.PROTO_UDP) {
            return false;
        }
        long x = Bytes.u64(g, a + 14);
        long y = Bytes.u64(g, a + 22);
        int z = Bytes.u32(g, a + 30);
        long ipSum = (x >>> 48) + (x >>> 32 & 0xffff) + (x >>> 16 & 0xffff) + (x & 0xffff)
                + (y >>> 48) + (y >>> 32 & 0xffff) + (y >>> 16 & 0xffff) + (y & 0xffff) + (z >>> 16) + (z & 0xffff);
        return Checksum.finish(ipSum) == 0 && fastRecord(p, s, g, a, FAST_HDR, total - 20, 4, 20, 9);
    }

    /**
     * The UDP and PSP part of the fast validations, for a frame whose {@code hdr} bytes of
     * Ethernet and IP passed: UDP to port 1000 with length {@code udpLen} and checksum 0, a PSP header
     * that passes every check; then the record fields. False (nothing set) otherwise.
     */
    private boolean fastRecord(Packet p, MemorySegment s, MemorySegment g, long a, int hdr, int udpLen, int family,
                               int ipHeaderLen, int protoField) {
        long udp = Bytes.u64(g, a + hdr); // source port, destination port, length, checksum
        if ((udp >>> 32 & 0xffff) != PspHeader.UDP_PORT || (udp >>> 16 & 0xffff) != udpLen || (udp & 0xffff) != 0) {
            return false;
        }
        long word0 = Bytes.u64(g, a + hdr + UDP_HEADER);
        int region = p.length - (hdr + UDP_HEADER + BASE_LENGTH + ICV_LENGTH);
        if (pspHeaderReason(word0, region) != 0) {
            return false; // the general path names it
        }
        long off = p.offset;
        p.authenticated = false;
        setRecord(p, s, word0, off + hdr, off + 14, family, off + p.length, ipHeaderLen, off + 14 + protoField, off + 12,
                (int) (udp >>> 48), region);
        fastValidations++;
        return true;
    }

    /**
     * {@link #validateFast} for IPv6: version 6, next header UDP (no extension headers), payload
     * length equal to the frame's rest (no padding); the UDP and PSP checks are the IPv4 ones.
     */
    private boolean validateFast6(Packet p, MemorySegment s, MemorySegment g, long a, long w0) {
        int length = p.length;
        long w1 = Bytes.u64(g, a + 16); // flow label, payload length, next header, hop limit, source 0..1
        int payloadLen = (int) (w1 >>> 32) & 0xffff;
        if ((int) (w0 >>> 12 & 0xf) != 6 || length < FAST_HDR6 + UDP_HEADER + BASE_LENGTH + ICV_LENGTH
                || payloadLen != length - FAST_HDR6 || (int) (w1 >>> 24 & 0xff) != PacketHeaders.PROTO_UDP) {
            return false;
        }
        return fastRecord(p, s, g, a, FAST_HDR6, payloadLen, 6, 40, 6);
    }

    /**
     * The PSP header checks, on its first word {@code word0} and the {@code region} after the IV up
     * to the ICV: 0 when all pass, else the reason of the first that fails.
     */
    private static int pspHeaderReason(long word0, int region) {
        int flags = PspHeader.flags(word0);
        if ((flags & PspHeader.FLAG_ALWAYS_1) == 0) {
            return Reason.RX_BAD_HEADER.code();
        }
        int version = PspHeader.version(word0);
        if (version > 3) {
            return Reason.RX_BAD_VERSION.code();
        }
        int hdrLen = PspHeader.headerLength(word0);
        boolean vcPresent = (flags & PspHeader.FLAG_V) != 0;
        // Hdr Ext Len is 1, or 2 with a VC (PSP.md): anything else (2 without V included) is refused,
        // never skipped over as if it were a header extension
        if (hdrLen != (vcPresent ? BASE_LENGTH + PspHeader.VC_LENGTH : BASE_LENGTH)) {
            return Reason.RX_BAD_HEADER.code();
        }
        if (hdrLen - BASE_LENGTH > region) {
            return Reason.RX_TRUNCATED.code();
        }
        if (!PspHeader.validSpi(PspHeader.spi(word0))) {
            return Reason.RX_BAD_SPI.code();
        }
        int coBytes = PspHeader.isGmac(version) ? 0 : PspHeader.cryptOffset(word0) * PspHeader.CRYPT_OFFSET_UNIT;
        return coBytes > region ? Reason.RX_CRYPT_OFFSET.code() : 0;
    }

    /** Native, writable, alive and this thread's: checked once per segment per call (a burst's packets mostly share their pool's segment). */
    private boolean checkSegment(MemorySegment s) {
        if (!Bytes.addressable(s, true)) {
            return false;
        }
        checkedSegment = s;
        return true;
    }

    private int validateGeneral(Packet p) {
        PacketHeaders h = headers;
        MemorySegment s = p.segment;
        p.authenticated = false;
        int prc = h.parse(s, p.offset, p.length);
        if (prc == PacketHeaders.NOT_IP) {
            return Reason.NOT_PSP.code();
        } else if (prc == PacketHeaders.TRUNCATED) {
            return Reason.RX_TRUNCATED.code();
        } else if (prc != PacketHeaders.OK) {
            return Reason.RX_BAD_IP.code();
        }
        if (h.l4Proto != PacketHeaders.PROTO_UDP) {
            return Reason.NOT_PSP.code();
        }
        if (h.hasPorts && h.dstPort != PspHeader.UDP_PORT) {
            return Reason.NOT_PSP.code();
        }
        if (h.fragment) {
            return Reason.RX_FRAGMENT.code();
        }
        if (!h.hasPorts || h.ipEnd - h.l4Off < UDP_HEADER) {
            return Reason.RX_TRUNCATED.code();
        }
        if (h.ipVersion == 4 && !Checksum.ipv4HeaderValid(s, h.l3Off, h.ipHeaderLen)) {
            return Reason.RX_BAD_IP.code();
        }
        long udpOff = h.l4Off;
        int udpLen = Bytes.u16(s, udpOff + 4);
        if (udpLen != h.ipEnd - udpOff) {
            return Reason.RX_BAD_UDP_LENGTH.code();
        }
        if (Bytes.u16(s, udpOff + 6) != 0
                && !Checksum.l4Valid(s, h.l3Off, h.ipVersion, PacketHeaders.PROTO_UDP, udpOff, udpLen)) {
            return Reason.RX_BAD_UDP_CHECKSUM.code();
        }
        long psp = udpOff + UDP_HEADER;
        long icvOff = h.ipEnd - ICV_LENGTH;
        if (icvOff - psp < BASE_LENGTH) {
            return Reason.RX_TRUNCATED.code();
        }
        long word0 = PspHeader.word0(s, psp);
        int region = (int) (icvOff - psp - BASE_LENGTH); // after the IV up to the ICV
        int rc = pspHeaderReason(word0, region);
        if (rc != 0) {
            return rc;
        }
        setRecord(p, s, word0, udpOff, h.l3Off, h.ipVersion, h.ipEnd, h.ipHeaderLen, h.protoFieldOff, h.etherTypeOff,
                h.srcPort, region);
        return 0;
    }

    /**
     * The receive and record fields of a packet that passed validation: from the PSP header's first
     * word {@code word0} at {@code udpOff + 8}, the outer layout, and {@code region} (the bytes after
     * the IV up to the ICV).
     */
    private void setRecord(Packet p, MemorySegment s, long word0, long udpOff, long l3Off, int ipVersion, long ipEnd,
                           int ipHeaderLen, long protoFieldOff, long etherTypeOff, int outerSourcePort, int region) {
        long psp = udpOff + UDP_HEADER;
        int flags = PspHeader.flags(word0);
        int version = PspHeader.version(word0);
        int hdrLen = PspHeader.headerLength(word0);
        boolean gmac = PspHeader.isGmac(version);
        int coBytes = gmac ? 0 : PspHeader.cryptOffset(word0) * PspHeader.CRYPT_OFFSET_UNIT;
        p.spi = PspHeader.spi(word0);
        p.version = version;
        p.iv = PspHeader.iv(s, psp);
        p.vcPresent = (flags & PspHeader.FLAG_V) != 0;
        p.vc = 0; // read after open: a crypt offset below 2 encrypts the VC
        p.sBit = (flags & PspHeader.FLAG_S) != 0;
        p.dBit = (flags & PspHeader.FLAG_D) != 0;
        p.nextHeader = PspHeader.nextHeader(word0);
        p.aeadOff = psp;
        p.udpOff = udpOff;
        p.l3Off = l3Off;
        p.ipVersion = ipVersion;
        p.ipEnd = ipEnd;
        p.hdrLen = hdrLen;
        if (recordClearFields) {
            p.outerSourcePort = outerSourcePort;
            long clearEnd = gmac ? ipEnd - ICV_LENGTH : psp + BASE_LENGTH + coBytes;
            p.clearPorts = clearPorts(s, psp + hdrLen, clearEnd, p.nextHeader);
        }
        p.protoFieldOff = protoFieldOff;
        p.etherTypeOff = etherTypeOff;
        p.ipHeaderLen = ipHeaderLen;
        if (gmac) {
            p.aadLen = BASE_LENGTH + region;
            p.textLen = 0;
        } else {
            p.aadLen = BASE_LENGTH + coBytes;
            p.textLen = region - coBytes;
        }
    }

    /**
     * The inner L4 ports (source << 16 | destination) when they lie before {@code clearEnd}, else -1.
     * The payload starts at {@code inner}; in tunnel mode (as this decoder's mode decides) it is an
     * IP packet whose header is skipped.
     */
    private long clearPorts(MemorySegment s, long inner, long clearEnd, int nh) {
        boolean tunnel = isTunnel(nh);
        long ports = -1;
        if (!tunnel) {
            if (nh == PacketHeaders.PROTO_TCP || nh == PacketHeaders.PROTO_UDP) {
                ports = inner;
            }
        } else if (inner + 1 <= clearEnd) {
            int v = Bytes.u8(s, inner) >>> 4;
            if (v == 4 && inner + 20 <= clearEnd) {
                int proto = Bytes.u8(s, inner + 9);
                if (proto == PacketHeaders.PROTO_TCP || proto == PacketHeaders.PROTO_UDP) {
                    ports = inner + (Bytes.u8(s, inner) & 0x0f) * 4L;
                }
            } else if (v == 6 && inner + 40 <= clearEnd) {
                int proto = Bytes.u8(s, inner + 6);
                if (proto == PacketHeaders.PROTO_TCP || proto == PacketHeaders.PROTO_UDP) {
                    ports = inner + 40;
                }
            }
        }
        return ports >= 0 && ports + 4 <= clearEnd ? Bytes.u32(s, ports) & 0xffffffffL : -1;
    }

    /** {@code textSum}: the backend's sum of the plaintext ({@link AeadBurst#textSum}), or -1. */
    private int complete(Packet p, int status, long textSum) {
        MemorySegment s = p.segment;
        if (status != AeadEngine.OK) {
            // nothing unauthenticated is delivered: wipe whatever an in-place backend wrote
            s.asSlice(p.aeadOff + p.aadLen, p.textLen).fill((byte) 0);
            return fail(p, status == AeadEngine.AUTH_FAIL ? Reason.RX_AUTH_FAIL.code() : Reason.RX_CRYPTO.code());
        }
        if (p.vcPresent) {
            p.vc = PspHeader.vc(s, p.aeadOff);
        }
        long textStart = p.aeadOff + p.aadLen;
        long textEnd = textStart + p.textLen;
        long innerOff = p.aeadOff + p.hdrLen;
        if (textSum >= 0 && textStart < innerOff) {
            // a VC inside the crypt offset: PSP header bytes in the text, which decapsulation strips
            // (moved headers land on them); take them off the sum now, while they are still there
            textSum = innerOff > textEnd ? -1
                    : textSum + Checksum.negate(Checksum.sum(s, textStart, (int) (innerOff - textStart), 0));
            textStart = innerOff;
        }
        // from the inner packet on, decapsulation writes nothing in [textStart, textEnd)
        int rc = decapsulate(p);
        if (rc != 0) {
            return fail(p, rc);
        }
        if (verifyInnerChecksums) {
            if (!innerChecksumOk(p, textSum, textStart, textEnd)) {
                return fail(p, Reason.RX_INNER_CSUM_BAD.code());
            }
        } else if (markInnerChecksums) {
            innerChecksumOk(p, textSum, textStart, textEnd); // marks a good one; a bad one goes on unmarked
        }
        counters.rxPackets++;
        counters.rxBytes += PspCounters.rxBytes(p);
        p.authenticated = true;
        p.result = 0;
        return 0;
    }

    /**
     * Verifies the inner TCP/UDP checksum of a decapsulated packet; sets {@link Packet#innerCsumVerified}
     * and, in tunnel mode, the layout (parsed here). False only for a checksum that fails.
     */
    private boolean innerChecksumOk(Packet p, long textSum, long textStart, long textEnd) {
        MemorySegment s = p.segment;
        if (!p.rxLayout) {
            PacketHeaders h = headers;
            if (h.parse(s, p.offset, p.length) != PacketHeaders.OK || h.fragment) {
                return true; // nothing to verify (a malformed inner packet is the receiver's to judge)
            }
            setLayout(p, h.l3Off, h.l4Off, h.ipEnd, h.ipVersion, h.ipHeaderLen, h.l4Proto);
        }
        long l4 = p.rxL4Off;
        int len = (int) (p.rxIpEnd - l4);
        int proto = p.rxL4Proto;
        if (proto == PacketHeaders.PROTO_TCP) {
            if (len < 20) {
                return true; // not a TCP segment the receiver will take; nothing to verify
            }
        } else if (proto == PacketHeaders.PROTO_UDP) {
            if (len < 8) {
                return true;
            }
            if (Bytes.u16(s, l4 + 6) == 0) { // no checksum sent: fine over IPv4, IPv6 requires one (RFC 8200 8.1)
                if (p.rxIpVersion == 6) {
                    return false;
                }
                p.innerCsumVerified = true;
                return true;
            }
        } else {
            return true;
        }
        long sum = textSum < 0 ? -1 : l4SumFromText(s, textSum, textStart, textEnd, l4, p.rxIpEnd);
        if (sum >= 0) {
            textSumVerifications++;
        }
        if (sum < 0 ? !Checksum.l4Valid(s, p.rxL3Off, p.rxIpVersion, proto, l4, len)
                : Checksum.finish(sum + Checksum.pseudoHeader(s, p.rxL3Off, p.rxIpVersion, proto, l4, len)) != 0) {
            return false;
        }
        p.innerCsumVerified = true;
        return true;
    }

    /**
     * The sum of the inner L4 bytes [l4, ipEnd) from {@code textSum}, the backend's sum of the
     * plaintext [textStart, textEnd), which covers them but for a few header bytes: the crypt
     * offset's clear bytes in front of the text are added, the inner IP header at its start (tunnel
     * mode) and bytes past the inner packet are taken off (one's-complement subtraction), each
     * summed here. Only when every such piece starts an even distance from the text's start (so the
     * byte halves line up); else -1, and the caller sums the L4 bytes itself.
     */
    private static long l4SumFromText(MemorySegment s, long textSum, long textStart, long textEnd, long l4, long ipEnd) {
        if (((textStart - l4) & 1) != 0 || textStart > ipEnd || ipEnd > textEnd
                || (ipEnd < textEnd && ((ipEnd - textStart) & 1) != 0)) {
            return -1;
        }
        long sum = textSum;
        if (textStart > l4) {
            sum += Checksum.sum(s, l4, (int) (textStart - l4), 0);
        } else if (textStart < l4) {
            sum += Checksum.negate(Checksum.sum(s, textStart, (int) (l4 - textStart), 0));
        }
        if (ipEnd < textEnd) {
            sum += Checksum.negate(Checksum.sum(s, ipEnd, (int) (textEnd - ipEnd), 0));
        }
        return sum;
    }

    private static void setLayout(Packet p, long l3, long l4, long ipEnd, int ipVersion, int ipHeaderLen, int proto) {
        p.rxL3Off = l3;
        p.rxL4Off = l4;
        p.rxIpEnd = ipEnd;
        p.rxIpVersion = ipVersion;
        p.rxIpHeaderLen = ipHeaderLen;
        p.rxL4Proto = proto;
        p.rxLayout = true;
    }

    /** Tunnel mode for this packet: the decoder's mode, or (AUTO) an IP next header. */
    private boolean isTunnel(int nextHeader) {
        return mode == Mode.TUNNEL
                || (mode == Mode.AUTO && (nextHeader == PacketHeaders.PROTO_IPV4 || nextHeader == PacketHeaders.PROTO_IPV6));
    }

    /**
     * Transport-mode decapsulation of the common shapes (untagged Ethernet, IPv4 without options or
     * IPv6 without extension headers, no padding) in a segment checked this call: the headers move
     * {@code shift} bytes on ({@link Bytes#moveHeader}), the IPv4 length, protocol and checksum (IPv6:
     * payload length and next header) are rewritten, with absolute addresses (the general path's
     * result, without a bounds check per field).
     */
    private int decapsulateFast(Packet p, long innerEnd, boolean v4) {
        MemorySegment g = Bytes.NATIVE;
        int nh = p.nextHeader;
        int shift = UDP_HEADER + p.hdrLen;
        int strip = shift + ICV_LENGTH;
        long a = p.segment.address() + p.offset;
        // IPv4: total length, ID, flags/fragment offset, TTL, protocol; IPv6: flow label, payload length, next header, hop limit
        long w = Bytes.u64(g, a + 16);
        long kept = v4 ? Checksum.ipv4KeptSum(g, a + 14, 20) : 0; // read before anything moves
        Bytes.moveHeader(a, a + shift, v4 ? FAST_HDR : FAST_HDR6);
        long l3 = a + shift + 14;
        if (v4) {
            int ipLen = (int) (w >>> 48) - strip;
            Bytes.u16(g, l3 + 2, ipLen);
            Bytes.u8(g, l3 + 9, nh);
            Bytes.u16(g, l3 + 10, Checksum.ipv4Finish(kept, ipLen, (int) (w >>> 8) & 0xff, nh));
        } else {
            Bytes.u16(g, l3 + 4, (int) (w >>> 32 & 0xffff) - strip);
            Bytes.u8(g, l3 + 6, nh);
        }
        p.offset += shift;
        p.length -= strip;
        setLayout(p, p.l3Off + shift, p.udpOff + shift, innerEnd, v4 ? 4 : 6, v4 ? 20 : 40, nh);
        fastDecapsulations++;
        return 0;
    }

    private int decapsulate(Packet p) {
        MemorySegment s = p.segment;
        long frameEnd = p.offset + p.length;
        long innerOff = p.aeadOff + p.hdrLen;
        long innerEnd = p.ipEnd - ICV_LENGTH;
        int innerLen = (int) (innerEnd - innerOff);
        int padLen = (int) (frameEnd - p.ipEnd);
        int nh = p.nextHeader;
        boolean tunnel = isTunnel(nh);
        p.tunnel = tunnel;
        // the outer layout was recorded on the descriptor by validate() (bursts validate them all first)
        p.innerCsumVerified = false;
        if (!tunnel && padLen == 0 && s == checkedSegment) {
            if (p.ipVersion == 4 && p.udpOff - p.offset == FAST_HDR) {
                return decapsulateFast(p, innerEnd, true);
            }
            if (p.ipVersion == 6 && p.udpOff - p.offset == FAST_HDR6) {
                return decapsulateFast(p, innerEnd, false);
            }
        }
        if (!tunnel) {
            int shift = UDP_HEADER + p.hdrLen;
            int strip = shift + ICV_LENGTH;
            long hdrBytes = p.udpOff - p.offset;
            boolean v4 = p.ipVersion == 4;
            // IPv4: the kept part of the checksum, read before the move stores anything
            long kept = v4 ? Checksum.ipv4KeptSum(s, p.l3Off, p.ipHeaderLen) : 0;
            int ttl = v4 ? Bytes.u8(s, p.l3Off + 8) : 0;
            int ipLen = v4 ? Bytes.u16(s, p.l3Off + 2) - strip : 0;
            Bytes.move(s, p.offset, p.offset + shift, hdrBytes, bounce);
            long l3 = p.l3Off + shift;
            if (v4) {
                Bytes.u16(s, l3 + 2, ipLen);
                Bytes.u8(s, p.protoFieldOff + shift, nh);
                Bytes.u16(s, l3 + 10, Checksum.ipv4Finish(kept, ipLen, ttl, nh));
            } else {
                Bytes.u16(s, l3 + 4, Bytes.u16(s, l3 + 4) - strip);
                Bytes.u8(s, p.protoFieldOff + shift, nh);
            }
            Bytes.move(s, p.ipEnd, innerEnd, padLen, bounce);
            p.offset += shift;
            p.length -= strip;
            // the validated outer headers, moved: the inner L4 header sits where the PSP payload began
            setLayout(p, l3, p.udpOff + shift, innerEnd, p.ipVersion, p.ipHeaderLen, nh);
            return 0;
        }
        // tunnel: the next header is 4 or 41 (PSP.md) and the inner packet is an IP packet of the
        // family it names; any other next header (6, 17, ...) is a bad inner packet, not delivered
        if (innerLen < 1) {
            return Reason.RX_BAD_INNER.code();
        }
        int v = Bytes.u8(s, innerOff) >>> 4;
        int innerTotal;
        if (v == 4 && nh == PacketHeaders.PROTO_IPV4) {
            if (innerLen < 20) {
                return Reason.RX_BAD_INNER.code();
            }
            innerTotal = Bytes.u16(s, innerOff + 2);
        } else if (v == 6 && nh == PacketHeaders.PROTO_IPV6) {
            if (innerLen < 40) {
                return Reason.RX_BAD_INNER.code();
            }
            innerTotal = 40 + Bytes.u16(s, innerOff + 4);
        } else {
            return Reason.RX_BAD_INNER.code();
        }
        if (innerTotal > innerLen) {
            return Reason.RX_BAD_INNER.code();
        }
        p.rxLayout = false; // the inner packet is parsed only when its checksum is verified
        long l2Len = p.l3Off - p.offset;
        long newOff = innerOff - l2Len;
        Bytes.move(s, p.offset, newOff, l2Len, bounce);
        Bytes.u16(s, p.etherTypeOff - p.offset + newOff, v == 4 ? PacketHeaders.ETHERTYPE_IPV4 : PacketHeaders.ETHERTYPE_IPV6);
        Bytes.move(s, p.ipEnd, innerEnd, padLen, bounce);
        p.offset = newOff;
        p.length = (int) (l2Len + innerLen + padLen);
        return 0;
    }
}
