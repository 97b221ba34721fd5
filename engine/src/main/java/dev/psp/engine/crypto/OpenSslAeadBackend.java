package dev.psp.engine.crypto;

import dev.psp.ffm.LibCrypto;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * AES-GCM through OpenSSL's EVP API, called straight from Java through FFM (no shim): four to five
 * downcalls per record. Each prepared key owns one {@code EVP_CIPHER_CTX}, created once and reused;
 * per record only the IV, AAD, text and tag go through it. Off-heap records are processed in place;
 * heap records are staged through the engine's off-heap scratch.
 */
public final class OpenSslAeadBackend implements AeadBackend {
    public static final String NAME = "openssl";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean isAvailable() {
        return LibCrypto.isAvailable();
    }

    @Override
    public String unavailabilityCause() {
        return LibCrypto.unavailabilityCause();
    }

    @Override
    public String version() {
        return LibCrypto.isAvailable() ? LibCrypto.version() : "n/a";
    }

    @Override
    public AeadEngine newEngine() {
        if (!isAvailable()) {
            throw new IllegalStateException(NAME + " backend unavailable: " + unavailabilityCause());
        }
        return new Engine(this);
    }

    static final class OpenSslKey extends AeadKey {
        final Engine owner;
        long ctx;
        int len;

        OpenSslKey(Engine owner, long ctx) {
            this.owner = owner;
            this.ctx = ctx;
        }

        @Override
        public int length() {
            return len;
        }

        @Override
        public void destroy() {
            if (ctx != 0) {
                LibCrypto.evpCipherCtxFree(ctx); // EVP_CIPHER_CTX_free cleanses the key schedule
                ctx = 0;
                owner.keys.remove(this);
            }
        }
    }

    static final class Engine implements AeadEngine {
        private static final int OUTL = 0;
        private static final int KEY = 16;
        private static final int RECORD = 64;

        private final OpenSslAeadBackend backend;
        private final Arena arena = Arena.ofShared();
        /** [outl int | key staging | record staging for heap segments]. */
        private final MemorySegment scratch;
        private final long outl;
        final List<OpenSslKey> keys = new ArrayList<>();
        /** Set by {@link #close()}: the scratch ({@link #outl}) is freed; every record is refused. */
        private boolean closed;

        Engine(OpenSslAeadBackend backend) {
            this.backend = backend;
            scratch = arena.allocate(RECORD + JdkAeadBackend.MAX_RECORD, 64);
            outl = scratch.address() + OUTL;
        }

        @Override
        public AeadBackend backend() {
            return backend;
        }

        @Override
        public AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len) {
            AeadRecords.requireKeyLength(len);
            OpenSslKey k;
            if (reuse instanceof OpenSslKey ok && ok.owner == this && ok.ctx != 0) {
                k = ok;
            } else {
                long ctx = LibCrypto.evpCipherCtxNew();
                if (ctx == 0) {
                    throw new IllegalStateException("EVP_CIPHER_CTX_new failed");
                }
                k = new OpenSslKey(this, ctx);
                keys.add(k);
            }
            MemorySegment.copy(key, off, scratch, KEY, len);
            try {
                if (LibCrypto.evpCipherInitEx(k.ctx, LibCrypto.evpAesGcm(len), scratch.address() + KEY, 0, 1) != 1
                        || LibCrypto.evpCipherCtxCtrl(k.ctx, LibCrypto.EVP_CTRL_GCM_SET_IVLEN, NONCE_LENGTH, 0) != 1) {
                    k.destroy();
                    throw new IllegalStateException("EVP_CipherInit_ex failed for an AES-" + (len * 8) + "-GCM key");
                }
            } finally {
                scratch.asSlice(KEY, 32).fill((byte) 0);
            }
            k.len = len;
            return k;
        }

        @Override
        public int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            if (!(key instanceof OpenSslKey k) || k.ctx == 0 || closed || !AeadRecords.valid(seg, off, aadLen, textLen)) {
                return ERROR;
            }
            if (seg.isNative()) {
                return sealAt(k.ctx, seg.address() + off, aadLen, textLen, 0, 0);
            }
            int total = aadLen + textLen + TAG_LENGTH;
            if (total > JdkAeadBackend.MAX_RECORD) {
                return ERROR;
            }
            MemorySegment.copy(seg, off, scratch, RECORD, aadLen + textLen);
            int rc = sealAt(k.ctx, scratch.address() + RECORD, aadLen, textLen, 0, 0);
            if (rc == OK) {
                MemorySegment.copy(scratch, RECORD + aadLen, seg, off + aadLen, textLen + TAG_LENGTH);
            }
            return rc;
        }

        @Override
        public int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            if (!(key instanceof OpenSslKey k) || k.ctx == 0 || closed || !AeadRecords.valid(seg, off, aadLen, textLen)) {
                return ERROR;
            }
            if (seg.isNative()) {
                return openAt(k.ctx, seg.address() + off, aadLen, textLen);
            }
            int total = aadLen + textLen + TAG_LENGTH;
            if (total > JdkAeadBackend.MAX_RECORD) {
                return ERROR;
            }
            MemorySegment.copy(seg, off, scratch, RECORD, total);
            int rc = openAt(k.ctx, scratch.address() + RECORD, aadLen, textLen);
            if (rc == OK) {
                MemorySegment.copy(scratch, RECORD + aadLen, seg, off + aadLen, textLen);
            }
            return rc;
        }

        /**
         * Streams a split record from native memory: the in-place head, then the source straight into
         * place (the payload is written once, by the cipher). Heap segments take the default (copy,
         * then seal in place).
         */
        @Override
        public int sealSplit(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen,
                             MemorySegment src, long srcOff, int srcLen) {
            if (!(key instanceof OpenSslKey k) || k.ctx == 0 || closed || !AeadRecords.valid(seg, off, aadLen, textLen)
                    || srcLen > textLen || !AeadRecords.validSource(src, srcOff, srcLen)) {
                return ERROR;
            }
            if (!seg.isNative() || !src.isNative()) {
                return AeadEngine.super.sealSplit(key, seg, off, aadLen, textLen, src, srcOff, srcLen);
            }
            return sealAt(k.ctx, seg.address() + off, aadLen, textLen, src.address() + srcOff, srcLen);
        }

        /**
         * Seals the record at native address {@code rec}: the first {@code textLen - srcLen} text bytes
         * in place, the last {@code srcLen} read from {@code srcAddr} and written encrypted into place.
         */
        private int sealAt(long ctx, long rec, int aadLen, int textLen, long srcAddr, int srcLen) {
            long text = rec + aadLen;
            int head = textLen - srcLen;
            if (LibCrypto.evpCipherInitEx(ctx, 0, 0, rec + NONCE_OFFSET, 1) != 1
                    || LibCrypto.evpEncryptUpdate(ctx, 0, outl, rec, aadLen) != 1
                    || (head > 0 && LibCrypto.evpEncryptUpdate(ctx, text, outl, text, head) != 1)
                    || (srcLen > 0 && LibCrypto.evpEncryptUpdate(ctx, text + head, outl, srcAddr, srcLen) != 1)) {
                return ERROR;
            }
            return finishSeal(ctx, text + textLen);
        }

        private int finishSeal(long ctx, long tag) {
            if (LibCrypto.evpEncryptFinalEx(ctx, tag, outl) != 1
                    || LibCrypto.evpCipherCtxCtrl(ctx, LibCrypto.EVP_CTRL_GCM_GET_TAG, TAG_LENGTH, tag) != 1) {
                return ERROR;
            }
            return OK;
        }

        private int openAt(long ctx, long rec, int aadLen, int textLen) {
            long text = rec + aadLen;
            long tag = text + textLen;
            if (LibCrypto.evpCipherInitEx(ctx, 0, 0, rec + NONCE_OFFSET, 0) != 1
                    || LibCrypto.evpDecryptUpdate(ctx, 0, outl, rec, aadLen) != 1
                    || (textLen > 0 && LibCrypto.evpDecryptUpdate(ctx, text, outl, text, textLen) != 1)
                    || LibCrypto.evpCipherCtxCtrl(ctx, LibCrypto.EVP_CTRL_GCM_SET_TAG, TAG_LENGTH, tag) != 1) {
                return ERROR;
            }
            // GCM final writes no bytes; the output pointer only has to be valid.
            return LibCrypto.evpDecryptFinalEx(ctx, tag, outl) == 1 ? OK : AUTH_FAIL;
        }

        @Override
        public void close() {
            closed = true;
            for (OpenSslKey k : List.copyOf(keys)) {
                k.destroy();
            }
            if (arena.scope().isAlive()) {
                scratch.fill((byte) 0);
                arena.close();
            }
        }
    }
}
