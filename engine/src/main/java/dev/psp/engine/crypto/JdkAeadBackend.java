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
 */
public final class JdkAeadBackend implements AeadBackend {
    public static final String NAME = "jdk";
    /** Largest record (AAD + text + tag) the engine stages; jumbo frames fit with room to spare. */
    public static final int MAX_RECORD = 65536 + 256;

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
        private final Cipher cipher;
        private final byte[] in = new byte[MAX_RECORD];
        private final byte[] out = new byte[MAX_RECORD];

        Engine(JdkAeadBackend backend) {
            this.backend = backend;
            try {
                cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/GCM/NoPadding unavailable in this JDK", e);
            }
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
                cipher.init(Cipher.ENCRYPT_MODE, ((JdkKey) key).spec, new GCMParameterSpec(128, in, NONCE_OFFSET, NONCE_LENGTH));
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
                cipher.init(Cipher.DECRYPT_MODE, ((JdkKey) key).spec, new GCMParameterSpec(128, in, NONCE_OFFSET, NONCE_LENGTH));
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
