package dev.psp.bench;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.perf.TrafficGenerator;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.psp.TxSa;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Shared set-up for the codec benchmarks: backend lookup by name, frames from the
 * {@link TrafficGenerator} (IPv4/UDP, one flow) and the raw AES-GCM record the PSP path would
 * encrypt for the same frame (16-byte PSP header as AAD, UDP header + payload as text, GMAC
 * versions authenticate it all), so the raw baselines do the same cryptographic work.
 */
final class BenchFixtures {
    static final int HEADROOM = 256;
    static final int TAILROOM = 256;
    static final int SPI = 0x1234;
    static final byte[] MASTER_KEY_0 = bytes(32, 1);
    static final byte[] MASTER_KEY_1 = bytes(32, 2);

    private BenchFixtures() {}

    /** The backend named {@code name}, or an exception that says why it cannot be used. */
    static AeadBackend backend(String name) {
        AeadBackend b = AeadBackends.byName(name);
        if (b == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "'");
        }
        if (!b.isAvailable()) {
            throw new IllegalStateException("backend '" + name + "' unavailable: " + b.unavailabilityCause());
        }
        return b;
    }

    /** The benchmark transmit SA: SPI {@link #SPI}, {@code version}, its key derived from the master keys by {@code kdf}. */
    static TxSa txSa(AeadEngine engine, KeyDerivation kdf, int version) {
        byte[] key = kdf.derive(SPI, version);
        return TxSa.builder().spi(SPI).version(version).install(engine, MemorySegment.ofArray(key), 0);
    }

    /** Writes one IPv4/UDP frame with {@code payload} bytes at {@code seg[off..]}; returns its length. */
    static int frame(MemorySegment seg, long off, int payload) {
        return new TrafficGenerator(7, 1).write(seg, off, payload, 0);
    }

    static int rawAad(int version, int payload) {
        return version >= 2 ? PspHeader.BASE_LENGTH + PspHeader.UDP_HEADER + payload : PspHeader.BASE_LENGTH;
    }

    static int rawText(int version, int payload) {
        return version >= 2 ? 0 : PspHeader.UDP_HEADER + payload;
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Big-endian IV into bytes 8..15 of a record (the JDK refuses a repeated IV for GCM encryption). */
    static void putIv(byte[] b, long v) {
        for (int i = 0; i < 8; i++) {
            b[8 + i] = (byte) (v >>> (56 - 8 * i));
        }
    }
}
