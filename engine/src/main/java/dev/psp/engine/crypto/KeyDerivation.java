package dev.psp.engine.crypto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * PSP key derivation: NIST SP 800-108 KDF in counter mode with AES-256-CMAC keyed by master key 0
 * or 1 (bit 31 of the SPI). One 16-byte input block per 128 bits of derived key:
 * {@code counter(4) || label(4) || SPI(4) || L(4)}.
 *
 * <p>Labels: the spec spells out {@code "Pv0\0"} for version 0 and {@code "Pv1\0"} for version 1
 * and allows OR-ing the header version into byte 2 of {@code 50 76 30 00}; for the GMAC versions 2
 * and 3 this gives {@code 50 76 32 00} / {@code 50 76 33 00}. No public implementation of versions
 * 2 and 3 exists to check against; this class is the one place that choice lives
 * ({@link #labelByte(int)}).
 *
 * <p>Each input is a single complete block, so CMAC reduces to {@code AES(K, M xor K1)} with the
 * subkey K1 computed once per master key: one AES block per 128 bits, no allocation per call. Not
 * thread safe (one instance per worker); master keys are copied in and wiped by {@link #destroy()}.
 */
public final class KeyDerivation {
    private final Cipher[] prf = new Cipher[2];
    private final byte[][] k1 = new byte[2][16];
    private final byte[] block = new byte[16];
    private final byte[] mac = new byte[16];
    private final boolean[] present = new boolean[2];

    /** Creates a KDF with both master keys (32 bytes each); either may be null (absent). */
    public KeyDerivation(byte[] masterKey0, byte[] masterKey1) {
        setMasterKey(0, masterKey0);
        setMasterKey(1, masterKey1);
    }

    /** Installs (or, with null, removes) master key {@code index}; the array is not retained. */
    public void setMasterKey(int index, byte[] masterKey) {
        if (masterKey == null) {
            prf[index] = null;
            Arrays.fill(k1[index], (byte) 0);
            present[index] = false;
            return;
        }
        if (masterKey.length != 32) {
            throw new IllegalArgumentException("master key " + index + " must be 32 bytes, got " + masterKey.length);
        }
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"));
            byte[] l = c.doFinal(new byte[16]);
            dbl(l, k1[index]);
            Arrays.fill(l, (byte) 0);
            prf[index] = c;
            present[index] = true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256 unavailable", e);
        }
    }

    public boolean hasMasterKey(int index) {
        return present[index];
    }

    /** Derived key length in bytes for a PSP version: 16 for 0 and 2, 32 for 1 and 3. */
    public static int keyLength(int version) {
        return (version & 1) == 0 ? 16 : 32;
    }

    /** Byte 2 of the label for a version: {@code 0x30 | version} (see class comment). */
    public static int labelByte(int version) {
        return 0x30 | version;
    }

    /**
     * Derives the key for {@code spi} and {@code version} (0..3) into {@code out[off..off+len)}.
     * Returns the key length, or -1 when the selected master key is absent or the version invalid.
     */
    public int derive(int spi, int version, MemorySegment out, long off) {
        if (version < 0 || version > 3) {
            return -1;
        }
        int sel = spi >>> 31;
        Cipher c = prf[sel];
        if (c == null) {
            return -1;
        }
        int len = keyLength(version);
        int lbits = len * 8;
        for (int counter = 1; counter * 16 <= len; counter++) {
            block[0] = 0;
            block[1] = 0;
            block[2] = 0;
            block[3] = (byte) counter;
            block[4] = 0x50;
            block[5] = 0x76;
            block[6] = (byte) labelByte(version);
            block[7] = 0;
            block[8] = (byte) (spi >>> 24);
            block[9] = (byte) (spi >>> 16);
            block[10] = (byte) (spi >>> 8);
            block[11] = (byte) spi;
            block[12] = 0;
            block[13] = 0;
            block[14] = (byte) (lbits >>> 8);
            block[15] = (byte) lbits;
            byte[] sub = k1[sel];
            for (int i = 0; i < 16; i++) {
                block[i] ^= sub[i];
            }
            try {
                c.update(block, 0, 16, mac, 0);
            } catch (GeneralSecurityException e) {
                return -1;
            }
            MemorySegment.copy(mac, 0, out, ValueLayout.JAVA_BYTE, off + (counter - 1) * 16L, 16);
        }
        Arrays.fill(mac, (byte) 0);
        return len;
    }

    /** Convenience for tests and the CLI: derives into a new array. */
    public byte[] derive(int spi, int version) {
        byte[] k = new byte[keyLength(version)];
        if (derive(spi, version, MemorySegment.ofArray(k), 0) < 0) {
            throw new IllegalStateException("no master key " + (spi >>> 31) + " installed");
        }
        return k;
    }

    /** Wipes the master-key state. */
    public void destroy() {
        setMasterKey(0, null);
        setMasterKey(1, null);
        Arrays.fill(block, (byte) 0);
    }

    /** CMAC subkey generation: doubling in GF(2^128). */
    private static void dbl(byte[] in, byte[] out) {
        int carry = 0;
        for (int i = 15; i >= 0; i--) {
            int b = in[i] & 0xff;
            out[i] = (byte) ((b << 1) | carry);
            carry = b >>> 7;
        }
        if ((in[0] & 0x80) != 0) {
            out[15] ^= (byte) 0x87;
        }
    }

    @Override
    public String toString() {
        return "KeyDerivation[mk0=" + (present[0] ? "set" : "absent") + ", mk1=" + (present[1] ? "set" : "absent") + "]";
    }
}
