package dev.psp.engine.psp;

import dev.psp.engine.Frames;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test helper: PSP computed straight from PSP.md with nothing of the engine's (no KeyDerivation,
 * no PspHeader, no PacketHeaders): the key by SP 800-108 counter mode over a textbook AES-CMAC
 * (RFC 4493, padding and all), the PSP header from its bit layout, the AEAD record by
 * {@code javax.crypto} AES-GCM with AAD = header + VC + 4 * crypt offset bytes (GMAC: everything).
 * Frame layouts come from the {@link Frames.Spec} that built them, not from a parser.
 */
final class SpecOracle {
    private SpecOracle() {}

    /** RFC 4493 AES-CMAC of {@code m} (any length) under {@code key}. */
    static byte[] cmac(byte[] key, byte[] m) {
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            byte[] l = aes.doFinal(new byte[16]);
            byte[] k1 = dbl(l);
            byte[] k2 = dbl(k1);
            int n = Math.max(1, (m.length + 15) / 16);
            boolean complete = m.length > 0 && m.length % 16 == 0;
            byte[] last = new byte[16];
            int lastOff = (n - 1) * 16;
            if (complete) {
                for (int i = 0; i < 16; i++) {
                    last[i] = (byte) (m[lastOff + i] ^ k1[i]);
                }
            } else {
                int rem = m.length - lastOff;
                System.arraycopy(m, lastOff, last, 0, rem);
                last[rem] = (byte) 0x80;
                for (int i = 0; i < 16; i++) {
                    last[i] ^= k2[i];
                }
            }
            byte[] x = new byte[16];
            for (int b = 0; b < n - 1; b++) {
                for (int i = 0; i < 16; i++) {
                    x[i] ^= m[b * 16 + i];
                }
                x = aes.doFinal(x);
            }
            for (int i = 0; i < 16; i++) {
                x[i] ^= last[i];
            }
            return aes.doFinal(x);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] dbl(byte[] in) {
        byte[] out = new byte[16];
        for (int i = 0; i < 16; i++) {
            out[i] = (byte) ((in[i] << 1) | (i < 15 ? (in[i + 1] & 0xff) >>> 7 : 0));
        }
        if ((in[0] & 0x80) != 0) {
            out[15] ^= (byte) 0x87;
        }
        return out;
    }

    /**
     * PSP.md "Key derivation": master key by SPI bit 31; per 128 bits one CMAC over
     * counter || 50 76 (30|version) 00 || SPI || L.
     */
    static byte[] deriveKey(byte[] mk0, byte[] mk1, int spi, int version) {
        byte[] mk = spi < 0 ? mk1 : mk0;
        int bits = version == 1 || version == 3 ? 256 : 128;
        byte[] key = new byte[bits / 8];
        for (int counter = 1; counter <= bits / 128; counter++) {
            byte[] in = ByteBuffer.allocate(16).putInt(counter).put((byte) 0x50).put((byte) 0x76)
                    .put((byte) (0x30 | version)).put((byte) 0).putInt(spi).putInt(bits).array();
            System.arraycopy(cmac(mk, in), 0, key, (counter - 1) * 16, 16);
        }
        return key;
    }

    /** The 16-byte PSP header from PSP.md's table. */
    static byte[] header(int nextHeader, int hdrExtLen, int r, int cryptOffset, boolean s, boolean d, int version,
                         boolean v, int spi, long iv) {
        int b3 = (s ? 0x80 : 0) | (d ? 0x40 : 0) | (version << 2) | (v ? 0x02 : 0) | 0x01;
        return ByteBuffer.allocate(16).put((byte) nextHeader).put((byte) hdrExtLen).put((byte) ((r << 6) | cryptOffset))
                .put((byte) b3).putInt(spi).putLong(iv).array();
    }

    /**
     * The UDP payload of a PSP packet: {@code hdr} (16 bytes), the VC when {@code vc != null}, then
     * {@code payload}, sealed under {@code key} with nonce = header bytes 4..15; {@code coUnits}
     * 4-byte units after the IV stay clear (GMAC: all of it).
     */
    static byte[] seal(byte[] key, byte[] hdr, byte[] vc, byte[] payload, int coUnits, boolean gmac) {
        int vcLen = vc == null ? 0 : vc.length;
        byte[] rec = new byte[16 + vcLen + payload.length];
        System.arraycopy(hdr, 0, rec, 0, 16);
        if (vc != null) {
            System.arraycopy(vc, 0, rec, 16, vcLen);
        }
        System.arraycopy(payload, 0, rec, 16 + vcLen, payload.length);
        int aad = gmac ? rec.length : 16 + 4 * coUnits;
        if (aad > rec.length) {
            throw new IllegalArgumentException("crypt offset beyond the payload");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, Arrays.copyOfRange(hdr, 4, 16)));
            c.updateAAD(rec, 0, aad);
            byte[] out = c.doFinal(rec, aad, rec.length - aad);
            byte[] r = Arrays.copyOf(rec, aad + out.length);
            System.arraycopy(out, 0, r, aad, out.length);
            return r;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** Layout of a frame built from {@code s}: L2 length, IP header length (options and extension headers included). */
    static int l2(Frames.Spec s) {
        return 14 + 4 * s.vlanTags;
    }

    static int ipHeader(Frames.Spec s) {
        return s.ipVersion == 4 ? 20 + 4 * s.ipv4OptionWords : 40 + (s.ipv6HopByHop ? 8 : 0) + (s.ipv6DestOpts ? 16 : 0);
    }

    /** Offset in the frame of the field naming the L4 protocol (IPv4 protocol, or the last IPv6 next header). */
    static int protoField(Frames.Spec s) {
        int l3 = l2(s);
        if (s.ipVersion == 4) {
            return l3 + 9;
        }
        if (s.ipv6DestOpts) {
            return l3 + 40 + (s.ipv6HopByHop ? 8 : 0);
        }
        return s.ipv6HopByHop ? l3 + 40 : l3 + 6;
    }

    static int u16(byte[] a, int off) {
        return ((a[off] & 0xff) << 8) | (a[off + 1] & 0xff);
    }

    static void put16(byte[] a, int off, int v) {
        a[off] = (byte) (v >>> 8);
        a[off + 1] = (byte) v;
    }

    /** RFC 1071 sum, folded and inverted. */
    static int inetChecksum(byte[] a, int off, int len, long sum) {
        for (int i = 0; i + 1 < len; i += 2) {
            sum += u16(a, off + i);
        }
        if ((len & 1) != 0) {
            sum += (a[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) ~sum & 0xffff;
    }
}
