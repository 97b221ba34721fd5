package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pipeline.DecryptStage;
import dev.psp.engine.pipeline.EncryptStage;
import dev.psp.engine.pipeline.FlowTelemetry;
import dev.psp.engine.pipeline.Pipeline;
import dev.psp.engine.pipeline.Sink;
import dev.psp.engine.pipeline.Source;
import dev.psp.engine.pipeline.WorkerStage;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.report.Latency;
import dev.psp.engine.wire.PacketHeaders;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code psp bench --latency --rate PPS}: per-packet latency through the real pipeline (paced source thread →
 * Disruptor ring per worker → {@code --workers} PSP workers → output ring → sink thread) at a fixed offered rate.
 *
 * <p><b>Schedule.</b> The source emits packet {@code i} at its intended time {@code t0 + i * 1e9 / rate} (it
 * parks or spins until then) and stamps that intended time into {@link Packet#sendNanos}; when it is behind
 * (pipeline backpressure, an empty pool, descheduling) it emits every packet already due at once, each still
 * carrying its own intended time. The sink records {@code System.nanoTime() - sendNanos} into an HdrHistogram.
 *
 * <p><b>Coordinated omission.</b> The correction is the intended-time stamping itself: a stall delays the
 * source, and every packet that should have left during the stall is charged from when it should have
 * left, not from when the stalled source got round to it. {@code recordValueWithExpectedInterval} is
 * deliberately not used: it back-fills the samples a stalled <i>closed-loop</i> measurer failed to take,
 * and here no sample is missing (every scheduled packet is sent and recorded), so it would count each
 * stall twice.
 *
 * <p><b>Warmup.</b> The first {@code warmup * rate} packets run through the same pipeline but are not
 * recorded: the sink records a packet only when its intended send time is at or after {@code t0 + warmup}
 * (the race-free equivalent of resetting the histogram after the warmup, as the histogram is owned by the
 * sink thread). The measured window is then {@code duration * rate} packets.
 *
 * <p><b>Reported.</b> p50, p90, p99, p99.9, p99.99 and max in microseconds; the offered rate; the achieved
 * rate (measured packets delivered / time from the window's start to the last measured delivery); the
 * measured packets that left the source more than 1 ms after their intended time ({@code missedSchedule},
 * which includes any never sent: if the pipeline is far slower than the offered rate the source gives up
 * at {@code 2 * (warmup + duration) + 1 s} and the unsent rest is reported as {@code unsent}).
 */
public final class LatencyBench {
    /** A packet leaving the source later than this after its intended time missed its schedule. */
    public static final long LATE_NANOS = 1_000_000L;
    /** Largest latency the histogram tracks (larger values are clamped). */
    static final long MAX_TRACKABLE_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long SAMPLE_NANOS = 1_000_000_000L;
    /** The paced source yields while its next packet is further away than this, and spins closer to it. */
    private static final long YIELD_ABOVE_NANOS = 1_000L;
    private static final int TX_SPI_BASE = 0x2000;
    private static final int FLOW_SPI_BASE = 0x1000;
    /** Template frame bytes beyond which {@link #templatePayloads} stops pairing every flow with every size. */
    static final long TEMPLATE_BYTES_CAP = 1L << 30;

    /** The latency part of a result (null in throughput results). */
    record Measured(Latency latency, long count, double offeredRate, double achievedRate, long missedSchedule,
                    long unsent, Histogram histogram) {}

    private LatencyBench() {}

    // ---- output ----

    static void printHeader(BenchOptions o, AeadBackend backend, PrintStream out) {
        out.printf(Locale.ROOT, "# psp bench --latency: backend %s, %s, transport, IPv%d/%s, %d flows, burst %d, "
                        + "%d worker(s), offered %.0f pps, %.3g s per size after %.3g s warmup, key cache %d%n",
                backend.name(), PspHeader.versionName(o.version), o.ipVersion, o.tcp ? "TCP" : "UDP", o.flows, o.burst,
                o.workers, o.rate, o.duration, o.warmup, o.keyCache);
        out.println("# latency = sink time - intended send time (coordinated-omission corrected), microseconds; "
                + "late = packets sent > 1 ms after schedule");
        out.printf(Locale.ROOT, "%-10s %-12s %3s %7s %7s %10s %10s %9s %9s %9s %9s %9s %9s %9s %7s%n",
                "mode", "backend", "ver", "size", "workers", "offered", "achieved", "p50", "p90", "p99", "p99.9",
                "p99.99", "max", "late", "failed");
    }

    static String row(LineRateHarness.Result r, String sizeLabel) {
        Measured m = r.latency();
        double[] v = m.latency().values();
        return String.format(Locale.ROOT, "%-10s %-12s %3d %7s %7d %10.0f %10.0f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9d %7d%s",
                r.mode(), r.backend(), r.version(), sizeLabel, r.workers(), m.offeredRate(), m.achievedRate(), v[0], v[1],
                v[2], v[3], v[4], v[5], m.missedSchedule(), r.failed(), r.problem() == null ? "" : "  ! " + r.problem());
    }

    static final String CSV_HEADER = "mode,backend,version,size,traffic,workers,burst,keyCache,offeredRate,achievedRate,"
            + "p50Us,p90Us,p99Us,p999Us,p9999Us,maxUs,count,missedSchedule,unsent,failed,seconds";

    static String csv(LineRateHarness.Result r, String sizeText) {
        Measured m = r.latency();
        double[] v = m.latency().values();
        return String.format(Locale.ROOT, "%s,%s,%d,%s,%s,%d,%d,%d,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d,%d,%d,%.4f",
                r.mode(), r.backend(), r.version(), sizeText, r.imix() ? "imix" : "fixed", r.workers(), r.burst(),
                r.keyCache(), m.offeredRate(), m.achievedRate(), v[0], v[1], v[2], v[3], v[4], v[5], m.count(),
                m.missedSchedule(), m.unsent(), r.failed(), r.seconds());
    }

    // ---- measurement ----

    /** Each worker's ring: {@code --ring} (at least the burst) rounded up to a power of two, as the Disruptor needs. */
    static int ringSize(BenchOptions o) {
        return Integer.highestOneBit(Math.max(Math.max(o.ring, o.burst), 2) * 2 - 1);
    }

    static int outputRingSize(BenchOptions o) {
        return Math.min(ringSize(o) * 2, 1 << 20);
    }

    /** Pool slots: every worker ring and the output ring full, and a burst in hand at each end. */
    static long poolCapacity(BenchOptions o) {
        int ring = ringSize(o);
        return (long) o.workers * ring + outputRingSize(o) + 2L * Math.min(o.burst, ring);
    }

    /** A pool slot's data room for frames up to {@code maxFrame} bytes: jumbo at least. */
    static int poolDataRoom(int maxFrame) {
        return Math.max(PacketPool.JUMBO_DATA_ROOM, maxFrame + 64);
    }

    /** Runs one size (or the IMIX mix) through the pipeline at {@code o.rate} and returns its result. */
    static LineRateHarness.Result measure(BenchOptions o, AeadBackend backend, int[] payloads) {
        double meanPayload = 0;
        for (int p : payloads) {
            meanPayload += p;
        }
        meanPayload /= payloads.length;
        String mode = o.mode.label();
        try {
            return run(o, backend, payloads, meanPayload);
        } catch (Exception | LinkageError | OutOfMemoryError e) {
            String why = e instanceof OutOfMemoryError
                    ? "out of memory (" + e.getMessage() + "): lower --ring or --workers" : "latency run failed: " + e;
            return new LineRateHarness.Result(mode, backend.name(), o.version, meanPayload, o.imix, o.workers, o.burst,
                    o.keyCache, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, new double[0], Map.of(), why, null);
        }
    }

    private static LineRateHarness.Result run(BenchOptions o, AeadBackend backend, int[] payloads, double meanPayload)
            throws Exception {
        SplittableRandom r = new SplittableRandom(o.seed ^ 0x5eed);
        byte[] mk0 = new byte[32];
        byte[] mk1 = new byte[32];
        r.nextBytes(mk0);
        r.nextBytes(mk1);
        KeyDerivation kdf = new KeyDerivation(mk0, mk1);
        byte[][] frames;
        byte[][] txKeys = new byte[o.workers][];
        try {
            frames = templates(o, backend, payloads, kdf);
            for (int w = 0; w < o.workers; w++) {
                txKeys[w] = kdf.derive(TX_SPI_BASE + w, o.version);
            }
        } finally {
            kdf.destroy();
        }
        int maxFrame = 0;
        for (byte[] f : frames) {
            maxFrame = Math.max(maxFrame, f.length);
        }
        WorkerStage.Factory encrypt = EncryptStage.factory(backend, (engine, w) -> TxSa.builder().spi(TX_SPI_BASE + w)
                .version(o.version).mode(Mode.TRANSPORT).install(engine, MemorySegment.ofArray(txKeys[w]), 0));
        WorkerStage.Factory decrypt = DecryptStage.factory(backend, mk0, mk1, Mode.TRANSPORT, o.keyCache, 1 << o.version);
        WorkerStage.Factory stage = switch (o.mode) {
            case ENCRYPT -> encrypt;
            case DECRYPT -> decrypt;
            default -> (w, burst) -> new RoundTripStage(encrypt.create(w, burst), decrypt.create(w, burst));
        };
        Arrays.fill(mk0, (byte) 0);
        Arrays.fill(mk1, (byte) 0);

        int ring = ringSize(o);
        int outRing = outputRingSize(o);
        int burst = Math.min(o.burst, ring);
        long warmupPackets = Math.round(o.warmup * o.rate);
        long measuredPackets = Math.max(1, Math.round(o.duration * o.rate));
        long deadline = (long) ((2 * (o.warmup + o.duration) + 1) * 1e9);
        PacedSource source = new PacedSource(frames, o.rate, warmupPackets, measuredPackets, deadline);
        LatencySink sink = new LatencySink(source);
        int capacity = (int) poolCapacity(o);
        Pipeline.Stats stats;
        String problem = null;
        try (PacketPool pool = PacketPool.create(capacity, poolDataRoom(maxFrame))) {
            Pipeline p = Pipeline.builder().workers(o.workers).ringSize(ring).outputRingSize(outRing).burst(burst)
                    .pool(pool).source(source).sink(sink).stage(stage).build();
            try {
                p.start();
                p.awaitDrain();
            } catch (IllegalStateException e) {
                problem = "pipeline failed: " + (e.getCause() == null ? e : e.getCause());
            } finally {
                stats = p.stats();
                p.close();
            }
        }
        if (problem == null && !stats.conserved()) {
            problem = "pipeline accounting does not balance: " + stats;
        }
        if (problem == null && stats.sourceSkipped() != 0) {
            problem = stats.sourceSkipped() + " frames did not fit a pool slot";
        }
        long unsent = source.unsent();
        if (unsent > 0) {
            String u = unsent + " measured packets never sent: the pipeline is far below the offered rate";
            problem = problem == null ? u : problem + "; " + u;
        }

        Map<String, Long> drops = PspCounters.reasonMap(stats.dropsByReason());
        Histogram h = sink.histogram;
        long count = h.getTotalCount();
        long span = sink.lastDelivery - source.measureStart();
        double seconds = count == 0 ? 0 : Math.max(span, 1) / 1e9;
        double achieved = count == 0 ? 0 : count / seconds;
        double[] samples = sink.samples(Math.max(1, (long) (o.duration * 1e9)), span);
        Latency lat = count == 0
                ? new Latency(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "us")
                : Latency.of(h, TimeUnit.NANOSECONDS, TimeUnit.MICROSECONDS);
        Measured m = new Measured(lat, count, o.rate, achieved, source.late() + unsent, unsent, h);
        return new LineRateHarness.Result(o.mode.label(), backend.name(), o.version, meanPayload, o.imix, o.workers,
                o.burst, o.keyCache, achieved / 1e6, achieved * meanPayload * 8 / 1e9, Double.NaN, count,
                stats.dropped(), seconds, samples, drops, problem, m);
    }

    /**
     * The frames the source cycles through: packet {@code i} is template {@code i % T}; template {@code t} is
     * flow {@code t % flows} with payload {@link #templatePayloads}{@code [t]}. Cleartext for encrypt and
     * roundtrip; for decrypt sealed with a per-flow SA (SPI {@code 0x1000 + flow}) whose key the workers derive.
     */
    private static byte[][] templates(BenchOptions o, AeadBackend backend, int[] payloads, KeyDerivation kdf) {
        TrafficGenerator gen = new TrafficGenerator(o.seed, o.flows, o.ipVersion,
                o.tcp ? PacketHeaders.PROTO_TCP : PacketHeaders.PROTO_UDP);
        int maxPayload = Arrays.stream(payloads).max().orElse(0);
        int[] sizes = templatePayloads(o.flows, payloads, gen.frameLength(maxPayload), TEMPLATE_BYTES_CAP);
        byte[][] frames = new byte[sizes.length][];
        boolean seal = o.mode == BenchOptions.Mode.DECRYPT;
        try (Arena arena = PacketPool.packetArena(); AeadEngine engine = seal ? backend.newEngine() : null) {
            long headroom = 256;
            MemorySegment seg = arena.allocate(headroom + gen.frameLength(maxPayload) + 256, 64);
            PspEncoder encoder = seal ? new PspEncoder(engine, new PspCounters(), 1) : null;
            TxSa[] sas = new TxSa[o.flows];
            Packet p = new Packet();
            for (int i = 0; i < sizes.length; i++) {
                int flow = i % o.flows;
                int payload = sizes[i];
                int len = gen.write(seg, headroom, payload, flow);
                p.wrap(seg, 0, seg.byteSize(), headroom, len);
                if (seal) {
                    if (sas[flow] == null) {
                        int spi = FLOW_SPI_BASE + flow;
                        sas[flow] = TxSa.builder().spi(spi).version(o.version).mode(Mode.TRANSPORT)
                                .install(engine, MemorySegment.ofArray(kdf.derive(spi, o.version)), 0);
                    }
                    p.sa = sas[flow];
                    int rc = encoder.seal(p);
                    if (rc != 0) {
                        throw new IllegalStateException("setup: sealing a " + payload + "-byte packet failed: "
                                + Reason.of(rc).description);
                    }
                }
                frames[i] = p.toByteArray();
            }
        }
        return frames;
    }

    /**
     * The payload of each template; template {@code t} is flow {@code t % flows}. When the
     * {@code flows * payloads.length} frames of up to {@code maxFrame} bytes fit in {@code capBytes}, one template
     * per (flow, payload entry) pair: template {@code t} carries {@code payloads[(t / flows) % payloads.length]}.
     * Beyond the cap, the smallest multiple of {@code payloads.length} templates that covers every flow, template
     * {@code t} carrying {@code payloads[t % payloads.length]}: every flow is present and every size in its
     * proportion of {@code payloads} (IMIX stays 7:4:1), though not every pair.
     */
    static int[] templatePayloads(int flows, int[] payloads, int maxFrame, long capBytes) {
        int len = payloads.length;
        long pairs = (long) flows * len;
        boolean capped = pairs * maxFrame > capBytes;
        int[] sizes = new int[Math.toIntExact(capped ? (flows + len - 1L) / len * len : pairs)];
        for (int t = 0; t < sizes.length; t++) {
            sizes[t] = payloads[capped ? t % len : (t / flows) % len];
        }
        return sizes;
    }

    /** Encrypt then decrypt in one worker: the decrypt stage derives the worker's transmit key from its SPI. */
    static final class RoundTripStage implements WorkerStage {
        private final WorkerStage enc;
        private final WorkerStage dec;

        RoundTripStage(WorkerStage enc, WorkerStage dec) {
            this.enc = enc;
            this.dec = dec;
        }

        @Override
        public int process(Packet[] pkts, int n) {
            int sealed = enc.process(pkts, n);
            return dec.process(pkts, sealed);
        }

        @Override
        public PspCounters counters() {
            PspCounters c = new PspCounters();
            enc.counters().addTo(c);
            dec.counters().addTo(c);
            return c;
        }

        @Override
        public FlowTelemetry telemetry() {
            return dec.telemetry();
        }

        @Override
        public void close() {
            try {
                enc.close();
            } finally {
                dec.close();
            }
        }
    }

    /**
     * Emits packet {@code i} at {@code t0 + i / rate} (t0 = first poll), stamped with that intended time. Source
     * thread only, except the volatile {@link #measureStart()} and the counters, read after the drain.
     */
    static final class PacedSource implements Source {
        private final byte[][] frames;
        private final double periodNanos;
        private final long warmupPackets;
        private final long count;
        private final long deadlineNanos;
        private volatile long t0;
        private volatile long measureStart = Long.MAX_VALUE;
        private long next;
        private long late;
        private long unsent;

        PacedSource(byte[][] frames, double rate, long warmupPackets, long measuredPackets, long deadlineNanos) {
            this.frames = frames;
            this.periodNanos = 1e9 / rate;
            this.warmupPackets = warmupPackets;
            this.count = warmupPackets + measuredPackets;
            this.deadlineNanos = deadlineNanos;
        }

        long intended(long i) {
            return t0 + (long) (i * periodNanos);
        }

        /** Intended send time of the first measured packet; Long.MAX_VALUE before the first poll. */
        long measureStart() {
            return measureStart;
        }

        /** Measured packets that left more than {@link #LATE_NANOS} after their intended time. */
        long late() {
            return late;
        }

        /** Measured packets never sent (the source gave up at its deadline). */
        long unsent() {
            return unsent;
        }

        @Override
        public int poll(PacketPool pool, Packet[] out, int max) {
            if (next >= count) {
                return END;
            }
            long now = System.nanoTime();
            if (t0 == 0) {
                t0 = now;
                measureStart = intended(warmupPackets);
            }
            if (now - t0 > deadlineNanos) {
                unsent = count - Math.max(next, warmupPackets);
                next = count;
                return END;
            }
            long due = intended(next);
            if (due > now) {
                long wait = due - now;
                if (wait > 300_000) {
                    LockSupport.parkNanos(wait - 250_000); // wake early (timer slack, the pipeline's backoff), spin the rest
                    return 0;
                }
                while ((now = System.nanoTime()) < due) {
                    if (due - now > YIELD_ABOVE_NANOS) {
                        Thread.yield(); // let a worker or the sink have this core (few cores, or shared)
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
            long dueCount = Math.min(count, (long) ((now - t0) / periodNanos) + 1);
            int k = (int) Math.min(max, Math.max(1, dueCount - next));
            k = Source.allocUpTo(pool, out, k);
            if (k == 0) {
                return 0; // pool empty: the packets stay due, their intended times keep counting
            }
            for (int j = 0; j < k; j++) {
                long i = next++;
                Packet p = out[j];
                byte[] f = frames[(int) (i % frames.length)];
                if (f.length > p.limit - p.offset) {
                    throw new IllegalStateException("frame of " + f.length + " bytes does not fit a pool slot");
                }
                MemorySegment.copy(f, 0, p.segment, ValueLayout.JAVA_BYTE, p.offset, f.length);
                p.length = f.length;
                p.sendNanos = intended(i);
                if (i >= warmupPackets && now - p.sendNanos > LATE_NANOS) {
                    late++;
                }
            }
            return k;
        }
    }

    /** Records {@code nanoTime() - sendNanos} of every measured packet delivered. Sink thread only. */
    static final class LatencySink implements Sink {
        final Histogram histogram = new Histogram(MAX_TRACKABLE_NANOS, 3);
        private final PacedSource source;
        private long[] perSecond = new long[4];
        long lastDelivery;

        LatencySink(PacedSource source) {
            this.source = source;
        }

        @Override
        public void deliver(Packet p) {
            long now = System.nanoTime();
            long start = source.measureStart();
            if (p.sendNanos < start) {
                return; // warmup
            }
            histogram.recordValue(Math.min(Math.max(0, now - p.sendNanos), MAX_TRACKABLE_NANOS));
            lastDelivery = now;
            long k = (now - start) / SAMPLE_NANOS;
            if (k >= perSecond.length) {
                perSecond = Arrays.copyOf(perSecond, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(k + 1, 2L * perSecond.length)));
            }
            perSecond[(int) k]++;
        }

        /**
         * Delivered Mpps per second of the measured window, {@code ceil(duration)} samples like the throughput
         * harness: deliveries after the last whole second fall into the last sample, which spans the rest.
         */
        double[] samples(long durationNanos, long spanNanos) {
            if (spanNanos <= 0) {
                return new double[0];
            }
            int n = (int) Math.max(1, (durationNanos + SAMPLE_NANOS - 1) / SAMPLE_NANOS);
            double[] s = new double[n];
            for (int i = 0; i < perSecond.length; i++) {
                s[Math.min(i, n - 1)] += perSecond[i];
            }
            for (int i = 0; i < n; i++) {
                long len = i < n - 1 ? SAMPLE_NANOS : spanNanos - (long) i * SAMPLE_NANOS;
                s[i] = len > 0 ? s[i] / (len / 1e9) / 1e6 : 0;
            }
            return s;
        }
    }
}
