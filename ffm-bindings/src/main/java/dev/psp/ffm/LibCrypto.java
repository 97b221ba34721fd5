package dev.psp.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * OpenSSL 3 libcrypto (EVP AES-GCM) through FFM: {@code libcrypto.so.3}, else {@code libcrypto.so}.
 *
 * <p>Check {@link #isAvailable()} before any other call; {@link #unavailabilityCause()} says why a
 * load failed. Pointers are {@code long} addresses of off-heap memory; the methods return what the C
 * function returns (1 success, 0 or less failure for the EVP calls) and never throw for a failed
 * operation. Thread safety is OpenSSL's: one {@code EVP_CIPHER_CTX} per thread at a time.
 */
public final class LibCrypto {
    /** {@code EVP_CIPHER_CTX_ctrl} types from openssl/evp.h (checked against the header by a shim test). */
    public static final int EVP_CTRL_GCM_SET_IVLEN = 0x9;
    public static final int EVP_CTRL_GCM_GET_TAG = 0x10;
    public static final int EVP_CTRL_GCM_SET_TAG = 0x11;
    /** {@code OpenSSL_version} selector for the version text. */
    public static final int OPENSSL_VERSION = 0;

    private static final Throwable CAUSE;
    private static final MethodHandle OPENSSL_VERSION_MH;
    private static final MethodHandle CTX_NEW;
    private static final MethodHandle CTX_FREE;
    private static final MethodHandle AES_128_GCM;
    private static final MethodHandle AES_256_GCM;
    private static final MethodHandle CIPHER_INIT_EX;
    private static final MethodHandle ENCRYPT_UPDATE;
    private static final MethodHandle DECRYPT_UPDATE;
    private static final MethodHandle ENCRYPT_FINAL_EX;
    private static final MethodHandle DECRYPT_FINAL_EX;
    private static final MethodHandle CTX_CTRL;

    static {
        MethodHandle[] h = new MethodHandle[11];
        Throwable cause = null;
        try {
            SymbolLookup lib = NativeLoad.libraryByName("libcrypto.so.3", "libcrypto.so");
            var c = NativeLoad.CRITICAL;
            h[0] = NativeLoad.handle(lib, "OpenSSL_version", FunctionDescriptor.of(ADDRESS, JAVA_INT));
            h[1] = NativeLoad.handle(lib, "EVP_CIPHER_CTX_new", FunctionDescriptor.of(JAVA_LONG));
            h[2] = NativeLoad.handle(lib, "EVP_CIPHER_CTX_free", FunctionDescriptor.ofVoid(JAVA_LONG));
            h[3] = NativeLoad.handle(lib, "EVP_aes_128_gcm", FunctionDescriptor.of(JAVA_LONG), c);
            h[4] = NativeLoad.handle(lib, "EVP_aes_256_gcm", FunctionDescriptor.of(JAVA_LONG), c);
            h[5] = NativeLoad.handle(lib, "EVP_CipherInit_ex",
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT), c);
            FunctionDescriptor update = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT);
            h[6] = NativeLoad.handle(lib, "EVP_EncryptUpdate", update, c);
            h[7] = NativeLoad.handle(lib, "EVP_DecryptUpdate", update, c);
            FunctionDescriptor fin = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG);
            h[8] = NativeLoad.handle(lib, "EVP_EncryptFinal_ex", fin, c);
            h[9] = NativeLoad.handle(lib, "EVP_DecryptFinal_ex", fin, c);
            h[10] = NativeLoad.handle(lib, "EVP_CIPHER_CTX_ctrl",
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG), c);
        } catch (Throwable t) {
            cause = t;
            java.util.Arrays.fill(h, null);
        }
        CAUSE = cause;
        OPENSSL_VERSION_MH = h[0];
        CTX_NEW = h[1];
        CTX_FREE = h[2];
        AES_128_GCM = h[3];
        AES_256_GCM = h[4];
        CIPHER_INIT_EX = h[5];
        ENCRYPT_UPDATE = h[6];
        DECRYPT_UPDATE = h[7];
        ENCRYPT_FINAL_EX = h[8];
        DECRYPT_FINAL_EX = h[9];
        CTX_CTRL = h[10];
    }

    private LibCrypto() {}

    /** True when libcrypto and every symbol used here were found. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why libcrypto could not be loaded, or null when {@link #isAvailable()}. */
    public static String unavailabilityCause() {
        return CAUSE == null ? null : NativeLoad.describe("libcrypto", CAUSE);
    }

    /** The load failure itself, for callers that want the stack trace; null when available. */
    public static Throwable unavailabilityThrowable() {
        return CAUSE;
    }

    /** {@code OpenSSL_version(OPENSSL_VERSION)}, e.g. "OpenSSL 3.0.15 3 Sep 2024". */
    public static String version() {
        try {
            return NativeLoad.cString((MemorySegment) OPENSSL_VERSION_MH.invokeExact(OPENSSL_VERSION));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_CIPHER_CTX_new()}; 0 when out of memory. */
    public static long evpCipherCtxNew() {
        try {
            return (long) CTX_NEW.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_CIPHER_CTX_free(ctx)}: also clears the key schedule; 0 is ignored. */
    public static void evpCipherCtxFree(long ctx) {
        try {
            CTX_FREE.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_aes_128_gcm()} or {@code EVP_aes_256_gcm()} for a 16- or 32-byte key. */
    public static long evpAesGcm(int keyLength) {
        try {
            return keyLength == 16 ? (long) AES_128_GCM.invokeExact() : (long) AES_256_GCM.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc)}; 0 pointers keep the current value. */
    public static int evpCipherInitEx(long ctx, long cipher, long key, long iv, int enc) {
        try {
            return (int) CIPHER_INIT_EX.invokeExact(ctx, cipher, 0L, key, iv, enc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_EncryptUpdate}; {@code out == 0} feeds AAD. {@code outl} points to an int. */
    public static int evpEncryptUpdate(long ctx, long out, long outl, long in, int inl) {
        try {
            return (int) ENCRYPT_UPDATE.invokeExact(ctx, out, outl, in, inl);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_DecryptUpdate}; {@code out == 0} feeds AAD. {@code outl} points to an int. */
    public static int evpDecryptUpdate(long ctx, long out, long outl, long in, int inl) {
        try {
            return (int) DECRYPT_UPDATE.invokeExact(ctx, out, outl, in, inl);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int evpEncryptFinalEx(long ctx, long out, long outl) {
        try {
            return (int) ENCRYPT_FINAL_EX.invokeExact(ctx, out, outl);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns 1 when the tag set by {@link #EVP_CTRL_GCM_SET_TAG} verified, 0 or less otherwise. */
    public static int evpDecryptFinalEx(long ctx, long out, long outl) {
        try {
            return (int) DECRYPT_FINAL_EX.invokeExact(ctx, out, outl);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code EVP_CIPHER_CTX_ctrl(ctx, type, arg, ptr)}. */
    public static int evpCipherCtxCtrl(long ctx, int type, int arg, long ptr) {
        try {
            return (int) CTX_CTRL.invokeExact(ctx, type, arg, ptr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A downcall can only throw when the bindings are misused (handle null: not available). */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
