package dev.psp.bench;

import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The burst path {@code psp bench} measures, under JMH (and {@code -prof gc}): 32 IPv4/UDP frames
 * of {@code size} payload bytes restored from their template and sealed with
 * {@link PspEncoder#sealBurst} ({@link #pspSealBurst}: with the shim, common-shape frames go to its
 * whole-frame seal, one downcall), against the same backend's {@link AeadEngine#sealBurst} over 32
 * bare records of the same AAD and text lengths restored the same way ({@link #rawSealBurst}, a
 * fresh IV each). Per packet (ops = packets).
 */
public class SealBurstBenchmark extends PspBench {
    static final int BURST = 32;

    @Param({"64", "1400"})
    public int size;
    @Param({"shim-ipsecmb"})
    public String backend;

    private Arena arena;
    private AeadEngine engine;
    private PspEncoder encoder;
    private TxSa sa;
    private MemorySegment buffers;
    private MemorySegment template;
    private int frameLen;
    private int slot;
    private final Packet[] packets = new Packet[BURST];
    private final Packet[] work = new Packet[BURST];

    private MemorySegment rawBuffers;
    private MemorySegment rawTemplate;
    private AeadKey rawKey;
    private AeadBurst rawBurst;
    private int aadLen;
    private int textLen;
    private long iv;

    @Setup(Level.Trial)
    public void setUp() {
        arena = PacketPool.packetArena();
        engine = BenchFixtures.backend(backend).newEngine();
        encoder = new PspEncoder(engine, new PspCounters(), BURST);
        KeyDerivation kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
        sa = BenchFixtures.txSa(engine, kdf, 0);
        byte[] key = kdf.derive(BenchFixtures.SPI, 0);
        kdf.destroy();
        slot = (BenchFixtures.HEADROOM + size + 100 + BenchFixtures.TAILROOM + 63) & ~63;
        template = arena.allocate(size + 100, 64);
        frameLen = BenchFixtures.frame(template, 0, size);
        buffers = arena.allocate((long) slot * BURST, 64);
        for (int i = 0; i < BURST; i++) {
            packets[i] = new Packet();
        }
        aadLen = BenchFixtures.rawAad(0, size);
        textLen = BenchFixtures.rawText(0, size);
        int rec = aadLen + textLen;
        rawTemplate = arena.allocate(rec, 64);
        MemorySegment.copy(MemorySegment.ofArray(BenchFixtures.bytes(rec, 3)), 0, rawTemplate, 0, rec);
        rawBuffers = arena.allocate((long) slot * BURST, 64);
        rawKey = engine.prepareKey(null, MemorySegment.ofArray(key), 0, key.length);
        rawBurst = new AeadBurst(BURST);
        if (pspSealBurst() != BURST || rawSealBurst() != BURST) {
            throw new IllegalStateException("set-up: a burst did not seal: " + encoder.counters().reasonMap());
        }
        encoder.counters().reset();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long errors = encoder.counters().txError;
        engine.close();
        arena.close();
        if (errors != 0) {
            throw new IllegalStateException(errors + " PSP seals failed: " + encoder.counters().reasonMap());
        }
    }

    /** Restore 32 cleartext frames, then encapsulate and seal them as one burst. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int pspSealBurst() {
        for (int i = 0; i < BURST; i++) {
            long base = (long) i * slot;
            MemorySegment.copy(template, 0, buffers, base + BenchFixtures.HEADROOM, frameLen);
            Packet p = packets[i].wrap(buffers, base, base + slot, base + BenchFixtures.HEADROOM, frameLen);
            p.sa = sa;
            work[i] = p;
        }
        return encoder.sealBurst(work, BURST);
    }

    /** Baseline: restore 32 bare records of the same lengths, a fresh IV each, one AEAD burst. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int rawSealBurst() {
        AeadBurst b = rawBurst;
        b.clear();
        for (int i = 0; i < BURST; i++) {
            long at = (long) i * slot + BenchFixtures.HEADROOM;
            MemorySegment.copy(rawTemplate, 0, rawBuffers, at, aadLen + textLen);
            Bytes.u64(rawBuffers, at + PspHeader.IV_OFFSET, ++iv);
            b.add(rawKey, rawBuffers, at, aadLen, textLen);
        }
        return engine.sealBurst(b);
    }
}
