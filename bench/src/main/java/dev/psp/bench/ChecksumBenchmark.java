package dev.psp.bench;

import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Internet checksum over one segment's payload: the engine's {@code Checksum.sum} (8-byte
 * native-order words in a small loop C2 vectorizes, one byte swap at the end: RFC 1071 byte-order
 * independence) against a plain scalar reference that adds one big-endian 16-bit word per step
 * (the textbook RFC 1071 loop). TSO (checksum on) and GRO spend most of their extra time in this
 * sum; {@code scalarSum / engineSum} is what the word loop buys. Set-up checks both give the same
 * checksum at every alignment and at the lengths around the word loop's edges.
 */
public class ChecksumBenchmark extends PspBench {
    @Param({"1448", "65000"})
    public int size;

    private Arena arena;
    private MemorySegment buf;

    @Setup(Level.Trial)
    public void setUp() {
        arena = PacketPool.packetArena();
        buf = arena.allocate(size + 64, 64);
        MemorySegment.copy(MemorySegment.ofArray(BenchFixtures.bytes(size + 64, 5)), 0, buf, 0, size + 64);
        for (int off = 0; off < 8; off++) {
            for (int len : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 63, size - 1, size}) {
                int a = Checksum.finish(Checksum.sum(buf, off, len, 0));
                int b = Checksum.finish(scalarSum(buf, off, len));
                if (a != b) {
                    throw new IllegalStateException("engine and scalar sums differ at off " + off + " len " + len);
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** The engine's sum (8-byte words). */
    @Benchmark
    public long engineSum() {
        return Checksum.sum(buf, 0, size, 0);
    }

    /** The scalar reference (2-byte words). */
    /**
     * {@link #engineSum} through {@link dev.psp.engine.wire.Bytes#NATIVE} at the buffer's absolute
     * address: a negative control. Without the per-access segment checks one would expect it no
     * slower, but C2 does not vectorize the loop over the whole-address-space segment (3.6x slower
     * at 1448 bytes, 98 vs 28 ns, at c6926fc), which is why the codec uses NATIVE only for
     * straight-line header code, never for loops.
     */
    @Benchmark
    public long engineSumAbsolute() {
        return Checksum.sum(dev.psp.engine.wire.Bytes.NATIVE, buf.address(), size, 0);
    }

    @Benchmark
    public long scalarSum() {
        return scalarSum(buf, 0, size);
    }

    /** One's-complement sum (not folded) of {@code len} bytes as big-endian 16-bit words, one word per step. */
    static long scalarSum(MemorySegment s, long off, int len) {
        long sum = 0;
        int i = 0;
        for (; i + 2 <= len; i += 2) {
            sum += Bytes.u16(s, off + i);
        }
        if (i < len) {
            sum += Bytes.u8(s, off + i) << 8;
        }
        return sum;
    }
}
