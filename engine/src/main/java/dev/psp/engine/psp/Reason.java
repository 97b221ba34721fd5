package dev.psp.engine.psp;

/**
 * Why a packet was not processed, and which spec counter it lands in. Codes are small ints so
 * the per-packet path returns values, never exceptions; {@link #OK} is 0.
 */
public enum Reason {
    OK(Counter.NONE, "ok"),
    /** Decrypt: not a PSP packet (not IP/UDP/port 1000); passed through unchanged. */
    NOT_PSP(Counter.RX_PASSTHROUGH, "not a PSP packet"),
    TX_NOT_IP(Counter.TX_ERROR, "not an IP packet"),
    TX_MALFORMED(Counter.TX_ERROR, "malformed IP packet"),
    TX_UNSUPPORTED(Counter.TX_ERROR, "unsupported packet (reference mode skips it)"),
    TX_CRYPT_OFFSET(Counter.TX_ERROR, "crypt offset beyond the payload"),
    TX_NO_ROOM(Counter.TX_ERROR, "no headroom or tailroom for the encapsulation"),
    TX_TOO_BIG(Counter.TX_ERROR, "packet too big after encapsulation"),
    TX_CRYPTO(Counter.TX_ERROR, "encryption failed"),
    TX_NO_SA(Counter.TX_ERROR, "no transmit SA"),
    TX_FRAGMENT(Counter.TX_ERROR, "IP fragment in transport mode"),
    RX_TRUNCATED(Counter.RX_ERROR, "truncated packet"),
    RX_BAD_IP(Counter.RX_ERROR, "bad IP header"),
    RX_FRAGMENT(Counter.RX_ERROR, "fragmented PSP packet"),
    RX_BAD_UDP_LENGTH(Counter.RX_ERROR, "bad UDP length"),
    RX_BAD_UDP_CHECKSUM(Counter.RX_ERROR, "bad UDP checksum"),
    RX_BAD_HEADER(Counter.RX_ERROR, "bad PSP header"),
    RX_CRYPT_OFFSET(Counter.RX_ERROR, "crypt offset beyond the payload"),
    RX_BAD_INNER(Counter.RX_ERROR, "bad inner packet"),
    RX_BAD_VERSION(Counter.RX_BAD, "reserved PSP version"),
    RX_BAD_SPI(Counter.RX_BAD, "reserved SPI"),
    RX_NO_KEY(Counter.RX_BAD, "no master key for SPI"),
    RX_VERSION_DISABLED(Counter.RX_BAD, "PSP version not enabled"),
    RX_AUTH_FAIL(Counter.RX_AUTH_FAIL, "ICV mismatch"),
    RX_CRYPTO(Counter.RX_ERROR, "decryption error"),
    RX_NOT_ALLOWED(Counter.RX_BAD, "SPI not allowed for this flow"),
    RX_REPLAY(Counter.RX_BAD, "replayed IV"),
    /**
     * Authenticated and decrypted, but the inner TCP/UDP checksum is wrong, so not delivered
     * ({@code psp decrypt --inner-checksum} in the decoder, or GRO's drop): a malformed inner packet,
     * rx-error, and not in rx-packets / rx-bytes. Named like the GRO counter.
     */
    RX_INNER_CSUM_BAD(Counter.RX_ERROR, "bad inner TCP/UDP checksum"),
    /**
     * Decrypted (or passed through) but longer than the output file's snap length (psp decrypt
     * --reference-mode writes the reference's 9014): dropped, never cut short; taken back out of
     * rx-packets / rx-passthrough.
     */
    RX_OUTPUT_TOO_BIG(Counter.RX_ERROR, "larger than the output's snap length");

    /** The spec counter a reason lands in. */
    public enum Counter { NONE, TX_ERROR, RX_ERROR, RX_BAD, RX_AUTH_FAIL, RX_PASSTHROUGH }

    private static final Reason[] VALUES = values();

    public final Counter counter;
    public final String description;

    Reason(Counter counter, String description) {
        this.counter = counter;
        this.description = description;
    }

    public static Reason of(int code) {
        return VALUES[code];
    }

    public int code() {
        return ordinal();
    }
}
