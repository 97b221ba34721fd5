package dev.psp.engine.psp;

import java.lang.foreign.MemorySegment;

/**
 * A packet descriptor, shaped like an mbuf: the frame lives at {@code segment[offset..offset+length)}
 * inside the usable window {@code [base, limit)}; the room in front ({@code offset - base}) is
 * headroom for encapsulation, the room behind is tailroom for the ICV. Descriptors are reused: the
 * codec overwrites the frame bounds and the receive metadata. Not thread safe.
 */
public final class Packet {
    public MemorySegment segment;
    public long base;
    public long limit;
    public long offset;
    public int length;

    /** Transmit SA (encrypt), chosen by the caller. */
    public TxSa sa;
    /** Flow hash of the inner 5-tuple (set by the encoder, or by the caller for RSS). */
    public int flowHash;
    /** Result of the last codec call: a {@link Reason} code, 0 = OK. */
    public int result;

    // Receive metadata, valid after a successful open.
    public int spi;
    public long iv;
    public long vc;
    public boolean vcPresent;
    public int version;
    public boolean sBit;
    public boolean dBit;
    public int nextHeader;
    public boolean authenticated;
    public boolean tunnel;
    /**
     * Receive, when the decoder records clear fields ({@link PspDecoder#recordClearFields}): the
     * inner L4 source and destination ports as one int when the crypt offset (or a GMAC version)
     * left them in the clear, else -1; and the outer UDP source port.
     */
    public long clearPorts = -1;
    public int outerSourcePort;

    /**
     * Receive, after a successful open: the layout of the delivered frame (absolute offsets), so that
     * later stages need not parse it again. Valid only when {@link #rxLayout} is true: set by the
     * decoder in transport mode (the headers it validated, moved), and in tunnel mode when it verifies
     * inner checksums (it parses the inner packet then); false after {@link #wrap} and on failure.
     */
    public boolean rxLayout;
    public long rxL3Off;
    public long rxL4Off;
    /** End of the IP packet per its length field (link-layer padding may follow). */
    public long rxIpEnd;
    public int rxIpVersion;
    /** IPv4 IHL*4, or 40 for IPv6. */
    public int rxIpHeaderLen;
    public int rxL4Proto;
    /**
     * True when the decoder verified this packet's inner TCP or UDP checksum after decryption
     * ({@link PspDecoder#verifyInnerChecksums}); a zero UDP checksum (none sent) counts as verified over IPv4 and as bad over IPv6.
     */
    public boolean innerCsumVerified;

    /**
     * Split seal (TSO): when {@code splitLength > 0}, the last {@code splitLength} bytes of the frame
     * are not written yet; the encoder's cipher reads them from {@code splitSource[splitOffset..]}
     * and writes them, encrypted, into place. Cleared after the seal. The bytes in front of
     * {@code splitOffset} (as many as the text in place before the split part: VC and inner L4
     * header) must belong to the same caller-owned source (TSO: the super-packet's own headers and
     * earlier payload): a backend may borrow them during the seal and restores them before it
     * returns ({@link dev.psp.engine.crypto.AeadBurst#stageSplitHeads}); a source that overlaps the
     * record itself is never borrowed (the shim streams it).
     */
    public MemorySegment splitSource;
    public long splitOffset;
    public int splitLength;

    /** Segment size recorded on a TSO/GRO super-packet (0 when not segmented/coalesced). */
    public int gsoSize;

    /**
     * Chained frame (zero-copy GRO, like an mbuf chain or an skb's frag_list): the frame is this
     * descriptor's own bytes {@code segment[offset..offset+length)} followed by, for each descriptor
     * {@code f} on the {@link #next} chain in order, {@code f.segment[f.fragOffset..f.fragOffset+f.fragLength)}.
     * {@link #length} is the head's own bytes only; {@link #frameLength()} is the whole frame. On a
     * head, {@code chainCount} is the descriptors after it and {@code chainBytes} the bytes they add;
     * both 0 and {@code next == null} for an ordinary frame. The chain belongs to its head: freeing
     * the head to its pool ({@code PacketPool.free}/{@code freeBulk}/{@code release}) frees every
     * descriptor on it. A fragment's own {@code offset/length} still describe its original frame
     * (untouched); only {@code fragOffset/fragLength} count in the chain. {@link #wrap} unlinks.
     */
    public Packet next;
    public int chainCount;
    public int chainBytes;
    /** On a chained fragment: where its contribution to the head's frame starts, and how long it is. */
    public long fragOffset;
    public int fragLength;

    /** Home pool of the slot holding this frame ({@code PacketPool.id()}), or -1 when not pooled. */
    public int poolId = -1;
    /** Slot index inside the home pool; fixed for the life of a pooled descriptor. */
    public int slot = -1;

    /** Capture timestamp, carried through unchanged (pcap I/O). */
    public long tsSeconds;
    public int tsNanos;

    /**
     * Intended send time ({@link System#nanoTime()} clock) stamped by a paced source, carried through
     * unchanged; a latency sink charges {@code nanoTime() - sendNanos} (see {@code perf.LatencyBench}).
     */
    public long sendNanos;

    // Scratch between the phases of a burst (absolute offsets).
    long aeadOff;
    int aadLen;
    int textLen;
    long udpOff;
    long l3Off;
    int ipVersion;
    long ipEnd;
    int hdrLen;
    long protoFieldOff;
    long etherTypeOff;
    int ipHeaderLen;

    public Packet() {}

    /** Points the descriptor at a buffer window and a frame inside it. */
    public Packet wrap(MemorySegment segment, long base, long limit, long offset, int length) {
        this.segment = segment;
        this.base = base;
        this.limit = limit;
        this.offset = offset;
        this.length = length;
        this.result = 0;
        this.authenticated = false;
        this.splitLength = 0;
        this.splitSource = null;
        this.gsoSize = 0;
        this.rxLayout = false;
        this.innerCsumVerified = false;
        this.next = null;
        this.chainCount = 0;
        this.chainBytes = 0;
        this.fragLength = 0;
        return this;
    }

    public long headroom() {
        return offset - base;
    }

    public long tailroom() {
        return limit - (offset + length);
    }

    /** True when fragments follow this descriptor's own bytes ({@link #next}). */
    public boolean chained() {
        return next != null;
    }

    /** Bytes of the whole frame: {@link #length} plus {@link #chainBytes} of a chain. */
    public int frameLength() {
        return length + chainBytes;
    }

    /**
     * Copy-out (linearize into {@code dst}): writes the whole frame, the head's bytes then each
     * fragment's, contiguously at {@code dst[dstOffset..)}; returns {@link #frameLength()}. For
     * consumers that need contiguous bytes; a chain's descriptors stay linked and owned by the head.
     */
    public int copyFrameTo(MemorySegment dst, long dstOffset) {
        return copyFrameTo(dst, dstOffset, Integer.MAX_VALUE);
    }

    /**
     * {@link #copyFrameTo(MemorySegment, long)} of at most the first {@code maxBytes} bytes of the
     * frame (a capture's snap length): returns how many were written,
     * {@code min(frameLength(), maxBytes)}; nothing is written behind them. The chain is walked
     * whole (at most {@code chainCount} fragments, so a chain whose links loop ends) and must be the
     * {@code chainCount} fragments adding {@code chainBytes} the head declares: otherwise part of
     * the frame would be whatever {@code dst} held (a short or dangling chain).
     *
     * @throws IllegalArgumentException when {@code maxBytes} is negative, or the chain is not what
     *         the head declares (some bytes may have been written)
     */
    public int copyFrameTo(MemorySegment dst, long dstOffset, int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes < 0: " + maxBytes);
        }
        int n = Math.min(length, maxBytes);
        MemorySegment.copy(segment, offset, dst, dstOffset, n);
        long w = dstOffset + n;
        int room = maxBytes - n;
        int count = 0;
        long bytes = 0;
        for (Packet f = next; f != null; f = f.next) {
            if (++count > chainCount || f.fragLength < 0) {
                throw new IllegalArgumentException("bad chain: more than " + chainCount + " fragments, or a negative length");
            }
            bytes += f.fragLength;
            if (room > 0) {
                n = Math.min(f.fragLength, room);
                MemorySegment.copy(f.segment, f.fragOffset, dst, w, n);
                w += n;
                room -= n;
            }
        }
        if (count != chainCount || bytes != chainBytes) {
            throw new IllegalArgumentException("bad chain: " + count + " fragments of " + bytes + " bytes, the head says "
                    + chainCount + " of " + chainBytes);
        }
        return (int) (w - dstOffset);
    }

    /** Copies the whole frame out, a chain gathered (tests and tools; not for the hot path). */
    public byte[] toByteArray() {
        if (next == null) {
            return segment.asSlice(offset, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
        byte[] a = new byte[frameLength()];
        copyFrameTo(MemorySegment.ofArray(a), 0);
        return a;
    }
}
