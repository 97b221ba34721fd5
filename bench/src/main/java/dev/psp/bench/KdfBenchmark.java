package dev.psp.bench;

import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Derives one PSP key (SP 800-108 counter mode, AES-256-CMAC): what a receiver with no key cache
 * pays per packet. Version 0/2 derive 128 bits (one AES block), 1/3 derive 256 bits (two).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-exports",
        "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class KdfBenchmark {
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
