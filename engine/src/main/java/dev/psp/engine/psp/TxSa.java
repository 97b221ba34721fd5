package dev.psp.engine.psp;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A transmit security association: everything the encoder needs, fixed when the SA is installed
 * (version, mode, crypt offsets, VC, S/D bits, source-port policy, UDP checksum, tunnel outer
 * header, IV source) plus the key prepared by one {@link AeadEngine}. Immutable apart from the IV
 * source's state; use one instance per engine (worker). {@code toString} never shows the key.
 */
public final class TxSa {
    public final int spi;
    public final int version;
    public final Mode mode;
    /** Crypt offsets in 4-byte units: transport, and tunnel by inner family. */
    public final int cryptOffsetTransport;
    public final int cryptOffsetTunnelV4;
    public final int cryptOffsetTunnelV6;
    public final boolean vc;
    public final long vcValue;
    public final boolean sBit;
    public final boolean dBit;
    public final SourcePortPolicy sourcePort;
    public final boolean udpChecksum;
    public final IvSource ivSource;
    /** Reference-compatibility mode: skip what the reference skips (counted). */
    public final boolean reference;
    /** Tunnel outer family: 0 = same as the inner packet (header fields copied), 4 or 6. */
    public final int outerFamily;
    /** Configured outer addresses (heap segments made once at install, not per packet), or null. */
    final MemorySegment outerSrc;
    final MemorySegment outerDst;
    public final int outerTtl;
    public final AeadKey key;
    /**
     * For a backend's whole-frame seal ({@link dev.psp.engine.crypto.FrameSealer}): SPI in bits
     * 0..31 and PSP header word 0 bits 0..23 (header extension length, crypt offset, flags) for an
     * IPv4 packet in bits 32..55; -1 when this SA's packets need the Java encoder (tunnel mode,
     * reference mode, an outer UDP checksum, a source-port policy other than flow hash or fixed).
     */
    final long frameWord;
    /** The fixed source port for {@link #frameWord}, or 0 for the flow-hash policy. */
    final int frameSport;

    private TxSa(Builder b, AeadKey key) {
        this.spi = b.spi;
        this.version = b.version;
        this.mode = b.mode;
        this.cryptOffsetTransport = b.cryptOffsetTransport;
        this.cryptOffsetTunnelV4 = b.cryptOffsetTunnelV4;
        this.cryptOffsetTunnelV6 = b.cryptOffsetTunnelV6;
        this.vc = b.vc;
        this.vcValue = b.vcValue;
        this.sBit = b.sBit;
        this.dBit = b.dBit;
        this.sourcePort = b.sourcePort;
        this.udpChecksum = b.udpChecksum;
        this.ivSource = b.ivSource;
        this.reference = b.reference;
        this.outerFamily = b.outerFamily;
        this.outerSrc = b.outerSrc == null ? null : MemorySegment.ofArray(b.outerSrc.clone());
        this.outerDst = b.outerDst == null ? null : MemorySegment.ofArray(b.outerDst.clone());
        this.outerTtl = b.outerTtl;
        this.key = key;
        SourcePortPolicy.Kind sport = sourcePort.kind;
        if (mode != Mode.TRANSPORT || reference || udpChecksum
                || (sport != SourcePortPolicy.Kind.FLOW_HASH && sport != SourcePortPolicy.Kind.FIXED)) {
            this.frameWord = -1;
            this.frameSport = 0;
        } else {
            int co = PspHeader.isGmac(version) ? 0 : cryptOffset(4);
            int flags = (version << PspHeader.VERSION_SHIFT) | PspHeader.FLAG_ALWAYS_1 | (vc ? PspHeader.FLAG_V : 0)
                    | (sBit ? PspHeader.FLAG_S : 0) | (dBit ? PspHeader.FLAG_D : 0);
            int word0 = ((vc ? 2 : 1) << 16) | ((co & 0x3f) << 8) | flags;
            this.frameWord = ((long) word0 << 32) | (spi & 0xffffffffL);
            this.frameSport = sport == SourcePortPolicy.Kind.FIXED ? sourcePort.sourcePort(false, 0, 0, 0) : 0;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Crypt offset (units of 4 bytes) for a packet whose inner IP version is given. */
    public int cryptOffset(int innerIpVersion) {
        if (mode == Mode.TRANSPORT) {
            return cryptOffsetTransport;
        }
        return innerIpVersion == 4 ? cryptOffsetTunnelV4 : cryptOffsetTunnelV6;
    }

    /** True when the tunnel outer header is built from configured addresses. */
    public boolean hasOuterAddresses() {
        return outerSrc != null;
    }

    @Override
    public String toString() {
        return "TxSa[spi=" + String.format("%08x", spi) + ", " + PspHeader.versionName(version) + ", "
                + mode.name().toLowerCase(java.util.Locale.ROOT) + ", vc=" + vc + ", key=redacted]";
    }

    /** Builds and validates SA parameters; {@link #install} prepares the key for an engine. */
    public static final class Builder {
        private int spi = -1;
        private int version = 0;
        private Mode mode = Mode.TRANSPORT;
        private int cryptOffsetTransport;
        private int cryptOffsetTunnelV4;
        private int cryptOffsetTunnelV6;
        private boolean vc;
        private long vcValue;
        private boolean sBit;
        private boolean dBit;
        private SourcePortPolicy sourcePort = SourcePortPolicy.flowHash();
        private boolean udpChecksum;
        private IvSource ivSource;
        private boolean reference;
        private int outerFamily;
        private byte[] outerSrc;
        private byte[] outerDst;
        private int outerTtl = 64;

        public Builder spi(int v) { spi = v; return this; }
        public Builder version(int v) { version = v; return this; }
        public Builder mode(Mode v) { mode = v; return this; }
        /** Same crypt offset (4-byte units) for transport and both tunnel families. */
        public Builder cryptOffset(int v) { cryptOffsetTransport = v; cryptOffsetTunnelV4 = v; cryptOffsetTunnelV6 = v; return this; }
        public Builder cryptOffsets(int transport, int tunnelV4, int tunnelV6) {
            cryptOffsetTransport = transport; cryptOffsetTunnelV4 = tunnelV4; cryptOffsetTunnelV6 = tunnelV6; return this;
        }
        public Builder vc(boolean present, long value) { vc = present; vcValue = value; return this; }
        public Builder sBit(boolean v) { sBit = v; return this; }
        public Builder dBit(boolean v) { dBit = v; return this; }
        public Builder sourcePort(SourcePortPolicy v) { sourcePort = Objects.requireNonNull(v); return this; }
        public Builder udpChecksum(boolean v) { udpChecksum = v; return this; }
        public Builder ivSource(IvSource v) { ivSource = v; return this; }
        public Builder reference(boolean v) { reference = v; return this; }
        /** Tunnel outer header from configured addresses (4 or 16 bytes each, same family). */
        public Builder outer(byte[] src, byte[] dst, int ttl) {
            if (src == null || dst == null || src.length != dst.length || (src.length != 4 && src.length != 16)) {
                throw new IllegalArgumentException("outer addresses must both be IPv4 (4 bytes) or both IPv6 (16 bytes)");
            }
            outerSrc = src.clone(); outerDst = dst.clone(); outerFamily = src.length == 4 ? 4 : 6; outerTtl = ttl;
            return this;
        }

        /** Checks the parameters; throws IllegalArgumentException naming the first bad one. */
        public Builder validate() {
            if (!PspHeader.validSpi(spi)) {
                throw new IllegalArgumentException(String.format("SPI %08x is reserved (low 31 bits must be non-zero)", spi));
            }
            if (version < 0 || version > 3) {
                throw new IllegalArgumentException("PSP version must be 0..3, got " + version);
            }
            if (mode != Mode.TRANSPORT && mode != Mode.TUNNEL) {
                throw new IllegalArgumentException("transmit mode must be transport or tunnel, got " + mode);
            }
            checkOffset("transport", cryptOffsetTransport);
            checkOffset("IPv4 tunnel", cryptOffsetTunnelV4);
            checkOffset("IPv6 tunnel", cryptOffsetTunnelV6);
            if (outerTtl < 1 || outerTtl > 255) {
                throw new IllegalArgumentException("outer TTL must be 1..255, got " + outerTtl);
            }
            return this;
        }

        private static void checkOffset(String what, int v) {
            if (v < 0 || v > PspHeader.CRYPT_OFFSET_MAX) {
                throw new IllegalArgumentException(what + " crypt offset must be 0.." + PspHeader.CRYPT_OFFSET_MAX
                        + " (units of 4 bytes; it is a 6-bit field), got " + v);
            }
        }

        /** Validates and installs the SA on {@code engine} with the key at {@code key[off..off+len)}. */
        public TxSa install(AeadEngine engine, MemorySegment key, long off) {
            validate();
            int len = (version & 1) == 0 ? 16 : 32;
            if (key.byteSize() - off < len) {
                throw new IllegalArgumentException("SA key must be " + len + " bytes for " + PspHeader.versionName(version));
            }
            if (ivSource == null) {
                // one process-wide source: SAs installed per worker with one key never repeat an IV
                ivSource = dev.psp.engine.device.IvGenerator.shared();
            }
            return new TxSa(this, engine.prepareKey(null, key, off, len));
        }
    }
}
