package dev.psp.engine.psp;

import dev.psp.engine.wire.Bytes;
import java.lang.foreign.MemorySegment;

/**
 * The PSP header flyweight (static twin form: {@code (segment, offset)}), network byte order.
 *
 * <pre>
 * 0 next header | 1 hdr ext len | 2 R(2) crypt offset(6) | 3 S D version(4) V 1
 * 4..7 SPI | 8..15 IV | [16..23 VC when V]
 * </pre>
 */
public final class PspHeader {
    public static final int NEXT_HEADER_OFFSET = 0;
    public static final int HDR_EXT_LEN_OFFSET = 1;
    public static final int CRYPT_OFFSET_OFFSET = 2;
    public static final int FLAGS_OFFSET = 3;
    public static final int SPI_OFFSET = 4;
    public static final int IV_OFFSET = 8;
    public static final int VC_OFFSET = 16;
    public static final int BASE_LENGTH = 16;
    public static final int VC_LENGTH = 8;
    public static final int ICV_LENGTH = 16;
    public static final int UDP_PORT = 1000;
    public static final int UDP_HEADER = 8;
    public static final int CRYPT_OFFSET_UNIT = 4;
    public static final int CRYPT_OFFSET_MAX = 63;

    public static final int FLAG_S = 0x80;
    public static final int FLAG_D = 0x40;
    public static final int FLAG_V = 0x02;
    public static final int FLAG_ALWAYS_1 = 0x01;
    public static final int VERSION_SHIFT = 2;
    public static final int VERSION_MASK = 0x0f;

    private PspHeader() {}

    /**
     * The header's first 8 bytes as one big-endian word: next header | hdr ext len | R + crypt offset
     * | flags | SPI. The decoders below take it apart (one load for every field but the IV and VC).
     */
    public static long word0(MemorySegment s, long off) {
        return Bytes.u64(s, off);
    }

    public static int nextHeader(long word0) {
        return (int) (word0 >>> 56);
    }

    /** Header length in bytes: 8 + 8 * hdr ext len. */
    public static int headerLength(long word0) {
        return 8 + 8 * ((int) (word0 >>> 48) & 0xff);
    }

    /** Crypt offset in 4-byte units (the 6 low bits; R bits excluded). */
    public static int cryptOffset(long word0) {
        return (int) (word0 >>> 40) & 0x3f;
    }

    public static int flags(long word0) {
        return (int) (word0 >>> 32) & 0xff;
    }

    public static int version(long word0) {
        return (flags(word0) >>> VERSION_SHIFT) & VERSION_MASK;
    }

    public static int spi(long word0) {
        return (int) word0;
    }

    public static long iv(MemorySegment s, long off) {
        return Bytes.u64(s, off + IV_OFFSET);
    }

    public static long vc(MemorySegment s, long off) {
        return Bytes.u64(s, off + VC_OFFSET);
    }

    /** Writes a complete header (and the VC when {@code vcPresent}): two or three 8-byte stores. */
    public static void write(MemorySegment s, long off, int nextHeader, int cryptOffset, boolean sBit, boolean dBit,
                             int version, boolean vcPresent, long vc, int spi, long iv) {
        int flags = (version << VERSION_SHIFT) | FLAG_ALWAYS_1 | (vcPresent ? FLAG_V : 0)
                | (sBit ? FLAG_S : 0) | (dBit ? FLAG_D : 0);
        int word0 = (nextHeader << 24) | ((vcPresent ? 2 : 1) << 16) | ((cryptOffset & 0x3f) << 8) | flags;
        Bytes.u64(s, off, ((long) word0 << 32) | (spi & 0xffffffffL));
        Bytes.u64(s, off + IV_OFFSET, iv);
        if (vcPresent) {
            Bytes.u64(s, off + VC_OFFSET, vc);
        }
    }

    /** True for the GMAC versions (2, 3): authenticate everything, encrypt nothing. */
    public static boolean isGmac(int version) {
        return version == 2 || version == 3;
    }

    /** The SPI is usable: its low 31 bits are non-zero. */
    public static boolean validSpi(int spi) {
        return (spi & 0x7fffffff) != 0;
    }

    public static String versionName(int version) {
        return switch (version) {
            case 0 -> "aes-gcm-128";
            case 1 -> "aes-gcm-256";
            case 2 -> "aes-gmac-128";
            case 3 -> "aes-gmac-256";
            default -> "reserved-" + version;
        };
    }

    /** Parses a version name ("aes-gcm-128"...) or digit; -1 when unknown. */
    public static int parseVersion(String s) {
        return switch (s) {
            case "0", "aes-gcm-128" -> 0;
            case "1", "aes-gcm-256" -> 1;
            case "2", "aes-gmac-128" -> 2;
            case "3", "aes-gmac-256" -> 3;
            default -> -1;
        };
    }
}
