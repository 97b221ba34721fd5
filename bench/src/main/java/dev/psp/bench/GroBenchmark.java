package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.GroBatch;
import dev.psp.engine.offload.GroCoalescer;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.offload.GroCounters;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.TxSa;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The receive side of {@link TsoBenchmark}'s flow: the 45 sealed segments of one 64 KB TCP
 * super-packet (sealed once in set-up, restored from those templates every op since open works in
 * place), opened with one {@code PspDecoder.openBurst}, with and without GRO. One op = the whole
 * super-packet ({@code payload} bytes): divide by ns/op for bytes/ns.
 *
 * <ul>
 *   <li>{@link #groOff}: restore + openBurst with the decoder's defaults (no GRO, no inner checksum
 *       verification).
 *   <li>{@link #groOn}: restore + openBurst (defaults) + {@code GroCoalescer.coalesce} with the
 *       defaults but {@code merge=COPY} (flush at the end of the call): GRO verifies each inner TCP
 *       checksum (one pass over each payload), copies the 44 following payloads into the first
 *       segment's tailroom and gives one contiguous 64 KB super-packet with its headers and checksum
 *       fixed.
 *   <li>{@link #groOnChain}: as {@link #groOn} with {@code merge=CHAIN} (the default): no payload
 *       is copied; the op ends with the head (headers and checksum fixed) and a chain of the 44
 *       other descriptors, each payload in place. Nothing reads the chained payload in the op: a
 *       consumer's gather (pcap write, socket copy, linearize) is not included; see
 *       {@link #groOnChainGather}.
 *   <li>{@link #groOnChainGather}: {@link #groOnChain} + {@code Packet.copyFrameTo} of the whole
 *       super-packet into a 64 KB destination buffer (one gather copy of every byte, as a consumer
 *       that needs contiguous bytes would do). Compare with {@link #groOn}, whose contiguous
 *       result a consumer would still have to copy out once.
 *   <li>{@link #groDisabled}: the coalescer with {@code enabled=false}: inner checksums verified by
 *       GRO, nothing merged (splits {@link #groOn}'s cost into checksum verification and merging).
 *   <li>{@link #verifiedGroOff}: restore + openBurst with {@code PspDecoder.verifyInnerChecksums}:
 *       the receive path without GRO, inner TCP checksums verified by the decoder (one pass over
 *       each payload), no merging.
 *   <li>{@link #verifiedGroOn}: the same decoder + {@code coalesce}: GRO reuses the decoder's
 *       verdicts (no second pass over the payload; the super-packet's checksum is derived from the
 *       verified segment checksums) and merges as in {@link #groOn}. {@code verifiedGroOn /
 *       verifiedGroOff} is GRO's own cost on a receive path that verifies inner checksums
 *       ({@code merge=COPY}).
 *   <li>{@link #verifiedGroOnChain}: the same with {@code merge=CHAIN}; no gather in the op.
 *   <li>{@link #markedGroOnChain}: for a GRO that keeps bad-checksum segments: the decoder marks
 *       the good inner checksums without dropping the bad ones ({@code markInnerChecksums}), GRO
 *       chains (and checks an unmarked segment itself). ({@code psp decrypt --gro} drops bad
 *       checksums, so its decoder verifies: {@link #verifiedGroOnChain}.)
 *   <li>{@link #verifiedGroOnChainGather}: {@link #verifiedGroOnChain} + the gather copy of the whole
 *       super-packet into the 64 KB destination buffer.
 *   <li>{@link #restoreOnly}: the copy-back alone, to subtract.
 * </ul>
 *
 * Slot 0 (the GRO head) has 64 KB of tailroom, the others 2 KB slots, for every method alike
 * (CHAIN mode does not use the tailroom). restore re-wraps every descriptor, which also unlinks the
 * previous op's chain. Set-up checks that GRO gives back the original super-packet byte for byte in
 * both modes (a chain gathered).
 */
public class GroBenchmark extends PspBench {
    @Param({"jdk", "shim-ipsecmb"})
    public String backend;
    @Param({"1448"})
    public int mss;
    @Param({"4"})
    public int ipVersion;
    @Param({"65000"})
    public int payload;

    private Arena arena;
    private AeadEngine engine;
    private KeyDerivation kdf;
    private PspDecoder decoder;
    private PspDecoder verifyingDecoder;
    private PspDecoder markingDecoder;
    private GroCoalescer gro;
    private GroCoalescer groChain;
    private GroCoalescer groDisabledC;
    private GroBatch batch;
    private GroBatch batchChain;
    private MemorySegment gather;
    private GroBatch batchDisabled;

    private int nseg;
    private MemorySegment slots;
    private MemorySegment sealed;
    private long[] base;
    private long[] limit;
    private long[] sealedOff;
    private int[] sealedLen;
    private final Packet[] pkts = new Packet[64];

    @Setup(Level.Trial)
    public void setUp() {
        arena = PacketPool.packetArena();
        engine = BenchFixtures.backend(backend).newEngine();
        kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
        TxSa sa = BenchFixtures.txSa(engine, kdf, OffloadFixtures.VERSION);
        decoder = OffloadFixtures.decoder(engine, kdf, OffloadFixtures.VERSION);
        verifyingDecoder = OffloadFixtures.decoder(engine, kdf, OffloadFixtures.VERSION).verifyInnerChecksums(true);
        markingDecoder = OffloadFixtures.decoder(engine, kdf, OffloadFixtures.VERSION).markInnerChecksums(true);
        gro = new GroCoalescer(GroConfig.defaults().withMerge(GroConfig.Merge.COPY), new GroCounters());
        groChain = new GroCoalescer(GroConfig.defaults().withMerge(GroConfig.Merge.CHAIN), new GroCounters());
        batchChain = groChain.newBatch(64);
        groDisabledC = new GroCoalescer(GroConfig.defaults().withEnabled(false), new GroCounters());
        batch = gro.newBatch(64);
        batchDisabled = groDisabledC.newBatch(64);

        byte[] sp = OffloadFixtures.superPacket(ipVersion, payload);
        byte[][] segs = OffloadFixtures.segments(sp, ipVersion, mss);
        nseg = segs.length;
        OffloadFixtures.GroSlots g = OffloadFixtures.sealedInGroSlots(arena, engine, sa, segs, pkts);
        slots = g.slots();
        base = g.base();
        limit = g.limit();
        gather = arena.allocate(65536, 64);
        sealed = arena.allocate(slots.byteSize(), 64);
        sealedOff = new long[nseg];
        sealedLen = new int[nseg];
        for (int i = 0; i < nseg; i++) {
            sealedOff[i] = pkts[i].offset;
            sealedLen[i] = pkts[i].length;
        }
        MemorySegment.copy(slots, 0, sealed, 0, slots.byteSize());

        for (int round = 0; round < 3; round++) {
            if (groOn() != 1 || batch.segments[0] != nseg || batch.gsoSize[0] != mss) {
                throw new IllegalStateException("GRO did not give one super-packet of " + nseg + " segments: out="
                        + batch.outCount + " counters=" + gro.counters());
            }
            Packet p = batch.out[0];
            if (p.length != sp.length || OffloadFixtures.mismatch(MemorySegment.ofArray(sp), 0, p.segment, p.offset, sp.length) != -1) {
                throw new IllegalStateException("GRO super-packet differs from the original");
            }
            if (verifiedGroOn() != 1 || batch.segments[0] != nseg || (p = batch.out[0]).length != sp.length
                    || OffloadFixtures.mismatch(MemorySegment.ofArray(sp), 0, p.segment, p.offset, sp.length) != -1) {
                throw new IllegalStateException("GRO over decoder-verified segments differs from the original");
            }
            for (int chained = 0; chained < 5; chained++) {
                int outs = switch (chained) {
                    case 0 -> groOnChain();
                    case 1 -> verifiedGroOnChain();
                    case 2 -> groOnChainGather();
                    case 3 -> markedGroOnChain();
                    default -> verifiedGroOnChainGather();
                };
                p = batchChain.out[0];
                if (outs != 1 || batchChain.segments[0] != nseg || batchChain.gsoSize[0] != mss
                        || batchChain.consumedCount != 0 || p.chainCount != nseg - 1 || p.frameLength() != sp.length
                        || p.copyFrameTo(gather, 0) != sp.length
                        || OffloadFixtures.mismatch(MemorySegment.ofArray(sp), 0, gather, 0, sp.length) != -1) {
                    throw new IllegalStateException("chained GRO super-packet differs from the original (variant "
                            + chained + ")");
                }
            }
            if (groOff() != nseg || groDisabled() != nseg || verifiedGroOff() != nseg) {
                throw new IllegalStateException("open failed in set-up: " + decoder.counters().reasonMap()
                        + verifyingDecoder.counters().reasonMap());
            }
            for (int i = 0; i < nseg; i++) {
                if (!pkts[i].innerCsumVerified) {
                    throw new IllegalStateException("the verifying decoder did not verify segment " + i);
                }
            }
        }
        decoder.counters().reset();
        verifyingDecoder.counters().reset();
        markingDecoder.counters().reset();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PspCounters c = new PspCounters();
        decoder.counters().addTo(c);
        verifyingDecoder.counters().addTo(c);
        markingDecoder.counters().addTo(c);
        long bad = c.rxError + c.rxBad + c.rxAuthFail + c.rxPassthrough + c.reasons[Reason.RX_INNER_CSUM_BAD.code()];
        String reasons = c.reasonMap().toString();
        long csumBad = gro.counters().innerCsumBad + groChain.counters().innerCsumBad
                + groDisabledC.counters().innerCsumBad;
        engine.close();
        kdf.destroy();
        arena.close();
        if (bad != 0 || csumBad != 0) {
            throw new IllegalStateException(bad + " opens failed (" + reasons + "), " + csumBad + " bad inner checksums");
        }
    }

    private void restore() {
        for (int i = 0; i < nseg; i++) {
            MemorySegment.copy(sealed, sealedOff[i], slots, sealedOff[i], sealedLen[i]);
            pkts[i].wrap(slots, base[i], limit[i], sealedOff[i], sealedLen[i]);
        }
    }

    /** Restore + openBurst: the receive path without GRO; returns packets delivered. */
    @Benchmark
    public int groOff() {
        restore();
        return decoder.openBurst(pkts, nseg);
    }

    /** Restore + openBurst + GRO into one super-packet; returns packets out (1). */
    @Benchmark
    public int groOn() {
        restore();
        int n = decoder.openBurst(pkts, nseg);
        return gro.coalesce(pkts, n, batch, 0);
    }

    /** Restore + openBurst + zero-copy GRO (chain); the chained payload is not read. Returns packets out (1). */
    @Benchmark
    public int groOnChain() {
        restore();
        int n = decoder.openBurst(pkts, nseg);
        return groChain.coalesce(pkts, n, batchChain, 0);
    }

    /** {@link #groOnChain} + gather of the whole super-packet into a contiguous 64 KB buffer; returns packets out (1). */
    @Benchmark
    public int groOnChainGather() {
        restore();
        int n = decoder.openBurst(pkts, nseg);
        groChain.coalesce(pkts, n, batchChain, 0);
        return batchChain.out[0].copyFrameTo(gather, 0) == 0 ? 0 : 1;
    }

    /** Restore + openBurst + coalescer with GRO disabled (inner checksum verification only). */
    @Benchmark
    public int groDisabled() {
        restore();
        int n = decoder.openBurst(pkts, nseg);
        return groDisabledC.coalesce(pkts, n, batchDisabled, 0);
    }

    /** Restore + openBurst with inner checksum verification in the decoder; returns packets delivered. */
    @Benchmark
    public int verifiedGroOff() {
        restore();
        return verifyingDecoder.openBurst(pkts, nseg);
    }

    /** Restore + openBurst with inner checksum verification in the decoder + GRO; returns packets out (1). */
    @Benchmark
    public int verifiedGroOn() {
        restore();
        int n = verifyingDecoder.openBurst(pkts, nseg);
        return gro.coalesce(pkts, n, batch, 0);
    }

    /** {@link #verifiedGroOn} with zero-copy GRO (chain); the chained payload is not read. Returns packets out (1). */
    @Benchmark
    public int verifiedGroOnChain() {
        restore();
        int n = verifyingDecoder.openBurst(pkts, nseg);
        return groChain.coalesce(pkts, n, batchChain, 0);
    }

    /**
     * The receive path of a GRO that keeps segments with bad inner checksums (delivers them alone;
     * {@code GroConfig.dropBadChecksum} off): the decoder only marks the good inner checksums
     * ({@code PspDecoder.markInnerChecksums}; with the shim, from its plaintext sums), GRO chains.
     * Returns packets out (1).
     */
    @Benchmark
    public int markedGroOnChain() {
        restore();
        int n = markingDecoder.openBurst(pkts, nseg);
        return groChain.coalesce(pkts, n, batchChain, 0);
    }

    /** {@link #verifiedGroOnChain} + gather of the whole super-packet into a contiguous 64 KB buffer. */
    @Benchmark
    public int verifiedGroOnChainGather() {
        restore();
        int n = verifyingDecoder.openBurst(pkts, nseg);
        groChain.coalesce(pkts, n, batchChain, 0);
        return batchChain.out[0].copyFrameTo(gather, 0) == 0 ? 0 : 1;
    }

    /** The copy-back alone. */
    @Benchmark
    public Packet[] restoreOnly() {
        restore();
        return pkts;
    }
}
