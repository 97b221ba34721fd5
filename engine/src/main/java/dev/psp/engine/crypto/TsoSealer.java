package dev.psp.engine.crypto;

/**
 * TSO stamp and seal for backends that do it natively, one call per super-packet
 * ({@code psp_shim_seal_tso} in native-shim/src/psp_shim.h): segments 1.. of a super-packet get
 * the encapsulated (not yet sealed) segment 0's headers copied in front of them, their per-segment
 * fields patched, and their split record sealed (text head in place, the rest read from the
 * super-packet). Obtained from {@link AeadEngine#tsoSealer}; owned by the engine's thread.
 * Addresses are absolute: the caller keeps the memory alive and writable for the call, and owns the
 * bytes in front of every source (staged and restored, as {@link AeadBurst#stageSplitHeads}).
 */
public interface TsoSealer {
    /** Patch the inner IPv4 ID and header checksum. */
    int IPV4 = 1;
    /** Also the outer IPv4 ID and header checksum (tunnel mode copying the inner header). */
    int OUTER_IPV4 = 2;
    /** Patch the TCP sequence number and flags. */
    int TCP = 4;
    /**
     * Compute the L4 checksum of every segment: {@code l4Sum} (pseudo-header and the L4 header
     * words that do not change per segment) plus, for TCP, the sequence number and
     * {@code tcpWord12 | flags}, plus the segment's payload; UDP 0 stored as 0xffff.
     */
    int CSUM = 8;

    int capacity();

    /**
     * Starts a super-packet: the template at absolute address {@code template}, the {@code hdrLen}
     * header bytes to copy, the record at {@code recOff} ({@code aadLen}, {@code textLen}, the last
     * {@code srcLen} text bytes from each segment's source), the field offsets (from the segment
     * start) and sums the flags use. Returns false when {@code key} is not this engine's.
     */
    boolean begin(AeadKey key, int flags, long template, int hdrLen, int recOff, int aadLen, int textLen, int srcLen,
                  int ipOff, int outerIpOff, int l4Off, int csumOff, long ipSum, long outerSum, long l4Sum, int tcpWord12);

    /** Adds a segment; returns its index, or -1 when full. */
    int add(long dst, long src, long iv, int ipId, int seq, int tcpFlags);

    /** Stamps and seals every segment added; returns how many succeeded. */
    int seal();

    /** {@link AeadEngine#OK} or {@link AeadEngine#ERROR} (text and ICV wiped). */
    int status(int i);
}
