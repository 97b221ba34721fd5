package dev.psp.engine.crypto;

/**
 * A provider of AES-GCM for PSP records. Implementations: {@code jdk} (javax.crypto, always
 * available), {@code openssl} (libcrypto through FFM), {@code shim-ipsecmb} and
 * {@code shim-openssl} (the native shim, one downcall per burst).
 *
 * <p>A backend that cannot load says why through {@link #unavailabilityCause()}; it never throws
 * from {@link #isAvailable()}. Thread safety: the backend object is shareable; the
 * {@link AeadEngine}s it creates are not.
 */
public interface AeadBackend {

    /** Stable name, as {@code psp backends} lists it and {@code --backend} accepts it. */
    String name();

    /** True when {@link #newEngine()} will succeed. */
    boolean isAvailable();

    /** Why the backend is unavailable (library missing, symbol missing...), or null when available. */
    String unavailabilityCause();

    /** Version string of the underlying library (for reports), or "n/a". */
    String version();

    /** A new engine, to be owned by one thread. */
    AeadEngine newEngine();
}
