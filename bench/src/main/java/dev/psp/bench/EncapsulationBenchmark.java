package dev.psp.bench;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The PSP work of a seal without the cipher: a burst of 32 IPv4/UDP 64-byte-payload frames,
 * restored from their template and sealed by {@link PspEncoder#sealBurst} with an AEAD engine that
 * does nothing. What it reports per packet (restore + parse + encapsulation + IV + checksum +
 * counters) is the fixed cost the codec adds on top of any backend's AES-GCM. The {@code restore}
 * method measures the template copy alone, to subtract.
 */
public class EncapsulationBenchmark extends PspBench {
    static final int BURST = 32;

    private Arena arena;
    private MemorySegment buffers;
    private MemorySegment template;
    private int frameLen;
    private final Packet[] packets = new Packet[BURST];
    private final Packet[] work = new Packet[BURST];
    private PspEncoder encoder;
    private TxSa sa;

    /** An engine that "seals" by doing nothing: isolates the codec's own cost. */
    static final class NullEngine implements AeadEngine {
        @Override
        public AeadBackend backend() {
            return null;
        }

        @Override
        public AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len) {
            return new AeadKey() {
                @Override
                public int length() {
                    return len;
                }

                @Override
                public void destroy() {
                }
            };
        }

        @Override
        public int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return OK;
        }

        @Override
        public int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return OK;
        }

        @Override
        public int sealBurst(AeadBurst burst) {
            for (int i = 0; i < burst.count(); i++) {
                burst.status(i, OK);
            }
            return burst.count();
        }

        @Override
        public void close() {
        }
    }

    @Setup
    public void setUp() {
        arena = PacketPool.packetArena();
        byte[] frame = new byte[14 + 20 + 8 + 64];
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.position(12);
        b.putShort((short) 0x0800).put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + 64)).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002)
                .putShort((short) 1234).putShort((short) 80).putShort((short) 72).putShort((short) 0);
        Checksum.ipv4Header(MemorySegment.ofArray(frame), 14, 20);
        frameLen = frame.length;
        template = arena.allocate(frameLen);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, template, 0, frameLen);
        buffers = arena.allocate((long) OffloadFixtures.SLOT * BURST, 64);
        for (int i = 0; i < BURST; i++) {
            packets[i] = new Packet();
        }
        NullEngine engine = new NullEngine();
        encoder = new PspEncoder(engine, new PspCounters(), BURST);
        sa = TxSa.builder().spi(BenchFixtures.SPI).version(0).cryptOffset(1).ivSource(new CounterIvSource(1))
                .install(engine, MemorySegment.ofArray(new byte[16]), 0);
    }

    private void restoreAll() {
        for (int i = 0; i < BURST; i++) {
            long base = (long) i * OffloadFixtures.SLOT;
            MemorySegment.copy(template, 0, buffers, base + BenchFixtures.HEADROOM, frameLen);
            Packet p = packets[i].wrap(buffers, base, base + OffloadFixtures.SLOT, base + BenchFixtures.HEADROOM, frameLen);
            p.sa = sa;
            work[i] = p;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int sealWithoutCipher() {
        restoreAll();
        int ok = encoder.sealBurst(work, BURST);
        if (ok != BURST) {
            throw new IllegalStateException("seal failed: " + work[ok].result);
        }
        return ok;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long restore() {
        restoreAll();
        return work[BURST - 1].offset;
    }

    private long iv;

    /**
     * Floor estimate, not the engine: the same 32 frames encapsulated by a hand-written transport
     * IPv4/UDP-only sequence (fixed offsets, no options, no checks beyond the two that route the
     * frame, no descriptors, no counters, no cipher burst): parse the few fields, move 34 header
     * bytes, write length, protocol, checksum, UDP and PSP headers and IV. Sizes how much of
     * {@link #sealWithoutCipher} is generality and bookkeeping rather than bytes that must move.
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long minimalTransportV4() {
        long acc = 0;
        MemorySegment s = buffers;
        for (int i = 0; i < BURST; i++) {
            long base = (long) i * OffloadFixtures.SLOT;
            MemorySegment.copy(template, 0, s, base + BenchFixtures.HEADROOM, frameLen);
            long o = base + BenchFixtures.HEADROOM;
            if (Bytes.u16(s, o + 12) != 0x0800 || Bytes.u8(s, o + 14) != 0x45) {
                throw new IllegalStateException("not IPv4");
            }
            int totLen = Bytes.u16(s, o + 16);
            int proto = Bytes.u8(s, o + 23);
            int ttl = Bytes.u8(s, o + 22);
            int ports = Bytes.u32(s, o + 34);
            long kept = Checksum.ipv4KeptSum(s, o + 14, 20);
            long n = o - 24;
            long w0 = s.get(ValueLayout.JAVA_LONG_UNALIGNED, o);
            long w1 = s.get(ValueLayout.JAVA_LONG_UNALIGNED, o + 8);
            long w2 = s.get(ValueLayout.JAVA_LONG_UNALIGNED, o + 16);
            long w3 = s.get(ValueLayout.JAVA_LONG_UNALIGNED, o + 24);
            short w4 = s.get(ValueLayout.JAVA_SHORT_UNALIGNED, o + 32);
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, n, w0);
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, n + 8, w1);
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, n + 16, w2);
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, n + 24, w3);
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, n + 32, w4);
            int newLen = totLen + 24 + 16;
            Bytes.u16(s, n + 16, newLen);
            Bytes.u8(s, n + 23, 17);
            Bytes.u16(s, n + 24, Checksum.ipv4Finish(kept, newLen, ttl, 17));
            int sport = 0xC000 | ((ports * 0x9E3779B9) >>> 18);
            Bytes.u64(s, o + 10, ((long) sport << 48) | (1000L << 32) | ((long) (newLen - 20) << 16));
            Bytes.u64(s, o + 18, ((long) proto << 56) | (1L << 48) | (1L << 40) | (1L << 32) | BenchFixtures.SPI);
            Bytes.u64(s, o + 26, ++iv);
            acc += newLen;
        }
        return acc;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }
}
