package dev.psp.engine.crypto;

/**
 * A key prepared (expanded) by one {@link AeadEngine} for repeated seal/open. Owned by the
 * engine that made it; {@link #destroy()} wipes the key material it holds. {@code toString}
 * never shows key bytes.
 */
public abstract class AeadKey {
    /** Key length in bytes: 16 or 32. */
    public abstract int length();

    /** Wipes the prepared key material; the key must not be used afterwards. */
    public abstract void destroy();

    @Override
    public final String toString() {
        return "AeadKey[" + (length() * 8) + " bit, redacted]";
    }
}
