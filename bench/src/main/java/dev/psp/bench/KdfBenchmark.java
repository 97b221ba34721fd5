package dev.psp.bench;

import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Derives one PSP key (SP 800-108 counter mode, AES-256-CMAC): what a receiver with no key cache
 * pays per packet. Version 0/2 derive 128 bits (one AES block), 1/3 derive 256 bits (two).
 */
public class KdfBenchmark extends PspBench {
    @Param({"0", "1"})
    public int version;

    private Arena arena;
    private KeyDerivation kdf;
    private MemorySegment out;
    private int spi = 1;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        out = arena.allocate(32);
        kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kdf.destroy();
        arena.close();
    }

    /** A new SPI each call (both master keys in turn), as packets from many SAs would bring. */
    @Benchmark
    public void derive(Blackhole bh) {
        int s = spi = (spi + 0x4000_0001) | 1;
        bh.consume(kdf.derive(s, version, out, 0));
        bh.consume(out.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0));
    }
}
