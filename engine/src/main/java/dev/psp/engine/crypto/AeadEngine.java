package dev.psp.engine.crypto;

import java.lang.foreign.MemorySegment;

/**
 * Per-thread AES-GCM over PSP-shaped records, in place.
 *
 * <p>A record at {@code seg[off..]} is laid out as on the wire from the PSP header on:
 * {@code aadLen} bytes of additional authenticated data whose bytes 4..15 are the 12-byte GCM
 * nonce (SPI || IV), then {@code textLen} bytes encrypted or decrypted in place, then the 16-byte
 * ICV. GMAC versions pass {@code textLen == 0} and everything as AAD.
 *
 * <p>Failures are return values, never exceptions: {@link #OK}, {@link #AUTH_FAIL},
 * {@link #ERROR}. On {@link #AUTH_FAIL} the text bytes are unspecified (never deliver them).
 * Not thread safe.
 */
public interface AeadEngine extends AutoCloseable {
    int OK = 0;
    int AUTH_FAIL = -1;
    int ERROR = -2;
    int TAG_LENGTH = 16;
    int NONCE_OFFSET = 4;
    int NONCE_LENGTH = 12;

    AeadBackend backend();

    /**
     * Prepares a 16- or 32-byte key read from {@code key[off..off+len)}. When {@code reuse} is a
     * key this engine made earlier it may be re-keyed in place (no allocation); pass null for a new
     * one.
     */
    AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len);

    /** Seals one record in place and writes the ICV after the text. */
    int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen);

    /**
     * Seals a record whose text is split: the first {@code textLen - srcLen} text bytes are already
     * in place after the AAD, the last {@code srcLen} are read from {@code src[srcOff..]} and the
     * ciphertext of all of them lands in {@code seg} (TSO: each segment's payload is written once,
     * by the cipher, into its final place). The default copies {@code src} in first and seals in
     * place (two writes); backends that can stream override it.
     */
    default int sealSplit(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen,
                          MemorySegment src, long srcOff, int srcLen) {
        if (srcLen < 0 || srcLen > textLen) {
            return ERROR;
        }
        MemorySegment.copy(src, srcOff, seg, off + aadLen + textLen - srcLen, srcLen);
        return seal(key, seg, off, aadLen, textLen);
    }

    /** Verifies and decrypts one record in place. */
    int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen);

    /**
     * Seals {@code burst.count()} records; each status lands in {@link AeadBurst#status(int)}.
     * Returns the number that succeeded. The default loops over {@link #seal}; native backends
     * override with one downcall per burst.
     */
    default int sealBurst(AeadBurst burst) {
        int ok = 0;
        for (int i = 0, n = burst.count(); i < n; i++) {
            int rc = burst.sourceLength(i) == 0
                    ? seal(burst.key(i), burst.segment(i), burst.offset(i), burst.aadLength(i), burst.textLength(i))
                    : sealSplit(burst.key(i), burst.segment(i), burst.offset(i), burst.aadLength(i), burst.textLength(i),
                            burst.source(i), burst.sourceOffset(i), burst.sourceLength(i));
            burst.status(i, rc);
            if (rc == OK) {
                ok++;
            }
        }
        return ok;
    }

    /** Opens {@code burst.count()} records, as {@link #sealBurst}. */
    default int openBurst(AeadBurst burst) {
        int ok = 0;
        for (int i = 0, n = burst.count(); i < n; i++) {
            int rc = open(burst.key(i), burst.segment(i), burst.offset(i), burst.aadLength(i), burst.textLength(i));
            burst.status(i, rc);
            if (rc == OK) {
                ok++;
            }
        }
        return ok;
    }

    @Override
    void close();

    /**
     * The backend's whole-frame sealer ({@link FrameSealer}) for bursts of up to {@code capacity}
     * frames, or null when it has none (the encoder then encapsulates in Java). One per engine.
     */
    default FrameSealer frameSealer(int capacity) {
        return null;
    }

    /** The backend's native TSO stamp-and-seal ({@link TsoSealer}) for up to {@code capacity} segments, or null. One per engine. */
    default TsoSealer tsoSealer(int capacity) {
        return null;
    }
}
