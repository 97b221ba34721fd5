package dev.psp.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pcap.PcapReader;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.pool.PoolAssertions;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.device.IvGenerator;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PipelineTest {
    static final byte[] MK0 = new byte[32];
    static final byte[] MK1 = new byte[32];
    static final int SPI = 0x12345678;

    static {
        for (int i = 0; i < 32; i++) {
            MK0[i] = (byte) i;
            MK1[i] = (byte) (32 + i);
        }
    }

    /** One SA key for every worker, one shared (thread-safe) IV source: no nonce repeats across workers. */
    static WorkerStage.Factory encrypt(int cryptOffset) {
        byte[] key = new KeyDerivation(MK0, MK1).derive(SPI, 0);
        IvGenerator iv = new IvGenerator();
        return EncryptStage.factory(AeadBackends.jdk(), (engine, w) -> TxSa.builder().spi(SPI).version(0)
                .mode(Mode.TRANSPORT).cryptOffset(cryptOffset).ivSource(iv).install(engine, MemorySegment.ofArray(key), 0));
    }

    static WorkerStage.Factory decrypt() {
        return DecryptStage.factory(AeadBackends.jdk(), MK0, MK1, Mode.TRANSPORT, 16, 0xf);
    }

    static Pipeline.Builder pipeline(PacketPool pool, Source src, Sink sink, WorkerStage.Factory stage) {
        return Pipeline.builder().workers(2).ringSize(256).outputRingSize(512).burst(32).pool(pool)
                .source(src).sink(sink).stage(stage);
    }

    /** A stage around a real one: a test overrides what it needs, the rest is the real stage's. */
    static class Around implements WorkerStage {
        final WorkerStage real;

        Around(WorkerStage real) {
            this.real = real;
        }

        @Override public int process(dev.psp.engine.psp.Packet[] pkts, int n) { return real.process(pkts, n); }
        @Override public PspCounters counters() { return real.counters(); }
        @Override public FlowTelemetry telemetry() { return real.telemetry(); }
        @Override public void close() { real.close(); }
    }

    /** {@code real}'s stages, each throwing "boom" from every process call. */
    static WorkerStage.Factory alwaysThrows(WorkerStage.Factory real) {
        return (w, burst) -> new Around(real.create(w, burst)) {
            @Override public int process(dev.psp.engine.psp.Packet[] pkts, int n) { throw new IllegalStateException("boom"); }
        };
    }

    /** awaitDrain fails with the stage's exception ({@code message}) as its cause, and close fails too. */
    static void assertDrainAndCloseFail(Pipeline p, String message) {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, p::awaitDrain,
                () -> "drain succeeded with " + p.stats());
        assertEquals(message, e.getCause().getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, p::close);
    }

    record Run(Pipeline.Stats stats, PspCounters counters, FlowTelemetry.Merged telemetry, long[] batches) {}

    static Run run(PacketPool pool, Pipeline.Builder b) throws Exception {
        Pipeline p = b.build().start();
        p.awaitDrain();
        Run r = new Run(p.stats(), p.counters(), p.telemetry(), p.batches());
        p.close();
        PoolAssertions.assertNoLeaks(pool);
        return r;
    }

    /** The generator's flow number, from the start of the payload (after the UDP or TCP header). */
    static int flowOf(byte[] plain) {
        int l4 = plain[14 + 9] == 6 ? 20 : 8;
        return ByteBuffer.wrap(plain, 14 + 20 + l4, 4).getInt();
    }

    /** Every expected (non-truncated) packet came out once, each flow in order, byte for byte. */
    static void assertSameFlowsInOrder(SyntheticSource gen, List<byte[]> out) {
        Map<Integer, List<byte[]>> byFlow = new HashMap<>();
        for (byte[] f : out) {
            byFlow.computeIfAbsent(flowOf(f), x -> new ArrayList<>()).add(f);
        }
        Map<Integer, List<Long>> expected = new HashMap<>();
        for (long i = 0; i < gen.count(); i++) {
            if (!gen.truncated(i)) {
                expected.computeIfAbsent(gen.flowOf(i), x -> new ArrayList<>()).add(i);
            }
        }
        assertEquals(expected.keySet(), byFlow.keySet());
        for (Map.Entry<Integer, List<Long>> e : expected.entrySet()) {
            List<byte[]> got = byFlow.get(e.getKey());
            assertEquals(e.getValue().size(), got.size(), "flow " + e.getKey());
            for (int j = 0; j < got.size(); j++) {
                assertArrayEquals(gen.frame(e.getValue().get(j)), got.get(j), "flow " + e.getKey() + " packet " + j);
            }
        }
    }

    @Test
    void encryptThenDecryptRestoresEveryFlowInOrder() throws Exception {
        SyntheticSource gen = new SyntheticSource(3000, 16, 64, 200, 777, 1514);
        try (PacketPool pool = PacketPool.create(1024, 2048)) {
            CollectingSink cipher = new CollectingSink();
            Run enc = run(pool, pipeline(pool, gen, cipher, encrypt(0)));
            assertEquals(3000, enc.stats().in());
            assertEquals(3000, enc.stats().delivered());
            assertEquals(3000, enc.counters().txPackets);
            assertTrue(enc.batches()[0] > 0 && enc.batches()[1] > 0, "both workers got flows");
            assertEquals(3000, cipher.frames.size());
            for (byte[] f : cipher.frames) {
                assertEquals(1000, Bytes.u16(MemorySegment.ofArray(f), 14 + 20 + 2), "UDP port 1000");
            }

            CollectingSink plain = new CollectingSink();
            SyntheticSource regen = new SyntheticSource(3000, 16, 64, 200, 777, 1514);
            Run dec = run(pool, pipeline(pool, new FrameSource(cipher.frames), plain, decrypt()));
            assertEquals(3000, dec.stats().delivered());
            assertEquals(3000, dec.counters().rxPackets);
            assertEquals(0, dec.stats().dropped());
            assertSameFlowsInOrder(regen, plain.frames);
            assertTrue(plain.closed);
        }
    }

    @Test
    void tcpImixRoundTripWithOneWorkerAndTinyBursts() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 2048)) {
            CollectingSink cipher = new CollectingSink();
            run(pool, pipeline(pool, SyntheticSource.imix(500, 5).tcp(true), cipher, encrypt(0)).workers(1).burst(3));
            CollectingSink plain = new CollectingSink();
            run(pool, pipeline(pool, new FrameSource(cipher.frames), plain, decrypt()).workers(3).burst(5));
            assertSameFlowsInOrder(SyntheticSource.imix(500, 5).tcp(true), plain.frames);
        }
    }

    @Test
    void conservationWithBrokenPacketsCountedByReason() throws Exception {
        SyntheticSource gen = new SyntheticSource(1000, 8, 128, 600).truncateEvery(50);
        try (PacketPool pool = PacketPool.create(256, 2048)) {
            CollectingSink cipher = new CollectingSink();
            Run enc = run(pool, pipeline(pool, gen, cipher, encrypt(0)));
            Pipeline.Stats s = enc.stats();
            assertTrue(s.conserved(), s.toString());
            assertEquals(1000, s.in());
            assertEquals(20, s.dropped());
            assertEquals(20, s.drops(Reason.TX_MALFORMED));
            assertEquals(980, s.delivered());
            assertEquals(20, enc.counters().txError);
            assertEquals(20, cipher.rejected);

            // decrypt input: 980 good, 5 forged (ICV flip), 3 not PSP, 2 cut short
            List<byte[]> in = new ArrayList<>(cipher.frames);
            for (int i = 0; i < 5; i++) {
                byte[] f = in.get(i * 100).clone();
                f[f.length - 1] ^= 1;
                in.add(f);
            }
            for (int i = 0; i < 3; i++) {
                in.add(new SyntheticSource(1, 1, 100).frame(0));
            }
            byte[] c = in.get(7);
            in.add(java.util.Arrays.copyOf(c, 40));
            in.add(java.util.Arrays.copyOf(c, 60));
            CollectingSink plain = new CollectingSink();
            Run dec = run(pool, pipeline(pool, new FrameSource(in), plain, decrypt()));
            Pipeline.Stats d = dec.stats();
            assertTrue(d.conserved(), d.toString());
            assertEquals(990, d.in());
            assertEquals(980, d.delivered());
            assertEquals(3, d.passedThrough());
            assertEquals(7, d.dropped());
            assertEquals(5, d.drops(Reason.RX_AUTH_FAIL));
            assertEquals(2, d.drops(Reason.RX_TRUNCATED) + d.drops(Reason.RX_BAD_IP) + d.drops(Reason.RX_BAD_UDP_LENGTH));
            assertEquals(5, dec.counters().rxAuthFail);
            assertEquals(3, dec.counters().rxPassthrough);
            assertEquals(983, plain.frames.size());
            assertEquals(3, plain.results.stream().filter(r -> r == Reason.NOT_PSP.code()).count());
        }
    }

    @Test
    void passThroughOffDropsNonPspCounted() throws Exception {
        try (PacketPool pool = PacketPool.create(32, 2048)) {
            List<byte[]> in = List.of(new SyntheticSource(1, 1, 100).frame(0), new SyntheticSource(1, 1, 100).frame(0));
            Run r = run(pool, pipeline(pool, new FrameSource(in), new CountingSink(), decrypt()).passThrough(false));
            assertEquals(2, r.stats().drops(Reason.NOT_PSP));
            assertTrue(r.stats().conserved());
        }
    }

    /**
     * A sink that throws on every packet: each is counted once as a sink error (as delivered: it
     * reached the sink), processing goes on, and the sink still gets its end-of-batch hint (it was
     * skipped whenever the batch's last packet threw, so a flushing sink never flushed).
     */
    @Test
    void aThrowingSinkIsCountedAndStillToldWhereBatchesEnd() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 2048)) {
            int[] ends = new int[1];
            Sink broken = new Sink() {
                @Override public void deliver(dev.psp.engine.psp.Packet p) { throw new IllegalStateException("disk gone"); }
                @Override public void endOfBatch() { ends[0]++; }
            };
            Run r = run(pool, pipeline(pool, new SyntheticSource(50, 4, 100), broken, encrypt(0)));
            assertEquals(50, r.stats().in());
            assertEquals(50, r.stats().sinkErrors());
            assertTrue(r.stats().conserved(), r.stats().toString());
            assertTrue(ends[0] >= 1, "endOfBatch never called");
        }
    }

    @Test
    void backpressureWithTinyRingsAndSlowSinkLosesNothing() throws Exception {
        SyntheticSource gen = new SyntheticSource(400, 4, 100, 300);
        try (PacketPool pool = PacketPool.create(24, 1024)) {
            CollectingSink slow = new CollectingSink().slow(50_000);
            Run r = run(pool, pipeline(pool, gen, slow, encrypt(0)).ringSize(8).outputRingSize(8).burst(4));
            assertEquals(400, r.stats().in());
            assertEquals(400, r.stats().delivered());
            assertEquals(400, slow.frames.size());

            CollectingSink plain = new CollectingSink();
            run(pool, pipeline(pool, new FrameSource(slow.frames), plain, decrypt()).ringSize(8).outputRingSize(8).burst(8));
            assertSameFlowsInOrder(new SyntheticSource(400, 4, 100, 300), plain.frames);
        }
    }

    @Test
    void closeDrainsAnEndlessSourceAndFreesEverySlot() throws Exception {
        try (PacketPool pool = PacketPool.create(128, 512)) {
            CollectingSink sink = new CollectingSink();
            Pipeline p = pipeline(pool, new SyntheticSource(Long.MAX_VALUE, 32, 100), sink, encrypt(0)).build().start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.seen < 500 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Set<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
            assertTrue(names.containsAll(Set.of("psp-worker-0", "psp-worker-1", "psp-source", "psp-sink")), names.toString());
            p.close();
            Pipeline.Stats s = p.stats();
            assertTrue(s.in() >= 500);
            assertTrue(s.conserved(), s.toString());
            assertEquals(s.in(), sink.frames.size());
            assertTrue(p.sourceDone());
            PoolAssertions.assertNoLeaks(pool);
            Set<String> after = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
            assertFalse(after.contains("psp-worker-0") || after.contains("psp-sink") || after.contains("psp-source"));
            p.close(); // idempotent
        }
    }

    @Test
    void closeBeforeStartReleasesResources() throws Exception {
        try (PacketPool pool = PacketPool.create(32, 512)) {
            CollectingSink sink = new CollectingSink();
            Pipeline p = pipeline(pool, new SyntheticSource(10, 1, 100), sink, encrypt(0)).build();
            p.close();
            assertTrue(sink.closed);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void telemetryCountsEveryFlowByTheFieldsInTheClear() throws Exception {
        int flows = 12;
        int count = 1200;
        try (PacketPool pool = PacketPool.create(256, 1024)) {
            // crypt offset 1 (4 bytes) leaves the inner ports clear
            CollectingSink cipher = new CollectingSink();
            Run enc = run(pool, pipeline(pool, new SyntheticSource(count, flows, 90, 300), cipher, encrypt(1)));
            FlowTelemetry.Merged et = enc.telemetry();
            assertEquals(flows, et.flowCount());
            assertEquals(count, et.totalPackets());
            assertEquals(enc.stats().deliveredBytes(), et.totalBytes());
            for (FlowTelemetry.FlowStat f : et.all()) {
                assertEquals(FlowTelemetry.Kind.INNER_FLOW_HASH, f.kind());
                assertEquals(SPI, f.spi());
                assertEquals(count / flows, f.packets());
            }

            Run dec = run(pool, pipeline(pool, new FrameSource(cipher.frames), new CountingSink(), decrypt()));
            FlowTelemetry.Merged dt = dec.telemetry();
            assertEquals(flows, dt.flowCount());
            Map<Integer, Long> byPorts = new HashMap<>();
            for (FlowTelemetry.FlowStat f : dt.all()) {
                assertEquals(FlowTelemetry.Kind.INNER_PORTS, f.kind());
                assertEquals(SyntheticSource.DST_PORT, f.value() & 0xffff);
                byPorts.put(f.value() >>> 16, f.packets());
            }
            for (int fl = 0; fl < flows; fl++) {
                assertEquals(count / flows, byPorts.get(1024 + fl), "flow " + fl);
            }
            assertEquals(dec.stats().deliveredBytes(), dt.totalBytes());
            assertEquals(3, dt.top(3).size());
            assertTrue(dt.report(5).contains("ports=1024>9000") || dt.report(flows).contains("ports=1024>9000"));

            // crypt offset 0: the ports are encrypted, flows are told apart by the outer UDP source port
            CollectingSink cipher0 = new CollectingSink();
            run(pool, pipeline(pool, new SyntheticSource(count, flows, 90, 300), cipher0, encrypt(0)));
            Run dec0 = run(pool, pipeline(pool, new FrameSource(cipher0.frames), new CountingSink(), decrypt()));
            Set<Integer> sports = cipher0.frames.stream()
                    .map(f -> Bytes.u16(MemorySegment.ofArray(f), 14 + 20)).collect(Collectors.toSet());
            assertEquals(sports.size(), dec0.telemetry().flowCount());
            for (FlowTelemetry.FlowStat f : dec0.telemetry().all()) {
                assertEquals(FlowTelemetry.Kind.OUTER_SOURCE_PORT, f.kind());
                assertTrue(sports.contains(f.value()));
            }
            assertEquals(count, dec0.telemetry().totalPackets());
        }
    }

    @Test
    void pcapFileInPcapFileOut(@TempDir Path dir) throws Exception {
        SyntheticSource gen = new SyntheticSource(300, 6, 80, 1500);
        Path enc = dir.resolve("enc.pcap");
        Path dec = dir.resolve("dec.pcap");
        try (PacketPool pool = PacketPool.create(128)) {
            PcapSink encSink = PcapSink.create(enc);
            run(pool, pipeline(pool, gen, encSink, encrypt(0)));
            assertEquals(300, encSink.written());
            PcapSink decSink = PcapSink.create(dec);
            Run r = run(pool, pipeline(pool, PcapSource.open(enc), decSink, decrypt()));
            assertEquals(300, r.stats().delivered());
            List<byte[]> out = new ArrayList<>();
            try (PcapReader rd = PcapReader.open(dec)) {
                while (rd.next()) {
                    out.add(rd.segment().asSlice(rd.dataOffset(), rd.capturedLength()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
                assertEquals(null, rd.error());
            }
            assertSameFlowsInOrder(new SyntheticSource(300, 6, 80, 1500), out);
        }
    }

    /** A pcap of ten generated frames (three flows); record {@code partial} (if >= 0) claims 100 bytes more than were captured. */
    static Path tenFrames(Path file, int partial) throws java.io.IOException {
        SyntheticSource gen = new SyntheticSource(10, 3, 100, 300);
        try (dev.psp.engine.pcap.PcapWriter w = dev.psp.engine.pcap.PcapWriter.create(file)) {
            for (int i = 0; i < 10; i++) {
                byte[] f = gen.frame(i);
                w.write(MemorySegment.ofArray(f), 0, f.length, i == partial ? f.length + 100 : f.length, 1, 0);
            }
        }
        return file;
    }

    /** A partial capture (caplen < origlen) cannot be sealed or opened whole: skipped and counted, as psp encrypt|decrypt drop it. */
    @Test
    void partialCaptureRecordsAreSkippedAndCounted(@TempDir Path dir) throws Exception {
        Path f = tenFrames(dir.resolve("partial.pcap"), 3);
        try (PacketPool pool = PacketPool.create(64, 2048)) {
            CollectingSink sink = new CollectingSink();
            Run r = run(pool, pipeline(pool, PcapSource.open(f), sink, encrypt(0)));
            assertEquals(9, r.stats().in(), r.stats().toString());
            assertEquals(9, r.stats().delivered());
            assertEquals(1, r.stats().sourceSkipped());
        }
    }

    @Test
    void pcapRecordCutShortByTheEndOfTheFileIsCounted(@TempDir Path dir) throws Exception {
        Path good = tenFrames(dir.resolve("good.pcap"), -1);
        byte[] file = java.nio.file.Files.readAllBytes(good);
        Path cut = dir.resolve("cut.pcap");
        java.nio.file.Files.write(cut, java.util.Arrays.copyOf(file, file.length - 20)); // the last record loses 20 bytes
        for (int workers : new int[] {1, 3}) {
            try (PacketPool pool = PacketPool.create(64, 2048)) {
                PcapSource src = PcapSource.open(cut);
                Run r = run(pool, pipeline(pool, src, new CountingSink(), encrypt(0)).workers(workers));
                assertTrue(src.error() != null && src.error().contains("exceeds"), src.error());
                assertEquals(9, r.stats().in());
                assertEquals(9, r.stats().delivered());
                // 10 records in the file: 9 went in, the cut one is counted, not lost
                assertEquals(1, r.stats().sourceSkipped(), r.stats().toString());
                assertEquals(10, src.recordsRead());
            }
        }
    }

    @Test
    void aFailingWorkerFailsTheDrainInsteadOfHanging() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 512)) {
            WorkerStage.Factory enc = encrypt(0);
            WorkerStage.Factory broken = alwaysThrows(enc);
            Pipeline p = pipeline(pool, new SyntheticSource(1000, 4, 100), new CountingSink(), broken).build().start();
            assertDrainAndCloseFail(p, "boom");
        }
    }

    @Test
    void aBatchTheStageThrewOnIsNotProcessedAgain() throws Exception {
        try (PacketPool pool = PacketPool.create(256, 512)) {
            WorkerStage.Factory enc = encrypt(0);
            Pipeline[] ref = new Pipeline[1];
            Set<dev.psp.engine.psp.Packet> handed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            List<String> twice = new ArrayList<>();
            WorkerStage.Factory firstFails = (w, burst) -> {
                return new Around(enc.create(w, burst)) {
                    int calls;
                    @Override public int process(dev.psp.engine.psp.Packet[] pkts, int n) {
                        for (int i = 0; i < n; i++) {
                            if (!handed.add(pkts[i])) {
                                twice.add("slot " + pkts[i].slot);
                            }
                        }
                        if (calls++ == 0) {
                            // more packets are queued behind this batch when it fails
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                            while (ref[0].stats().in() < 100 && System.nanoTime() < deadline) {
                                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                            }
                            throw new IllegalStateException("boom");
                        }
                        return real.process(pkts, n);
                    }
                };
            };
            // 200 packets from a pool of 256: no slot is reused, so a packet handed twice was processed twice
            SyntheticSource gen = new SyntheticSource(200, 4, 100);
            Source oneFirst = new Source() { // a first batch of one, shorter than a burst
                boolean first = true;
                @Override public int poll(PacketPool p, dev.psp.engine.psp.Packet[] out, int max) {
                    int k = gen.poll(p, out, first ? 1 : max);
                    first = false;
                    return k;
                }
            };
            ref[0] = pipeline(pool, oneFirst, new CountingSink(), firstFails).workers(1).burst(8).build().start();
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, ref[0]::awaitDrain);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, ref[0]::close);
            assertEquals(List.of(), twice, "packets of the failed batch went through the stage again");
        }
    }

    @Test
    void closeAfterAFailureWaitsForTheSourceBeforeClosingIt() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 512)) {
            SyntheticSource gen = new SyntheticSource(100, 4, 100);
            java.util.concurrent.atomic.AtomicBoolean inPoll = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean closedUnderPoll = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CountDownLatch secondPoll = new java.util.concurrent.CountDownLatch(1);
            Source slow = new Source() { // the second poll takes a while (a slow disk): the worker fails meanwhile
                int polls;
                @Override public int poll(PacketPool p, dev.psp.engine.psp.Packet[] out, int max) {
                    inPoll.set(true);
                    try {
                        if (polls++ == 1) {
                            secondPoll.countDown();
                            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
                        }
                        return gen.poll(p, out, max);
                    } finally {
                        inPoll.set(false);
                    }
                }
                @Override public void close() {
                    closedUnderPoll.compareAndSet(false, inPoll.get());
                }
            };
            WorkerStage.Factory enc = encrypt(0);
            WorkerStage.Factory broken = alwaysThrows(enc);
            Pipeline p = pipeline(pool, slow, new CountingSink(), broken).build().start();
            assertTrue(secondPoll.await(5, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, p::close);
            assertFalse(closedUnderPoll.get(), "the source was closed while its thread was still polling it");
        }
    }

    @Test
    void aFailureInTheLastBatchFailsTheDrain() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 512)) {
            WorkerStage.Factory enc = encrypt(0);
            java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
            WorkerStage.Factory lastFails = (w, burst) -> {
                return new Around(enc.create(w, burst)) {
                    @Override public int process(dev.psp.engine.psp.Packet[] pkts, int n) {
                        if (seen.addAndGet(n) == 100) {
                            // slow enough that awaitDrain is already waiting for this batch
                            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                            throw new IllegalStateException("boom");
                        }
                        return real.process(pkts, n);
                    }
                };
            };
            Pipeline p = pipeline(pool, new SyntheticSource(100, 4, 100), new CountingSink(), lastFails).workers(1).build().start();
            // the failed batch never reaches the sink: the drain must not report success
            assertDrainAndCloseFail(p, "boom");
        }
    }

    @Test
    void aStageThatFailsToCloseFailsTheDrain() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 512)) {
            WorkerStage.Factory enc = encrypt(0);
            WorkerStage.Factory closeFails = (w, burst) -> {
                return new Around(enc.create(w, burst)) {
                    @Override public void close() { real.close(); throw new IllegalStateException("close boom"); }
                };
            };
            Pipeline p = pipeline(pool, new SyntheticSource(100, 4, 100), new CountingSink(), closeFails).build().start();
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, p::awaitDrain);
            assertEquals("close boom", e.getCause().getMessage());
            assertTrue(p.stats().conserved()); // every packet was processed before the workers stopped
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, p::close);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void statsReadWhileRunningNeverShowMoreOutThanIn() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 512)) {
            java.util.concurrent.CountDownLatch sinkSaw = new java.util.concurrent.CountDownLatch(1);
            // the source publishes its first burst, then stalls (as a preempted thread would) until the
            // sink has seen a packet of it
            java.util.function.Supplier<com.lmax.disruptor.WaitStrategy> stallFirstPublish = () -> {
                com.lmax.disruptor.WaitStrategy real = new com.lmax.disruptor.SleepingWaitStrategy();
                return new com.lmax.disruptor.WaitStrategy() {
                    @Override public long waitFor(long seq, com.lmax.disruptor.Sequence cursor, com.lmax.disruptor.Sequence dep,
                                                  com.lmax.disruptor.SequenceBarrier barrier) throws com.lmax.disruptor.AlertException,
                            InterruptedException, com.lmax.disruptor.TimeoutException {
                        return real.waitFor(seq, cursor, dep, barrier);
                    }
                    @Override public void signalAllWhenBlocking() {
                        if (Thread.currentThread().getName().equals("psp-source")) {
                            try {
                                sinkSaw.await(2, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                };
            };
            Pipeline[] ref = new Pipeline[1];
            List<String> torn = new ArrayList<>();
            Sink sink = new Sink() {
                @Override public void deliver(dev.psp.engine.psp.Packet p) {
                    Pipeline.Stats s = ref[0].stats();
                    if (s.in() < s.delivered() + s.passedThrough() + s.dropped()) {
                        torn.add(s.toString());
                    }
                    sinkSaw.countDown();
                }
            };
            ref[0] = pipeline(pool, new SyntheticSource(200, 4, 100), sink, encrypt(0)).waitStrategy(stallFirstPublish).build();
            ref[0].start().awaitDrain();
            assertTrue(ref[0].stats().conserved(), ref[0].stats().toString());
            ref[0].close();
            PoolAssertions.assertNoLeaks(pool);
            assertEquals(List.of(), torn, "in-flight (in - out) went negative");
        }
    }

    @Test
    void rssKeepsAFlowOnOneWorker() {
        for (int h : new int[] {0, 1, -1, Integer.MIN_VALUE, 0x7fffffff, 12345}) {
            int w = Pipeline.workerOf(h, 3);
            assertTrue(w >= 0 && w < 3);
            assertEquals(w, Pipeline.workerOf(h, 3));
        }
    }
}
