package dev.psp.engine.crypto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM through {@code javax.crypto} (the JDK's VAES/AVX-512 intrinsics). Always available.
 *
 * <p>The JDK's GCM on direct buffers copies through two freshly allocated 512-byte arrays per
 * call and is slower than copying the record into a reused heap array first, so each engine stages
 * records through its own heap scratch buffers (measured: see README, "JDK backend").
 *
 * <p>A {@link Cipher} keeps the AES key schedule of the last key it was initialised with and
 * expands a key again only when it changes, which costs about as much as sealing a small packet
 * (re-keying one Cipher across 16 flows: 477 ns per 64-byte seal, one Cipher per key: 267 ns). So
 * each engine keeps {@link #CIPHERS} of them and a prepared key is bound to one (round robin at
 * preparation): the keys of up to that many SAs or flows seal and open without re-expansion; more
 * keys share Ciphers and re-expand when they alternate, as one Cipher would. A Cipher holds the
 * schedule of the last key it used until it is re-keyed or the engine is dropped (the JDK has no
 * way to wipe it): this backend keeps key material on the heap, unlike the native ones.
 */
public final class JdkAeadBackend implements AeadBackend {
    public static final String NAME = "jdk";
    /** Largest record (AAD + text + tag) the engine stages; jumbo frames fit with room to spare. */
    public static final int MAX_RECORD = 65536 + 256;
    /** Ciphers per engine, each keeping the key schedule of the prepared keys bound to it (a power of two). */
    public static final int CIPHERS = 64;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public String unavailabilityCause() {
        return null;
    }

    @Override
    public String version() {
        return "JDK " + Runtime.version();
    }

    @Override
    public AeadEngine newEngine() {
        return new Engine(this);
    }

    static final class JdkKey extends AeadKey {
        final byte[] bytes;
        SecretKeySpec spec;
        /** Index of the engine's {@link Cipher} this key uses (kept when the key object is reused). */
        int slot = -1;

        JdkKey(int len) {
            bytes = new byte[len];
        }

        @Override
        public int length() {
            return bytes.length;
        }

        @Override
        public void destroy() {
            java.util.Arrays.fill(bytes, (byte) 0);
            spec = null;
        }
    }

    private static final class Engine implements AeadEngine {
        private final JdkAeadBackend backend;
        private final Cipher[] ciphers = new Cipher[CIPHERS];
        private int nextSlot;
        private final byte[] in = new byte[MAX_RECORD];
        private final byte[] out = new byte[MAX_RECORD];

        Engine(JdkAeadBackend backend) {
            this.backend = backend;
            ciphers[0] = newCipher(); // fails here, not on the first packet, when the JDK lacks GCM
        }

        private static Cipher newCipher() {
            try {
                return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/GCM/NoPadding unavailable in this JDK", e);
            }
        }

        /** This engine's Cipher for {@code k}'s slot (created on first use; a key prepared by another engine keeps its slot). */
        private Cipher cipher(JdkKey k) {
            Cipher c = ciphers[k.slot];
            return c != null ? c : (ciphers[k.slot] = newCipher());
        }

        @Override
        public AeadBackend backend() {
            return backend;
        }

        @Override
        public AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len) {
            AeadRecords.requireKeyLength(len);
            JdkKey k = (reuse instanceof JdkKey jk && jk.bytes.length == len) ? jk : new JdkKey(len);
            MemorySegment.copy(key, ValueLayout.JAVA_BYTE, off, k.bytes, 0, len);
            k.spec = new SecretKeySpec(k.bytes, "AES");
            if (k.slot < 0) {
                k.slot = nextSlot++ & (CIPHERS - 1);
            }
            return k;
        }

        @Override
        public int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return sealFrom(key, seg, off, aadLen, textLen, null, 0, 0);
        }

        @Override
        public int sealSplit(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen,
                             MemorySegment src, long srcOff, int srcLen) {
            if (srcLen < 0 || srcLen > textLen) {
                return ERROR;
            }
            return sealFrom(key, seg, off, aadLen, textLen, src, srcOff, srcLen);
        }

        /** Stages [AAD | in-place text | source text] in the heap scratch, seals, writes the result once. */
        private int sealFrom(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen,
                             MemorySegment src, long srcOff, int srcLen) {
            int total = aadLen + textLen;
            if (aadLen < NONCE_OFFSET + NONCE_LENGTH || textLen < 0 || total + TAG_LENGTH > MAX_RECORD) {
                return ERROR;
            }
            try {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, in, 0, total - srcLen);
                if (srcLen > 0) {
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOff, in, total - srcLen, srcLen);
                }
                JdkKey k = (JdkKey) key;
                Cipher cipher = cipher(k);
                cipher.init(Cipher.ENCRYPT_MODE, k.spec, new GCMParameterSpec(128, in, NONCE_OFFSET, NONCE_LENGTH));
                cipher.updateAAD(in, 0, aadLen);
                int n = cipher.doFinal(in, aadLen, textLen, out, 0);
                if (n != textLen + TAG_LENGTH) {
                    return ERROR;
                }
                MemorySegment.copy(out, 0, seg, ValueLayout.JAVA_BYTE, off + aadLen, n);
                return OK;
            } catch (GeneralSecurityException | RuntimeException e) {
                return ERROR;
            }
        }

        @Override
        public int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            int total = aadLen + textLen + TAG_LENGTH;
            if (aadLen < NONCE_OFFSET + NONCE_LENGTH || textLen < 0 || total > MAX_RECORD) {
                return ERROR;
            }
            try {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, in, 0, total);
                JdkKey k = (JdkKey) key;
                Cipher cipher = cipher(k);
                cipher.init(Cipher.DECRYPT_MODE, k.spec, new GCMParameterSpec(128, in, NONCE_OFFSET, NONCE_LENGTH));
                cipher.updateAAD(in, 0, aadLen);
                int n = cipher.doFinal(in, aadLen, textLen + TAG_LENGTH, out, 0);
                if (n != textLen) {
                    return ERROR;
                }
                MemorySegment.copy(out, 0, seg, ValueLayout.JAVA_BYTE, off + aadLen, n);
                return OK;
            } catch (AEADBadTagException e) {
                return AUTH_FAIL;
            } catch (GeneralSecurityException | RuntimeException e) {
                return ERROR;
            }
        }

        @Override
        public void close() {
            java.util.Arrays.fill(in, (byte) 0);
            java.util.Arrays.fill(out, (byte) 0);
        }
    }
}
