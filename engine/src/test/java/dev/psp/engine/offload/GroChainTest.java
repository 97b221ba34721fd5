package dev.psp.engine.offload;

import static dev.psp.engine.offload.TcpFrames.ACK;
import static dev.psp.engine.offload.TcpFrames.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestFiles;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.cli.CliTest;
import dev.psp.engine.cli.FileCodec;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.pool.PoolAssertions;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.TxSa;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Zero-copy GRO ({@link GroConfig.Merge#CHAIN}): same decisions and bytes as COPY mode, chains
 * across calls, each slot of a chain freed exactly once (free, freeBulk, release, across pools),
 * and the pcap writer's gather writing the same records as COPY mode, through the CLI too.
 */
class GroChainTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> seeds() {
        List<Arguments> l = new ArrayList<>();
        for (long seed = 0; seed < 8; seed++) {
            for (int v : new int[] {4, 6}) {
                l.add(Arguments.of(seed, v, seed % 2 == 0 ? Mode.TRANSPORT : Mode.TUNNEL));
            }
        }
        return l.stream();
    }

    /**
     * The fuzz test's random traffic (interleaved flows, loss, duplicates, reordering, header changes,
     * bad checksums, forged packets, other SAs), offered in the same bursts at the same clock to a
     * COPY and a CHAIN coalescer, every head with room for a whole merge: the outputs are the same
     * packets (same input index, segment counts, gso sizes, partial flags) with the same bytes.
     */
    @ParameterizedTest(name = "seed {0} v{1} {2}")
    @MethodSource("seeds")
    void chainGivesTheSameBytesAsCopyForRandomFlows(long seed, int v, Mode mode) {
        Random r = new Random(seed * 7_919 + v);
        GroConfig cfg = GroFuzzTest.randomConfig(r).withRecomputeChecksum(r.nextInt(4) != 0);
        try (GroRig rig = new GroRig(mode)) {
            List<GroFuzzTest.Flow> flows = GroFuzzTest.makeFlows(rig, r, v);
            List<GroFuzzTest.Arrival> arrivals = GroFuzzTest.interleave(flows, r, v);
            GroCoalescer copy = new GroCoalescer(cfg.withMerge(GroConfig.Merge.COPY), new GroCounters());
            GroCoalescer chain = new GroCoalescer(cfg.withMerge(GroConfig.Merge.CHAIN), new GroCounters());
            long[] chained = {0};
            GroDifferential.run(r, flows, arrivals, rig.sa(0x7777, false),
                    (a, sa) -> a.forged() ? rig.sealForgeOpen(a.frame(), sa) : rig.sealOpen(a.frame(), sa, GroRig.ROOM_64K),
                    copy, chain, (cb, hb, index) -> {
                        assertEquals(0, hb.consumedCount);
                        for (int i = 0; i < cb.outCount; i++) {
                            Packet cp = cb.out[i];
                            Packet hp = hb.out[i];
                            assertNull(cp.next);
                            assertEquals(hb.segments[i] - 1, hp.chainCount);
                            if (hp.authenticated) {
                                // the copy-out helper gives the contiguous COPY frame's bytes
                                byte[] lin = new byte[hp.frameLength()];
                                assertEquals(lin.length, hp.copyFrameTo(MemorySegment.ofArray(lin), 0));
                                assertArrayEquals(cp.toByteArray(), lin);
                                chained[0] += hp.chainCount;
                            }
                        }
                    });
            assertEquals(copy.counters().segmentsMerged, chained[0]);
        }
    }

    /** Segments of one super-packet of {@code payload} bytes at {@code mss}. */
    static List<byte[]> segments(int v, long seed, int payload, int mss) {
        TcpFrames.Spec s = GroCoalescerTest.flow(v, seed, 1, payload, ACK | PSH);
        return TcpFrames.segment(s.build(), mss, false);
    }

    /**
     * Pool-backed: flows held across calls (a timeout), their chains growing over several bursts,
     * then freed with freeBulk: every slot comes back exactly once (no leak, no double free); the
     * pool counts each descriptor freed, chain members included.
     */
    @Test
    void chainsAcrossBurstsFreeEverySlotExactlyOnce() {
        List<byte[]> a = segments(4, 1, 1000 * 12 + 5, 1000);
        List<byte[]> b = segments(6, 2, 700 * 9, 700);
        try (GroRig rig = new GroRig(Mode.TRANSPORT); PacketPool pool = PacketPool.create(64, 2048)) {
            TxSa saA = rig.sa(0xa001, false);
            TxSa saB = rig.sa(0xa002, true);
            GroCounters c = new GroCounters();
            GroCoalescer gro = new GroCoalescer(GroConfig.defaults().withFlushTimeoutNanos(1_000), c);
            GroBatch batch = gro.newBatch(8);
            List<byte[]> outs = new ArrayList<>();
            int ia = 0;
            int ib = 0;
            long now = 0;
            int freed = 0;
            // one segment of each flow per call, short of both last segments (PSH ends a flow)
            while (ia < a.size() - 2 && ib < b.size() - 2) {
                Packet[] burst = {rig.sealOpenInto(pool.alloc(), a.get(ia++), saA),
                    rig.sealOpenInto(pool.alloc(), b.get(ib++), saB)};
                now += 100;
                gro.coalesce(burst, 2, batch, now);
                assertEquals(0, batch.consumedCount);
                assertEquals(0, batch.outCount, "both flows stay held until their last segment");
                assertEquals(2, gro.heldFlows());
            }
            assertTrue(ib > 3);
            // the rest in one burst: both flows end (PSH)
            Packet[] rest = new Packet[16];
            int n = 0;
            while (ia < a.size()) {
                rest[n++] = rig.sealOpenInto(pool.alloc(), a.get(ia++), saA);
            }
            while (ib < b.size()) {
                rest[n++] = rig.sealOpenInto(pool.alloc(), b.get(ib++), saB);
            }
            assertEquals(a.size() + b.size(), pool.inUse());
            gro.coalesce(rest, n, batch, now + 100);
            assertEquals(2, batch.outCount);
            assertEquals(0, batch.consumedCount);
            for (int i = 0; i < batch.outCount; i++) {
                outs.add(batch.out[i].toByteArray());
            }
            assertArrayEquals(RefGro.merge(a, 64, 65535), outs.get(0));
            assertArrayEquals(RefGro.merge(b, 64, 65535), outs.get(1));
            freed += pool.freeBulk(batch.out, batch.outCount);
            assertEquals(a.size() + b.size(), freed, "every descriptor of both chains, once");
            PoolAssertions.assertNoLeaks(pool);
            // a second free of a head is a counted double free and touches nothing else
            assertFalse(pool.free(batch.out[0]));
            assertEquals(1, pool.doubleFrees());
            assertEquals(0, pool.inUse());
        }
    }

    /** {@code release} from another thread hands back a whole chain; a chain spanning two pools goes home piecewise. */
    @Test
    void releaseAndForeignFragmentsGoHomeOnce() throws Exception {
        List<byte[]> segs = segments(4, 3, 900 * 10, 900);
        try (GroRig rig = new GroRig(Mode.TUNNEL);
             PacketPool pa = PacketPool.create(16, 2048);
             PacketPool pb = PacketPool.create(16, 2048)) {
            TxSa sa = rig.sa(0xb001, false);
            GroCoalescer gro = new GroCoalescer(GroConfig.defaults(), new GroCounters());
            GroBatch batch = gro.newBatch(16);
            for (int round = 0; round < 2; round++) {
                Packet[] in = new Packet[segs.size()];
                for (int i = 0; i < in.length; i++) {
                    // head and even segments from pool a, odd from pool b
                    in[i] = rig.sealOpenInto((i % 2 == 0 ? pa : pb).alloc(), segs.get(i), sa);
                }
                assertEquals(1, gro.coalesce(in, in.length, batch, 0));
                Packet head = batch.out[0];
                assertSame(in[0], head);
                assertEquals(segs.size() - 1, head.chainCount);
                assertArrayEquals(RefGro.merge(segs, 64, 65535), head.toByteArray());
                if (round == 0) {
                    assertTrue(pa.free(head));
                } else {
                    // released on another thread; its result checked here (an assertion there would be lost)
                    assertTrue(java.util.concurrent.CompletableFuture.supplyAsync(() -> pa.release(head),
                            r -> new Thread(r).start()).get());
                }
                pb.reclaim();
                PoolAssertions.assertNoLeaks(pa);
                PoolAssertions.assertNoLeaks(pb);
                assertEquals(0, pa.foreignFrees());
                assertEquals(0, pb.foreignFrees());
            }
        }
    }

    /** An already chained descriptor offered again is delivered alone, untouched. */
    @Test
    void aChainHeadOfferedAgainPassesThrough() {
        List<byte[]> segs = segments(4, 4, 500 * 4, 500);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0xc001, false);
            Packet[] in = new Packet[segs.size()];
            for (int i = 0; i < in.length; i++) {
                in[i] = rig.sealOpen(segs.get(i), sa, 64);
            }
            GroCoalescer gro = new GroCoalescer(GroConfig.defaults(), new GroCounters());
            GroBatch b = gro.newBatch(8);
            assertEquals(1, gro.coalesce(in, in.length, b, 0));
            byte[] once = b.out[0].toByteArray();
            GroCounters c2 = new GroCounters();
            GroCoalescer again = new GroCoalescer(GroConfig.defaults(), c2);
            GroBatch b2 = again.newBatch(8);
            assertEquals(1, again.coalesce(new Packet[] {b.out[0]}, 1, b2, 0));
            assertEquals(1, b2.segments[0]);
            assertArrayEquals(once, b2.out[0].toByteArray());
            assertEquals(1, c2.notMergeable);
            // wrap unlinks (what a pool does on alloc)
            Packet h = b.out[0];
            h.wrap(h.segment, h.base, h.limit, h.offset, h.length);
            assertNull(h.next);
            assertEquals(0, h.chainCount);
            assertEquals(h.length, h.frameLength());
        }
    }

    /**
     * The pcap writer's gather: a chained super-packet is one record, byte-identical to the COPY
     * mode's contiguous super-packet, and cut at the snap length the same way.
     */
    @Test
    void pcapGatherWritesTheSameRecordAsCopy() throws Exception {
        List<byte[]> segs = segments(6, 5, 1448 * 20 + 3, 1448);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0xd001, false);
            for (int snap : new int[] {262144, 100, 3000, 1448 * 3 + 7}) {
                Path[] files = new Path[2];
                for (GroConfig.Merge m : GroConfig.Merge.values()) {
                    Packet[] in = new Packet[segs.size()];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
                        in[i].tsSeconds = 7;
                        in[i].tsNanos = 123_000;
                    }
                    GroCoalescer gro = new GroCoalescer(GroConfig.defaults().withMerge(m), new GroCounters());
                    GroBatch b = gro.newBatch(32);
                    assertEquals(1, gro.coalesce(in, in.length, b, 0));
                    assertEquals(m == GroConfig.Merge.CHAIN, b.out[0].chained());
                    Path f = tmp.resolve(m + "-" + snap + ".pcap");
                    try (PcapWriter w = PcapWriter.create(f, snap, 1, false)) {
                        w.write(b.out[0]);
                        w.write(in[0].segment, in[0].offset, 10, 1, 0); // a plain record after it
                    }
                    files[m.ordinal()] = f;
                }
                assertArrayEquals(Files.readAllBytes(files[1]), Files.readAllBytes(files[0]), "snap " + snap);
                List<TestPcap.Rec> recs = TestPcap.read(files[0]);
                assertEquals(2, recs.size());
                byte[] whole = RefGro.merge(segs, 64, 65535);
                assertArrayEquals(java.util.Arrays.copyOf(whole, Math.min(snap, whole.length)), recs.get(0).data());
            }
        }
    }

    private static int cli(String... args) {
        return CliTest.psp(args).rc();
    }

    /** TSO'd, interleaved flows encrypted to a file for the decrypt tests; returns the originals. */
    private List<byte[]> encryptedFlows(Path clear, Path enc, int flows, int supersPerFlow, int minPayload, long seed)
            throws Exception {
        Random r = new Random(seed);
        List<byte[]> frames = new ArrayList<>();
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, false)) {
            int[] seq = new int[flows];
            for (int k = 0; k < supersPerFlow; k++) {
                for (int fl = 0; fl < flows; fl++) {
                    TcpFrames.Spec s = new TcpFrames.Spec();
                    s.ipVersion = fl % 2 == 0 ? 4 : 6;
                    s.addr = 1 + fl;
                    s.seq = seq[fl];
                    s.flags = ACK | PSH;
                    s.options = TcpFrames.timestamps(256, 512);
                    s.payload = new byte[minPayload + r.nextInt(40_000)];
                    r.nextBytes(s.payload);
                    seq[fl] += s.payload.length;
                    byte[] f = s.build();
                    frames.add(f);
                    w.write(MemorySegment.ofArray(f), 0, f.length, 10 + k, 0);
                }
            }
        }
        assertEquals(0, cli("encrypt", "-c", TestVectors.googlePsp().resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString(),
                "-i", clear.toString(), "-o", enc.toString(), "--tso-mss", "1448"));
        return frames;
    }

    private FileCodec decrypt(Path enc, Path out, GroConfig.Merge merge) throws Exception {
        FileCodec codec = new FileCodec();
        codec.gro(GroConfig.defaults().withMerge(merge));
        return TestFiles.decryptWithVectorKeys(codec, Mode.TUNNEL, 256, enc, out);
    }

    /**
     * {@code psp decrypt --gro --gro-flush-timeout NS}: a held flow is delivered once it is that old in
     * capture time (Linux gro_flush_timeout, checked at each burst of 32), so a 40-segment run 1 µs apart
     * comes out as two super-packets with 5 µs and as one with 1 ms or without a timeout.
     */
    @Test
    void flushTimeoutHoldsFlowsAcrossBurstsInCaptureTime() throws Exception {
        TcpFrames.Spec s = new TcpFrames.Spec();
        s.ipVersion = 4;
        s.addr = 3;
        s.flags = ACK | PSH;
        s.options = TcpFrames.timestamps(256, 512);
        s.payload = new byte[40 * 1000];
        new Random(5).nextBytes(s.payload);
        byte[] sup = s.build();
        List<byte[]> segs = TcpFrames.segment(sup, 1000, false);
        assertEquals(40, segs.size());
        Path clear = tmp.resolve("run.pcap");
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, true)) {
            for (int i = 0; i < segs.size(); i++) {
                byte[] f = segs.get(i);
                w.write(MemorySegment.ofArray(f), 0, f.length, 1000, i * 1000); // 1 µs apart
            }
        }
        Path enc = tmp.resolve("run-enc.pcap");
        String tx = TestVectors.googlePsp().resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
        String rx = TestVectors.googlePsp().resolve("cfg/decrypt.cfg").toString();
        assertEquals(0, cli("encrypt", "-c", tx, "-i", clear.toString(), "-o", enc.toString(), "--inner-checksum"));
        Path out = tmp.resolve("run-dec.pcap");
        String[][] cases = {{}, {"--gro-flush-timeout", "5000"}, {"--gro-flush-timeout", "1000000"}};
        // without a timeout a file's flows end by the GRO rules or at the end of the input: one super-packet;
        // with one, the flow starts with the first burst's call (capture time 31 µs) and is 8 µs old at the
        // second (39 µs): 5 µs flushes it in between, 1 ms does not
        int[] expect = {1, 2, 1};
        for (int c = 0; c < cases.length; c++) {
            List<String> args = new ArrayList<>(List.of("decrypt", "-c", rx, "-i", enc.toString(), "-o", out.toString(),
                    "--mode", "transport", "--gro"));
            args.addAll(List.of(cases[c]));
            assertEquals(0, cli(args.toArray(String[]::new)), args.toString());
            List<TestPcap.Rec> recs = TestPcap.read(out);
            assertEquals(expect[c], recs.size(), args.toString());
            if (expect[c] == 1) {
                assertEquals(sup.length, recs.get(0).data().length);
            }
        }
        assertEquals(2, cli("decrypt", "-c", rx, "-i", enc.toString(), "-o", out.toString(), "--gro-flush-timeout", "-1",
                "--mode", "transport", "--gro"));
    }

    /** FileCodec decrypt --gro: the same file in both modes, every pool slot back exactly once. */
    @Test
    void fileCodecWritesTheSameFileInBothModesWithoutLeaks() throws Exception {
        Path clear = tmp.resolve("clear.pcap");
        Path enc = tmp.resolve("enc.pcap");
        List<byte[]> frames = encryptedFlows(clear, enc, 2, 4, 3000, 9);
        Path[] out = new Path[2];
        for (GroConfig.Merge m : GroConfig.Merge.values()) {
            out[m.ordinal()] = tmp.resolve("dec-" + m + ".pcap");
            try (FileCodec codec = decrypt(enc, out[m.ordinal()], m)) {
                assertEquals(0, codec.slotsInUse(), m + ": leaked slots");
                assertEquals(0, codec.doubleFrees(), m + ": double frees");
                assertEquals(frames.size(), codec.groCounters.superPackets);
            }
        }
        assertArrayEquals(Files.readAllBytes(out[1]), Files.readAllBytes(out[0]));
        List<TestPcap.Rec> recs = TestPcap.read(out[0]);
        assertEquals(frames.size(), recs.size());
        for (int i = 0; i < frames.size(); i++) {
            assertArrayEquals(frames.get(i), recs.get(i).data(), "super-packet " + i);
        }
        // and through the command line: --gro-merge copy and the default (chain) write the same file
        Path viaCopy = tmp.resolve("cli-copy.pcap");
        Path viaChain = tmp.resolve("cli-chain.pcap");
        String cfg = TestVectors.googlePsp().resolve("cfg/decrypt.cfg").toString();
        assertEquals(0, cli("decrypt", "-c", cfg, "-i", enc.toString(), "-o", viaCopy.toString(), "--mode", "tunnel",
                "--gro", "--gro-merge", "copy"));
        assertEquals(0, cli("decrypt", "-c", cfg, "-i", enc.toString(), "-o", viaChain.toString(), "--mode", "tunnel",
                "--gro"));
        assertArrayEquals(Files.readAllBytes(viaCopy), Files.readAllBytes(viaChain));
        assertEquals(2, cli("decrypt", "-c", cfg, "-i", enc.toString(), "-o", viaChain.toString(), "--gro-merge", "zero"));
    }

    /**
     * More interleaved flows than the codec's chain slots can hold: held chains are flushed early
     * (flush-explicit) instead of running the pool dry; nothing leaks, every record is a valid TCP
     * packet, and the payload of each flow comes out whole and in order.
     */
    @Test
    void fileCodecUnderChainPressureFlushesAndDoesNotLeak() throws Exception {
        Path clear = tmp.resolve("clear.pcap");
        Path enc = tmp.resolve("enc.pcap");
        int nflows = 24; // within the 32 flows held, so no eviction: only the pool runs short
        List<byte[]> frames = encryptedFlows(clear, enc, nflows, 1, 20_000, 10);
        // interleave the segments of the flows: re-read the encrypted records and deal them round-robin
        List<TestPcap.Rec> sealed = TestPcap.read(enc);
        Path mixed = tmp.resolve("mixed.pcap");
        List<List<TestPcap.Rec>> perFrame = new ArrayList<>();
        int at = 0;
        for (byte[] f : frames) {
            int segs = (TcpFrames.layout(f).payLen() + 1447) / 1448;
            perFrame.add(sealed.subList(at, at + segs));
            at += segs;
        }
        assertEquals(sealed.size(), at);
        try (PcapWriter w = PcapWriter.create(mixed, 262144, 1, false)) {
            int maxSegs = 0;
            for (List<TestPcap.Rec> l : perFrame) {
                maxSegs = Math.max(maxSegs, l.size());
            }
            for (int s = 0; s < maxSegs; s++) {
                for (List<TestPcap.Rec> l : perFrame) {
                    if (s < l.size()) {
                        byte[] d = l.get(s).data();
                        w.write(MemorySegment.ofArray(d), 0, d.length, 1, 0);
                    }
                }
            }
        }
        Path out = tmp.resolve("dec.pcap");
        try (FileCodec codec = decrypt(mixed, out, GroConfig.Merge.CHAIN)) {
            assertEquals(0, codec.slotsInUse());
            assertEquals(0, codec.doubleFrees());
            assertTrue(codec.groCounters.flushExplicit > 1, "pressure flushes: " + codec.groCounters);
        }
        // each flow's payload, concatenated over its records in order, equals what it sent
        java.util.Map<Integer, java.io.ByteArrayOutputStream> got = new java.util.HashMap<>();
        for (TestPcap.Rec rec : TestPcap.read(out)) {
            byte[] d = rec.data();
            assertTrue(TcpFrames.tcpChecksumValid(d));
            TcpFrames.Layout l = TcpFrames.layout(d);
            int key = l.ipVersion() * 1000 + (d[l.l3() + (l.ipVersion() == 4 ? 15 : 23)] & 0xff);
            got.computeIfAbsent(key, x -> new java.io.ByteArrayOutputStream()).write(d, l.l4() + l.thLen(),
                    l.ipEnd() - l.l4() - l.thLen());
        }
        java.util.Map<Integer, java.io.ByteArrayOutputStream> want = new java.util.HashMap<>();
        for (byte[] f : frames) {
            TcpFrames.Layout l = TcpFrames.layout(f);
            int key = l.ipVersion() * 1000 + (f[l.l3() + (l.ipVersion() == 4 ? 15 : 23)] & 0xff);
            want.computeIfAbsent(key, x -> new java.io.ByteArrayOutputStream()).write(f, l.l4() + l.thLen(),
                    l.ipEnd() - l.l4() - l.thLen());
        }
        assertEquals(want.keySet(), got.keySet());
        for (Integer k : want.keySet()) {
            assertArrayEquals(want.get(k).toByteArray(), got.get(k).toByteArray(), "flow " + k);
        }
    }
}
