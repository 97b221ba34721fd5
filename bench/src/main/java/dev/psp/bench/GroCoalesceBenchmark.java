package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.GroBatch;
import dev.psp.engine.offload.GroCoalescer;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.offload.GroCounters;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.TxSa;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GRO's own cost, without the cipher: the 45 segments of {@link GroBenchmark}'s 64 KB super-packet
 * are sealed and opened once in set-up (decoder verifying inner checksums, as in
 * {@code GroBenchmark.verified*}); each op puts the opened descriptors and the head's first 128
 * bytes back as the decoder left them and runs one {@code GroCoalescer.coalesce} over the burst.
 * {@link #descriptorsOnly} is that reset alone, to subtract. (ns/op - descriptorsOnly) / 45 is
 * GRO's cost per segment; {@code GroBenchmark.verifiedGroOnChain - verifiedGroOff} measures the
 * same inside the receive path. {@code fast=false} turns off the one-pass path for segments that
 * continue the last flow ({@code GroCoalescer.fastPath}), for the general path's cost.
 */
public class GroCoalesceBenchmark extends PspBench {
    @Param({"CHAIN", "COPY"})
    public String merge;
    @Param({"true", "false"})
    public boolean fast;
    @Param({"4", "6"})
    public int ipVersion;

    static final int HEADER_BYTES = 128;

    private Arena arena;
    private GroCoalescer gro;
    private GroBatch batch;
    private int nseg;
    private MemorySegment slots;
    private MemorySegment headHeader;
    private long headOff;
    private final Packet[] pkts = new Packet[64];
    private final Packet[] opened = new Packet[64];

    @Setup(Level.Trial)
    public void setUp() {
        arena = PacketPool.packetArena();
        AeadEngine engine = BenchFixtures.backend("jdk").newEngine();
        KeyDerivation kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
        TxSa sa = BenchFixtures.txSa(engine, kdf, OffloadFixtures.VERSION);
        PspDecoder decoder = OffloadFixtures.decoder(engine, kdf, OffloadFixtures.VERSION).verifyInnerChecksums(true);
        gro = new GroCoalescer(GroConfig.defaults().withMerge(GroConfig.Merge.valueOf(merge)), new GroCounters());
        gro.fastPath(fast);
        batch = gro.newBatch(64);

        byte[] sp = OffloadFixtures.superPacket(ipVersion, 65000);
        byte[][] segs = OffloadFixtures.segments(sp, ipVersion, 1448);
        nseg = segs.length;
        slots = OffloadFixtures.sealedInGroSlots(arena, engine, sa, segs, pkts).slots();
        headHeader = arena.allocate(HEADER_BYTES, 64);
        for (int i = 0; i < opened.length; i++) {
            opened[i] = new Packet();
        }
        if (decoder.openBurst(pkts, nseg) != nseg) {
            throw new IllegalStateException("open failed in set-up: " + decoder.counters().reasonMap());
        }
        for (int i = 0; i < nseg; i++) {
            if (!pkts[i].innerCsumVerified) {
                throw new IllegalStateException("segment " + i + " not verified by the decoder");
            }
            copy(pkts[i], opened[i]);
        }
        headOff = pkts[0].offset;
        MemorySegment.copy(slots, headOff, headHeader, 0, HEADER_BYTES);
        for (int round = 0; round < 3; round++) {
            if (coalesce() != 1 || batch.segments[0] != nseg) {
                throw new IllegalStateException("GRO did not give one super-packet: " + gro.counters());
            }
            Packet p = batch.out[0];
            byte[] got = p.toByteArray();
            if (!java.util.Arrays.equals(got, sp)) {
                throw new IllegalStateException("GRO super-packet differs from the original");
            }
        }
        engine.close();
        kdf.destroy();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private static void copy(Packet from, Packet to) {
        to.wrap(from.segment, from.base, from.limit, from.offset, from.length);
        to.result = from.result;
        to.authenticated = from.authenticated;
        to.spi = from.spi;
        to.iv = from.iv;
        to.vc = from.vc;
        to.vcPresent = from.vcPresent;
        to.version = from.version;
        to.tunnel = from.tunnel;
        to.rxLayout = from.rxLayout;
        to.rxL3Off = from.rxL3Off;
        to.rxL4Off = from.rxL4Off;
        to.rxIpEnd = from.rxIpEnd;
        to.rxIpVersion = from.rxIpVersion;
        to.rxIpHeaderLen = from.rxIpHeaderLen;
        to.rxL4Proto = from.rxL4Proto;
        to.innerCsumVerified = from.innerCsumVerified;
    }

    /** Puts the descriptors and the head's headers back as the decoder left them. */
    @Benchmark
    public Packet[] descriptorsOnly() {
        MemorySegment.copy(headHeader, 0, slots, headOff, HEADER_BYTES);
        for (int i = 0; i < nseg; i++) {
            copy(opened[i], pkts[i]);
        }
        return pkts;
    }

    /** descriptorsOnly + one coalesce of the 45 opened segments; returns packets out (1). */
    @Benchmark
    public int coalesce() {
        descriptorsOnly();
        return gro.coalesce(pkts, nseg, batch, 0);
    }
}
