package dev.psp.engine.perf;

/**
 * The shape of the AES-GCM records the raw baselines process, matching what the PSP path
 * encrypts for the same traffic (transport mode, crypt offset 0, no VC): 16 bytes of AAD (the PSP
 * header, whose bytes 4..15 are the nonce) and the L4 header plus payload as text, then the
 * 16-byte tag. For the GMAC versions (2, 3) everything is AAD and the text is empty.
 */
final class RawRecords {
    static final int PSP_HEADER = 16;
    static final int TAG = 16;

    private RawRecords() {}

    static boolean gmac(int version) {
        return version >= 2;
    }

    static int keyLength(int version) {
        return (version & 1) == 0 ? 16 : 32;
    }

    static int l4Header(BenchOptions o) {
        return o.tcp ? 20 : 8;
    }

    static int aadLength(BenchOptions o, int payload) {
        return gmac(o.version) ? PSP_HEADER + l4Header(o) + payload : PSP_HEADER;
    }

    static int textLength(BenchOptions o, int payload) {
        return gmac(o.version) ? 0 : l4Header(o) + payload;
    }
}
