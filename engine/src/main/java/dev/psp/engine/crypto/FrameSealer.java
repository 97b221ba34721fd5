package dev.psp.engine.crypto;

/**
 * Whole-frame PSP seal for backends that do the common transport-mode encapsulation themselves,
 * one native call per burst ({@code psp_shim_seal_frames} in native-shim/src/psp_shim.h): the
 * caller adds frames it has checked are of the common shape (untagged Ethernet, IPv4 without
 * options, unfragmented TCP or UDP, no padding) with room for the encapsulation, and the backend
 * moves the headers, writes UDP and PSP headers, fixes the IPv4 header and seals the record, in
 * place. Obtained from {@link AeadEngine#frameSealer}; owned by the engine's thread, reused across
 * bursts. Frame addresses are absolute: the caller keeps the memory alive and writable for the call.
 */
public interface FrameSealer {
    /** {@link #status}: the backend did not touch the frame (not its shape, or a key it cannot use). */
    int NOT_DONE = 1;

    int capacity();

    /**
     * Starts a burst: every {@link #add} follows one. {@code innerChecksums}: also compute each
     * frame's inner TCP/UDP checksum before sealing (checksum-offload emulation, as the Java
     * encoder's {@code innerChecksums}).
     */
    void clear(boolean innerChecksums);

    /**
     * Adds a frame; returns its index, or -1 when the burst is full or the key is not this
     * engine's. {@code saWord}: SPI in bits 0..31, PSP header word 0 bits 0..23 in bits 32..55;
     * {@code sport}: a fixed outer source port, or 0 for the flow-hash policy.
     */
    int add(AeadKey key, long frameAddress, int frameLength, long iv, long saWord, int sport, long vc);

    /** Encapsulates and seals every frame added; returns how many succeeded. */
    int seal();

    /** {@link AeadEngine#OK}, {@link AeadEngine#ERROR} (encapsulated, text and ICV wiped) or {@link #NOT_DONE}. */
    int status(int i);

    /** The flow hash of a frame the backend encapsulated. */
    int hash(int i);
}
