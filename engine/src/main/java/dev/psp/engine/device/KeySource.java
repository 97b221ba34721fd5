package dev.psp.engine.device;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * Source of fresh master keys and allocator secrets. Production uses {@link #secure()}; tests
 * inject a seeded {@link RandomGenerator} through {@link #of(RandomGenerator)}. Implementations
 * fill the whole array; they must be thread safe if the device is shared (the device only calls
 * them under its own lock).
 */
@FunctionalInterface
public interface KeySource {
    /** Fills {@code out} entirely with fresh random bytes. */
    void nextBytes(byte[] out);

    /** A strong source: the platform default {@link SecureRandom} (DRBG, non-blocking). */
    static KeySource secure() {
        SecureRandom random = new SecureRandom();
        return random::nextBytes;
    }

    /** Adapts any generator, e.g. {@code new SplittableRandom(42)} for repeatable tests. */
    static KeySource of(RandomGenerator generator) {
        return generator::nextBytes;
    }
}
