package dev.psp.bench;

import dev.psp.engine.wire.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Internet checksum over one segment's payload: the engine's {@code Checksum.sum} (4 bytes a
 * step, big-endian loads) against a prototype that sums native-order 8-byte words and swaps
 * bytes once at the end (RFC 1071 byte-order independence). TSO (checksum on) and GRO spend most
 * of their extra time in this loop; the prototype lives here only to size the possible gain.
 */
public class ChecksumBenchmark extends PspBench {
    @Param({"1448", "65000"})
    public int size;

    private Arena arena;
    private MemorySegment buf;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        buf = arena.allocate(size + 64, 64);
        MemorySegment.copy(MemorySegment.ofArray(BenchFixtures.bytes(size + 64, 5)), 0, buf, 0, size + 64);
        for (int off = 0; off < 8; off++) {
            for (int len : new int[] {0, 1, 7, 8, 9, 63, size - 1, size}) {
                int a = Checksum.finish(Checksum.sum(buf, off, len, 0));
                int b = Checksum.finish(wideSum(buf, off, len));
                if (a != b) {
                    throw new IllegalStateException("prototype differs at off " + off + " len " + len);
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long engineSum() {
        return Checksum.sum(buf, 0, size, 0);
    }

    @Benchmark
    public long wideSum() {
        return wideSum(buf, 0, size);
    }

    /** One's-complement sum (big-endian 16-bit words) of {@code len} bytes, from 8-byte native-order loads. */
    static long wideSum(MemorySegment s, long off, int len) {
        long acc = 0;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            long w = s.get(ValueLayout.JAVA_LONG_UNALIGNED, off + i);
            acc += (w & 0xffffffffL) + (w >>> 32);
        }
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN) {
            acc = ((acc & 0xff) << 8) | (acc >>> 8);
        }
        return Checksum.sum(s, off + i, len - i, acc);
    }
}
