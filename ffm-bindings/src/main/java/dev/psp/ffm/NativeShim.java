package dev.psp.ffm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The native shim {@code libpspshim.so} (native-shim/src/psp_shim.h): AES-GCM bursts over
 * intel-ipsec-mb or OpenSSL, one downcall per burst.
 *
 * <p>Loaded from system property {@code psp.shim.path}, else {@code native-shim/build/libpspshim.so}
 * in the working directory or a parent, else {@code libpspshim.so} through the dynamic loader.
 * {@link #isAvailable()} / {@link #unavailabilityCause()} report the result; no method throws for a
 * failed operation: they return a count or a negative errno, which {@link #errnoName} names.
 * Engines and the keys made with them are owned by one thread.
 */
public final class NativeShim {
    public static final int IMPL_IPSEC_MB = 1;
    public static final int IMPL_OPENSSL = 2;

    /** Linux errno values the shim returns negated (checked against the C side by a test). */
    public static final int EINVAL = 22;
    public static final int ENOMEM = 12;
    public static final int EBADMSG = 74;

    /** {@code struct psp_shim_vec}: the burst descriptor; every pointer is to an array of {@code num}. */
    public static final StructLayout VEC = MemoryLayout.structLayout(
            JAVA_INT.withName("num"),
            JAVA_INT.withName("flags"),
            ADDRESS.withName("base"),
            ADDRESS.withName("aad_len"),
            ADDRESS.withName("text_len"),
            ADDRESS.withName("key"),
            ADDRESS.withName("status"),
            ADDRESS.withName("src"),
            ADDRESS.withName("src_len"),
            ADDRESS.withName("text_sum")).withName("psp_shim_vec");
    public static final long VEC_NUM_OFFSET = VEC.byteOffset(groupElement("num"));
    public static final long VEC_FLAGS_OFFSET = VEC.byteOffset(groupElement("flags"));
    /**
     * {@code PSP_SHIM_F_SPLIT_STAGE}: the bytes in front of every split record's source are the
     * caller's; the shim may stage the in-place text head there (restored before it returns).
     */
    public static final int F_SPLIT_STAGE = 1;
    /**
     * {@code PSP_SHIM_F_TEXT_SUM} (open): for every record opened, {@code text_sum[i]} is the
     * Internet checksum sum (network order, unfolded) of its plaintext, taken as the cipher leaves it.
     */
    public static final int F_TEXT_SUM = 2;
    public static final long VEC_BASE_OFFSET = VEC.byteOffset(groupElement("base"));
    public static final long VEC_AAD_LEN_OFFSET = VEC.byteOffset(groupElement("aad_len"));
    public static final long VEC_TEXT_LEN_OFFSET = VEC.byteOffset(groupElement("text_len"));
    public static final long VEC_KEY_OFFSET = VEC.byteOffset(groupElement("key"));
    public static final long VEC_STATUS_OFFSET = VEC.byteOffset(groupElement("status"));
    public static final long VEC_SRC_OFFSET = VEC.byteOffset(groupElement("src"));
    public static final long VEC_SRC_LEN_OFFSET = VEC.byteOffset(groupElement("src_len"));
    public static final long VEC_TEXT_SUM_OFFSET = VEC.byteOffset(groupElement("text_sum"));

    /** {@code ENOTSUP}: a whole frame the shim did not encapsulate (nothing written). */
    public static final int ENOTSUP = 95;

    /**
     * {@code struct psp_shim_frames}: a burst of whole frames for {@link #sealFrames} (PSP
     * transport-mode encapsulation over IPv4 and seal in one call); every pointer to an array of {@code num}.
     */
    public static final StructLayout FRAMES = MemoryLayout.structLayout(
            JAVA_INT.withName("num"),
            JAVA_INT.withName("flags"),
            ADDRESS.withName("frame"),
            ADDRESS.withName("frame_len"),
            ADDRESS.withName("iv"),
            ADDRESS.withName("sa"),
            ADDRESS.withName("vc"),
            ADDRESS.withName("sport"),
            ADDRESS.withName("key"),
            ADDRESS.withName("status"),
            ADDRESS.withName("hash")).withName("psp_shim_frames");
    public static final long FRAMES_NUM_OFFSET = FRAMES.byteOffset(groupElement("num"));
    public static final long FRAMES_FLAGS_OFFSET = FRAMES.byteOffset(groupElement("flags"));
    /** {@code PSP_SHIM_FRAMES_INNER_CSUM}: also compute each frame's inner TCP/UDP checksum. */
    public static final int FRAMES_INNER_CSUM = 1;
    public static final long FRAMES_FRAME_OFFSET = FRAMES.byteOffset(groupElement("frame"));
    public static final long FRAMES_FRAME_LEN_OFFSET = FRAMES.byteOffset(groupElement("frame_len"));
    public static final long FRAMES_IV_OFFSET = FRAMES.byteOffset(groupElement("iv"));
    public static final long FRAMES_SA_OFFSET = FRAMES.byteOffset(groupElement("sa"));
    public static final long FRAMES_VC_OFFSET = FRAMES.byteOffset(groupElement("vc"));
    public static final long FRAMES_SPORT_OFFSET = FRAMES.byteOffset(groupElement("sport"));
    public static final long FRAMES_KEY_OFFSET = FRAMES.byteOffset(groupElement("key"));
    public static final long FRAMES_STATUS_OFFSET = FRAMES.byteOffset(groupElement("status"));
    public static final long FRAMES_HASH_OFFSET = FRAMES.byteOffset(groupElement("hash"));

    /** {@code struct psp_shim_tso}: one TSO super-packet's stamped segments for {@link #sealTso}. */
    public static final StructLayout TSO = MemoryLayout.structLayout(
            JAVA_INT.withName("num"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("tmpl"),
            JAVA_INT.withName("hdr_len"),
            JAVA_INT.withName("rec_off"),
            JAVA_INT.withName("aad_len"),
            JAVA_INT.withName("text_len"),
            JAVA_INT.withName("src_len"),
            JAVA_INT.withName("ip_off"),
            JAVA_INT.withName("outer_ip_off"),
            JAVA_INT.withName("l4_off"),
            JAVA_INT.withName("csum_off"),
            JAVA_INT.withName("tcp_word12"),
            JAVA_LONG.withName("ip_sum"),
            JAVA_LONG.withName("outer_sum"),
            JAVA_LONG.withName("l4_sum"),
            ADDRESS.withName("key"),
            ADDRESS.withName("dst"),
            ADDRESS.withName("src"),
            ADDRESS.withName("iv"),
            ADDRESS.withName("id"),
            ADDRESS.withName("seq"),
            ADDRESS.withName("tcp_flags"),
            ADDRESS.withName("status")).withName("psp_shim_tso");
    /** {@code PSP_SHIM_TSO_*} flags. */
    public static final int TSO_IPV4 = 1, TSO_OUTER_IPV4 = 2, TSO_TCP = 4, TSO_CSUM = 8;

    /** Byte offset of a field of {@link #TSO}. */
    public static long tsoOffset(String field) {
        return TSO.byteOffset(groupElement(field));
    }

    /** {@code enum psp_shim_layout_query} of psp_shim.h. */
    public static final int Q_VEC_SIZE = 0, Q_VEC_NUM = 1, Q_VEC_BASE = 2, Q_VEC_AAD_LEN = 3, Q_VEC_TEXT_LEN = 4,
            Q_VEC_KEY = 5, Q_VEC_STATUS = 6, Q_POINTER_SIZE = 7, Q_EBADMSG = 8, Q_EINVAL = 9, Q_ENOMEM = 10,
            Q_EVP_CTRL_GCM_SET_IVLEN = 11, Q_EVP_CTRL_GCM_GET_TAG = 12, Q_EVP_CTRL_GCM_SET_TAG = 13,
            Q_VEC_SRC = 14, Q_VEC_SRC_LEN = 15, Q_VEC_FLAGS = 16, Q_F_SPLIT_STAGE = 17,
            Q_FRAMES_SIZE = 18, Q_FRAMES_FRAME = 19, Q_FRAMES_FRAME_LEN = 20, Q_FRAMES_IV = 21, Q_FRAMES_SA = 22,
            Q_FRAMES_VC = 23, Q_FRAMES_SPORT = 24, Q_FRAMES_KEY = 25, Q_FRAMES_STATUS = 26, Q_FRAMES_HASH = 27,
            Q_ENOTSUP = 28, Q_TSO_SIZE = 29, Q_TSO_TMPL = 30, Q_TSO_IP_SUM = 31, Q_TSO_KEY = 32, Q_TSO_DST = 33,
            Q_TSO_STATUS = 34, Q_TSO_L4_SUM = 35, Q_VEC_TEXT_SUM = 36, Q_F_TEXT_SUM = 37;

    private static final String LIB = "libpspshim.so";
    private static final Throwable CAUSE;
    private static final String LOADED_FROM;
    private static final MethodHandle AVAILABLE;
    private static final MethodHandle VERSION;
    private static final MethodHandle LAYOUT;
    private static final MethodHandle ENGINE_NEW;
    private static final MethodHandle ENGINE_FREE;
    private static final MethodHandle KEY_NEW;
    private static final MethodHandle KEY_REKEY;
    private static final MethodHandle KEY_FREE;
    private static final MethodHandle SEAL_BURST;
    private static final MethodHandle OPEN_BURST;
    private static final MethodHandle SEAL_FRAMES;
    private static final MethodHandle FLOW_HASH;
    private static final MethodHandle SEAL_TSO;
    private static final MethodHandle CSUM;
    private static final MethodHandle FLOW_HASH6;

    static {
        MethodHandle[] h = new MethodHandle[15];
        Throwable cause = null;
        String from = null;
        try {
            Path p = locate();
            SymbolLookup lib;
            if (p != null) {
                lib = SymbolLookup.libraryLookup(p, Arena.global());
                from = p.toString();
            } else {
                lib = NativeLoad.libraryByName(LIB);
                from = LIB;
            }
            var c = NativeLoad.CRITICAL;
            h[0] = NativeLoad.handle(lib, "psp_shim_available", FunctionDescriptor.of(JAVA_INT, JAVA_INT), c);
            h[1] = NativeLoad.handle(lib, "psp_shim_version", FunctionDescriptor.of(ADDRESS, JAVA_INT), c);
            h[2] = NativeLoad.handle(lib, "psp_shim_layout", FunctionDescriptor.of(JAVA_LONG, JAVA_INT), c);
            h[3] = NativeLoad.handle(lib, "psp_shim_engine_new", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG));
            h[4] = NativeLoad.handle(lib, "psp_shim_engine_free", FunctionDescriptor.ofVoid(JAVA_LONG));
            h[5] = NativeLoad.handle(lib, "psp_shim_key_new",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
            h[6] = NativeLoad.handle(lib, "psp_shim_key_rekey",
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
            h[7] = NativeLoad.handle(lib, "psp_shim_key_free", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG));
            // A burst of jumbo records can run for tens of microseconds: not critical, so a
            // safepoint (GC) need not wait for it; the transition is paid once per burst.
            FunctionDescriptor burst = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG);
            h[8] = NativeLoad.handle(lib, "psp_shim_seal_burst", burst);
            h[9] = NativeLoad.handle(lib, "psp_shim_open_burst", burst);
            h[10] = NativeLoad.handle(lib, "psp_shim_seal_frames", burst);
            h[11] = NativeLoad.handle(lib, "psp_shim_flow_hash", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), c);
            h[12] = NativeLoad.handle(lib, "psp_shim_seal_tso", burst);
            h[13] = NativeLoad.handle(lib, "psp_shim_csum", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), c);
            h[14] = NativeLoad.handle(lib, "psp_shim_flow_hash6", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), c);
        } catch (Throwable t) {
            cause = t;
            java.util.Arrays.fill(h, null);
        }
        CAUSE = cause;
        LOADED_FROM = from;
        AVAILABLE = h[0];
        VERSION = h[1];
        LAYOUT = h[2];
        ENGINE_NEW = h[3];
        ENGINE_FREE = h[4];
        KEY_NEW = h[5];
        KEY_REKEY = h[6];
        KEY_FREE = h[7];
        SEAL_BURST = h[8];
        OPEN_BURST = h[9];
        SEAL_FRAMES = h[10];
        FLOW_HASH = h[11];
        SEAL_TSO = h[12];
        CSUM = h[13];
        FLOW_HASH6 = h[14];
    }

    private NativeShim() {}

    private static Path locate() {
        String prop = System.getProperty("psp.shim.path");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop); // explicit: a missing file is reported, not searched around
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("native-shim").resolve("build").resolve(LIB);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** True when the library and all its symbols were found. Says nothing about each impl: see {@link #available}. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why the shim could not be loaded (with a hint to build it), or null when {@link #isAvailable()}. */
    public static String unavailabilityCause() {
        return CAUSE == null ? null
                : NativeLoad.describe(LIB + " (run: bash native-shim/build.sh, or set -Dpsp.shim.path)", CAUSE);
    }

    /** Where the library was loaded from, or null when unavailable. */
    public static String loadedFrom() {
        return LOADED_FROM;
    }

    /** 1 when {@code impl} was built into the shim and works on this machine. */
    public static int available(int impl) {
        try {
            return (int) AVAILABLE.invokeExact(impl);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Version of the library behind {@code impl} (imb_get_version_str(), OpenSSL_version()). */
    public static String version(int impl) {
        try {
            return NativeLoad.cString((MemorySegment) VERSION.invokeExact(impl));
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** sizeof/offsetof/constant answered by the C compiler for a {@code Q_*} query. */
    public static long layout(int query) {
        try {
            return (long) LAYOUT.invokeExact(query);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** A new engine, or 0 with the negative errno in the int at {@code errOut} (0 to skip). */
    public static long engineNew(int impl, long errOut) {
        try {
            return (long) ENGINE_NEW.invokeExact(impl, errOut);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    public static void engineFree(long engine) {
        try {
            ENGINE_FREE.invokeExact(engine);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Prepares the {@code len} key bytes at {@code key}; returns a handle or 0 (negative errno in {@code errOut}). */
    public static long keyNew(long engine, long key, int len, long errOut) {
        try {
            return (long) KEY_NEW.invokeExact(engine, key, len, errOut);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Re-keys a handle in place; 0 or a negative errno. */
    public static int keyRekey(long engine, long handle, long key, int len) {
        try {
            return (int) KEY_REKEY.invokeExact(engine, handle, key, len);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Wipes and frees a key handle; 0 is ignored. */
    public static void keyFree(long engine, long handle) {
        try {
            KEY_FREE.invokeExact(engine, handle);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Seals the burst described by the {@link #VEC} at {@code vec}; returns how many succeeded or a negative errno. */
    public static int sealBurst(long engine, long vec) {
        try {
            return (int) SEAL_BURST.invokeExact(engine, vec);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Opens the burst at {@code vec}, as {@link #sealBurst}. */
    public static int openBurst(long engine, long vec) {
        try {
            return (int) OPEN_BURST.invokeExact(engine, vec);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /**
     * Encapsulates and seals the whole frames described by the {@link #FRAMES} at {@code frames};
     * returns how many succeeded or a negative errno.
     */
    public static int sealFrames(long engine, long frames) {
        try {
            return (int) SEAL_FRAMES.invokeExact(engine, frames);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** Stamps and seals the TSO segments described by the {@link #TSO} at {@code tso}; returns how many succeeded or a negative errno. */
    public static int sealTso(long engine, long tso) {
        try {
            return (int) SEAL_TSO.invokeExact(engine, tso);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** The shim's flow hash of an IPv4 5-tuple ({@code psp_shim_flow_hash}), for tests against the Java one. */
    public static int flowHash(int proto, long addrs, int ports) {
        try {
            return (int) FLOW_HASH.invokeExact(proto, addrs, ports);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** The shim's flow hash of an IPv6 5-tuple, the 32 address bytes at absolute address {@code addrs} ({@code psp_shim_flow_hash6}), for tests. */
    public static int flowHash6(int proto, long addrs, int ports) {
        try {
            return (int) FLOW_HASH6.invokeExact(proto, addrs, ports);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /**
     * {@code sum} plus the one's-complement sum of {@code len} bytes at absolute address
     * {@code address} ({@code psp_shim_csum}, the shim's checksum), for tests against the Java one.
     */
    public static long checksum(long address, int len, long sum) {
        if (len < 0) {
            throw new IllegalArgumentException("negative length: " + len);
        }
        try {
            return (long) CSUM.invokeExact(address, len, sum);
        } catch (Throwable t) {
            throw LibCrypto.rethrow(t);
        }
    }

    /** The one place native return codes get a name: "OK", "EBADMSG", ... */
    public static String errnoName(int rc) {
        if (rc >= 0) {
            return "OK";
        }
        return switch (-rc) {
            case EINVAL -> "EINVAL";
            case ENOMEM -> "ENOMEM";
            case EBADMSG -> "EBADMSG";
            case ENOTSUP -> "ENOTSUP";
            default -> "errno " + (-rc);
        };
    }
}
