package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.report.Json;
import dev.psp.engine.report.ResultsIO;
import dev.psp.engine.report.Stats;
import dev.psp.engine.wire.PacketHeaders;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The engine of {@code psp bench}, in the spirit of dpdk-test-crypto-perf: per packet size, N
 * worker threads, each with its own AEAD engine, encoder/decoder, counters and pre-built ring of
 * packet buffers (no shared writes), run whole bursts for a fixed time after a warmup. Time is
 * {@link System#nanoTime} around whole bursts; every burst restores its packets from templates
 * first (the codec works in place), in the PSP workload and in the raw baselines alike.
 *
 * <p>Reported: Mpps (sum over workers of each worker's packets / its measured time), Gbit/s of L4
 * payload bits only ({@code size * 8 * pps}), ns/packet per worker, per-second Mpps samples. At
 * the end each worker's tallies are checked against the codec counters (in = out + counted
 * drops); failed packets are reported and make the exit code 1. Bad arguments: one error line,
 * exit code 2.
 */
public final class LineRateHarness {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    private static final long SAMPLE_NANOS = 1_000_000_000L;

    /**
     * PSP_GRO: the PSP workload with GRO after the open ({@code --gro}); PSP_TSO: TSO of super-packets
     * ({@code --tso-mss}), against which PSP seals the same segments pre-cut.
     */
    enum Kind { PSP, PSP_GRO, PSP_TSO, RAW_AEAD, RAW_JDK, KEY_OPS }

    private record Run(Kind kind, AeadBackend backend) {}

    /** One measured configuration; {@code latency} is null in throughput runs. */
    record Result(String mode, String backend, int version, double size, boolean imix, int workers, int burst,
                  int keyCache, double mpps, double gbps, double nsPerPacket, long packets, long failed,
                  double seconds, double[] samples, Map<String, Long> drops, String problem,
                  LatencyBench.Measured latency, double segmentsPerPacket) {

        Result(String mode, String backend, int version, double size, boolean imix, int workers, int burst,
               int keyCache, double mpps, double gbps, double nsPerPacket, long packets, long failed,
               double seconds, double[] samples, Map<String, Long> drops, String problem,
               LatencyBench.Measured latency) {
            this(mode, backend, version, size, imix, workers, burst, keyCache, mpps, gbps, nsPerPacket, packets, failed,
                    seconds, samples, drops, problem, latency, Double.NaN);
        }

        Result(String mode, String backend, int version, double size, boolean imix, int workers, int burst,
               int keyCache, double mpps, double gbps, double nsPerPacket, long packets, long failed,
               double seconds, double[] samples, Map<String, Long> drops, String problem) {
            this(mode, backend, version, size, imix, workers, burst, keyCache, mpps, gbps, nsPerPacket, packets, failed,
                    seconds, samples, drops, problem, null);
        }
    }

    /** {@code start} / {@code end}: the measured window's System.nanoTime bounds. */
    private record WorkerStats(long in, long out, long payloadBytes, long nanos, long start, long end, long groOut,
                               long[] samples, Map<String, Long> drops, String mismatch, String error) {}

    private LineRateHarness() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs {@code psp bench} with {@code args}; returns the exit code (0 ok, 1 failures, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (BenchOptions.BadOption e) {
            err.println("psp bench: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (o.help) {
            out.print(BenchOptions.USAGE);
            return EXIT_OK;
        }
        List<Run> kinds = new ArrayList<>();
        AeadBackend backend = null;
        if (o.mode.keyOps()) {
            kinds.add(new Run(Kind.KEY_OPS, null));
        } else if (o.backend.equals(BenchOptions.RAW_JDK)) {
            kinds.add(new Run(Kind.RAW_JDK, null));
        } else {
            backend = AeadBackends.byName(o.backend);
            if (backend == null) {
                List<String> names = new ArrayList<>();
                AeadBackends.all().forEach(b -> names.add(b.name()));
                err.println("psp bench: unknown backend '" + o.backend + "' (known: best, " + String.join(", ", names)
                        + ", " + BenchOptions.RAW_JDK + ")");
                return EXIT_USAGE;
            }
            if (!backend.isAvailable()) {
                err.println("psp bench: backend '" + backend.name() + "' is unavailable: " + backend.unavailabilityCause());
                return EXIT_USAGE;
            }
            if (o.gro) {
                kinds.add(new Run(Kind.PSP_GRO, backend));
            }
            if (o.tsoMss != 0) {
                kinds.add(new Run(Kind.PSP_TSO, backend));
            }
            kinds.add(new Run(Kind.PSP, backend));
            if (o.allBaselines) {
                for (AeadBackend b : AeadBackends.all()) {
                    if (b.isAvailable()) {
                        kinds.add(new Run(Kind.RAW_AEAD, b));
                    }
                }
                kinds.add(new Run(Kind.RAW_JDK, null));
            } else if (o.baseline) {
                kinds.add(new Run(Kind.RAW_AEAD, backend));
                kinds.add(new Run(Kind.RAW_JDK, null));
            }
        }

        TrafficGenerator shape = new TrafficGenerator(o.seed, o.flows, o.ipVersion,
                o.tcp ? PacketHeaders.PROTO_TCP : PacketHeaders.PROTO_UDP);
        List<int[]> loads = new ArrayList<>();
        if (o.mode.keyOps()) {
            loads.add(new int[] {0});
        } else if (o.imix) {
            loads.add(shape.imixPayloadSizes(Math.max(o.ring, TrafficGenerator.IMIX_CYCLE)));
        } else {
            for (int s : o.sizes) {
                loads.add(new int[] {s});
            }
        }

        if (o.latency) {
            if (o.csv) {
                out.println(LatencyBench.CSV_HEADER);
            } else if (!o.json) {
                LatencyBench.printHeader(o, backend, out);
            }
        } else if (!o.json && !o.csv) {
            out.printf(Locale.ROOT, "# psp bench: %s, %s, transport, IPv%d/%s, %d flows, burst %d, %d worker(s), "
                            + "%.3g s per size after %.3g s warmup, key cache %d%n",
                    kinds.get(0).kind == Kind.RAW_JDK ? BenchOptions.RAW_JDK
                            : "backend " + backendName(kinds.get(0).kind, backend), PspHeader.versionName(o.version),
                    o.ipVersion, o.tcp ? "TCP" : "UDP", o.flows, o.burst, o.workers, o.duration, o.warmup, o.keyCache);
            if (o.gro) {
                out.println("# --gro: TCP streams, each flow in runs of " + o.burst + " in-order segments; decrypt-gro and "
                        + "decrypt-gro-off both verify inner checksums, decrypt-gro adds GRO (chained merges, flushed per burst); "
                        + "Mpps = segments/s");
            }
            if (o.tsoMss != 0) {
                out.println("# --tso-mss " + o.tsoMss + ": each size is one TCP super-packet's payload, cut into "
                        + "ceil(size/" + o.tsoMss + ") segments; encrypt-tso: TSO seals them from the restored super-packet; "
                        + "encrypt-tso-off: the same segments restored and sealed as a burst; both compute inner checksums; "
                        + "Mpps = segments/s");
            }
            out.println("# size = L4 payload bytes per packet; Gbit/s = size*8*pps (payload bits only); "
                    + "Mpps = all workers' packets over the wall time from the first start to the last end; ns/pkt = one worker's time per packet");
            out.printf(Locale.ROOT, "%-15s %-12s %3s %7s %7s %9s %9s %9s %12s %7s%n",
                    "mode", "backend", "ver", "size", "workers", "Mpps", "Gbit/s", "ns/pkt", "packets", "failed");
        } else if (o.csv) {
            out.println("mode,backend,version,size,traffic,workers,burst,keyCache,mpps,gbps,nsPerPacket,packets,failed,seconds");
        }

        List<Result> results = new ArrayList<>();
        for (int[] payloads : loads) {
            if (o.rounds > 1) {
                List<Result> rs = measureInterleaved(kinds, o, payloads);
                for (Result r : rs) {
                    results.add(r);
                    if (o.csv) {
                        out.println(csv(r));
                    } else if (!o.json) {
                        out.println(row(r));
                    }
                }
                if (!o.csv && !o.json) {
                    for (int i = 1; i < rs.size(); i++) {
                        out.println(ratioLine(rs.get(0), rs.get(i)));
                    }
                    groLines(rs, out);
                }
                out.flush();
                continue;
            }
            for (Run k : kinds) {
                Result r = o.latency ? LatencyBench.measure(o, k.backend, payloads)
                        : measure(k.kind, o, k.backend, payloads);
                results.add(r);
                if (o.csv) {
                    out.println(r.latency != null ? LatencyBench.csv(r, sizeText(r)) : csv(r));
                } else if (!o.json) {
                    out.println(r.latency != null ? LatencyBench.row(r, sizeLabel(r)) : row(r));
                }
                out.flush();
            }
            if (!o.csv && !o.json && !o.latency) {
                groLines(results.subList(results.size() - kinds.size(), results.size()), out);
            }
        }
        if (o.json) {
            out.println(json(args, o.mode, results));
        }

        int code = EXIT_OK;
        for (Result r : results) {
            if (r.failed != 0 || r.problem != null) {
                err.println("psp bench: " + r.mode + " " + r.backend + " size " + sizeLabel(r) + ": "
                        + (r.failed != 0 ? r.failed + " packets failed " + r.drops : "")
                        + (r.problem != null ? (r.failed != 0 ? "; " : "") + r.problem : ""));
                code = EXIT_FAILED;
            }
        }
        return code;
    }

    private static Result measure(Kind kind, BenchOptions o, AeadBackend backend, int[] payloads) {
        int n = o.workers;
        long durationNanos = Math.max(1, (long) (o.duration * 1e9));
        long warmupNanos = (long) (o.warmup * 1e9);
        int nSamples = (int) Math.max(1, (durationNanos + SAMPLE_NANOS - 1) / SAMPLE_NANOS);
        CyclicBarrier start = new CyclicBarrier(n);
        WorkerStats[] stats = new WorkerStats[n];
        runWorkers(n, id -> stats[id] = work(kind, o, backend, payloads, o.seed + 7919L * id, start, warmupNanos,
                durationNanos, nSamples));

        Row row = new Row();
        double[] samples = new double[nSamples];
        Map<String, Long> drops = new LinkedHashMap<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int w = 0; w < n; w++) {
            WorkerStats s = stats[w];
            if (s == null || s.error != null) {
                row.problem(w, false, s == null ? "did not finish" : s.error);
                continue;
            }
            row.add(s.in, s.out, s.payloadBytes, s.nanos);
            first = Math.min(first, s.start);
            last = Math.max(last, s.end);
            row.groOut += s.groOut;
            for (int i = 0; i < nSamples; i++) {
                samples[i] += s.samples[i];
            }
            s.drops.forEach((k, v) -> drops.merge(k, v, Long::sum));
            if (s.mismatch != null) {
                row.problem(w, true, s.mismatch);
            }
        }
        for (int i = 0; i < nSamples; i++) {
            double len = Math.min(SAMPLE_NANOS, row.maxNanos - (long) i * SAMPLE_NANOS) / 1e9;
            samples[i] = len > 0 ? samples[i] / len / 1e6 : 0;
        }
        if (last > first) {
            row.window(last - first);
        }
        return row.result(kind, backend, o, payloads, samples, drops);
    }

    /** Starts {@code n} worker threads running {@code body} with their index and waits for them. */
    private static void runWorkers(int n, java.util.function.IntConsumer body) {
        Thread[] threads = new Thread[n];
        for (int w = 0; w < n; w++) {
            final int id = w;
            threads[w] = new Thread(() -> body.accept(id), "psp-bench-" + w);
            threads[w].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code # size 1400: decrypt-gro shim-ipsecmb: 32.00 segments per delivered packet}, for the GRO rows of one size. */
    private static void groLines(List<Result> rs, PrintStream out) {
        for (Result r : rs) {
            if (!Double.isNaN(r.segmentsPerPacket)) {
                out.printf(Locale.ROOT, "# size %s: %s %s: %.2f segments per delivered packet%n",
                        sizeLabel(r), r.mode, r.backend, r.segmentsPerPacket);
            }
        }
    }

    /** One row's totals over its workers: packets over the wall-time window, ns/packet averaged, problems listed. */
    static final class Row {
        long payloadSum;
        /** Wall time from the first worker's start to the last one's end (0: no worker measured). */
        long windowNanos;
        double nsSum;
        long packets;
        long failed;
        long maxNanos;
        /** Packets GRO delivered (PSP_GRO rows), for segments per delivered packet. */
        long groOut;
        int okWorkers;
        final StringBuilder problem = new StringBuilder();

        /** A worker's packets in and delivered, payload bytes delivered, and measured time. */
        void add(long in, long out, long payloadBytes, long nanos) {
            okWorkers++;
            nsSum += out == 0 ? Double.NaN : nanos / (double) out;
            packets += out;
            payloadSum += payloadBytes;
            failed += in - out;
            maxNanos = Math.max(maxNanos, nanos);
        }

        /**
         * The rows' rates become totals over this wall-time window: with more workers than cores, or
         * starts spread by the scheduler, workers' windows do not coincide and summing each worker's
         * own rate counts the same CPU time more than once.
         */
        void window(long nanos) {
            windowNanos = nanos;
        }

        /** "worker N: what" ({@code counters} false) or "worker N counters: what". */
        void problem(int worker, boolean counters, String what) {
            problem.append(problem.isEmpty() ? "" : "; ").append("worker ").append(worker)
                    .append(counters ? " counters: " : ": ").append(what);
        }

        Result result(Kind kind, AeadBackend backend, BenchOptions o, int[] payloads, double[] samples,
                      Map<String, Long> drops) {
            double meanPayload = 0;
            for (int p : payloads) {
                meanPayload += p;
            }
            meanPayload /= payloads.length;
            String mode = switch (kind) {
                // TCP streams, verifying / TCP segments with checksums: neither is the plain workload
                case PSP -> o.mode.label() + (o.gro ? "-gro-off" : o.tsoMss != 0 ? "-tso-off" : "");
                case PSP_TSO -> o.mode.label() + "-tso";
                case KEY_OPS -> o.mode.label();
                case PSP_GRO -> o.mode.label() + "-gro";
                case RAW_AEAD, RAW_JDK -> "raw-" + o.mode.label();
            };
            double segmentsPerPacket = kind != Kind.PSP_GRO ? Double.NaN : groOut == 0 ? Double.NaN : packets / (double) groOut;
            double seconds = windowNanos / 1e9;
            double mpps = windowNanos > 0 ? packets / seconds / 1e6 : 0;
            double gbps = windowNanos > 0 ? payloadSum * 8.0 / seconds / 1e9 : 0;
            return new Result(mode, backendName(kind, backend), o.version, meanPayload, o.imix, o.workers, o.burst,
                    o.keyCache, mpps, gbps, okWorkers == 0 ? Double.NaN : nsSum / okWorkers, packets, failed,
                    seconds, samples, drops, problem.isEmpty() ? null : problem.toString(), null,
                    segmentsPerPacket);
        }
    }

    /** The workload of one run for one worker. */
    private static Workload newWorkload(Kind kind, BenchOptions o, AeadBackend backend, int[] payloads, long seed) {
        return switch (kind) {
            case PSP -> o.tsoMss != 0 ? new TsoWorkload(o, backend, payloads, seed, false)
                    : new PspWorkload(o, backend, payloads, seed);
            case PSP_TSO -> new TsoWorkload(o, backend, payloads, seed, true);
            case PSP_GRO -> new PspWorkload(o, backend, payloads, seed, true);
            case RAW_AEAD -> new RawAeadWorkload(o, backend, payloads, seed);
            case RAW_JDK -> new RawJdkWorkload(o, payloads, seed);
            case KEY_OPS -> new KeyOpsWorkload(o, seed);
        };
    }

    /**
     * {@code --rounds}: every worker thread builds one workload per run (PSP and its baselines),
     * warms each up, then runs them in turns, {@code rounds} slices of {@code duration / rounds}
     * each, all workers on the same run at once (a barrier per slice). A row's totals are its
     * slices' sums; its samples are the per-slice Mpps (for the JSON confidence interval).
     */
    private static List<Result> measureInterleaved(List<Run> runs, BenchOptions o, int[] payloads) {
        int n = o.workers;
        int m = runs.size();
        int rounds = o.rounds;
        long slice = Math.max(1, (long) (o.duration * 1e9 / rounds));
        long warmupNanos = (long) (o.warmup * 1e9);
        CyclicBarrier turn = new CyclicBarrier(n);
        // [worker][run]: totals; [worker][run][round]: delivered and nanos per slice
        long[][][] tally = new long[n][m][5];
        long[][][] sliceOut = new long[n][m][rounds];
        long[][][] sliceStart = new long[n][m][rounds];
        long[][][] sliceEnd = new long[n][m][rounds];
        String[] error = new String[n];
        String[][] mismatch = new String[n][m];
        List<Map<String, Long>> drops = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            drops.add(new LinkedHashMap<>());
        }
        runWorkers(n, id -> error[id] = interleave(runs, o, payloads, o.seed + 7919L * id, turn, warmupNanos, slice,
                tally[id], sliceOut[id], sliceStart[id], sliceEnd[id], mismatch[id], drops));
        List<Result> results = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            Run run = runs.get(r);
            Row row = new Row();
            double[] samples = new double[rounds];
            long[] first = new long[rounds];
            long[] last = new long[rounds];
            java.util.Arrays.fill(first, Long.MAX_VALUE);
            java.util.Arrays.fill(last, Long.MIN_VALUE);
            for (int w = 0; w < n; w++) {
                if (error[w] != null) {
                    row.problem(w, false, error[w]);
                    continue;
                }
                long[] t = tally[w][r]; // in, out, payload bytes, nanos, GRO packets out
                row.add(t[0], t[1], t[2], t[3]);
                row.groOut += t[4];
                for (int k = 0; k < rounds; k++) {
                    samples[k] += sliceOut[w][r][k];
                    first[k] = Math.min(first[k], sliceStart[w][r][k]);
                    last[k] = Math.max(last[k], sliceEnd[w][r][k]);
                }
                if (mismatch[w][r] != null) {
                    row.problem(w, true, mismatch[w][r]);
                }
            }
            long window = 0;
            for (int k = 0; k < rounds; k++) { // a slice's rate: its packets over its wall time, first start to last end
                long len = last[k] > first[k] ? last[k] - first[k] : 0;
                samples[k] = len == 0 ? 0 : samples[k] / (len / 1e9) / 1e6;
                window += len;
            }
            if (window > 0) {
                row.window(window);
            }
            results.add(row.result(run.kind, run.backend, o, payloads, samples, drops.get(r)));
        }
        return results;
    }

    /** One worker of {@link #measureInterleaved}; returns null, or why it failed. */
    private static String interleave(List<Run> runs, BenchOptions o, int[] payloads, long seed, CyclicBarrier turn,
                                     long warmupNanos, long slice, long[][] tally, long[][] sliceOut, long[][] sliceStart,
                                     long[][] sliceEnd,
                                     String[] mismatch, List<Map<String, Long>> drops) {
        int m = runs.size();
        Workload[] ws = new Workload[m];
        try {
            for (int r = 0; r < m; r++) {
                ws[r] = newWorkload(runs.get(r).kind, o, runs.get(r).backend, payloads, seed);
            }
            for (Workload w : ws) {
                long end = System.nanoTime() + warmupNanos;
                do {
                    w.runBurst();
                } while (System.nanoTime() < end);
            }
            for (int k = 0; k < sliceOut[0].length; k++) {
                for (int r = 0; r < m; r++) {
                    Workload w = ws[r];
                    w.resetCounts();
                    turn.await(60, TimeUnit.SECONDS);
                    long t0 = System.nanoTime();
                    long end = t0 + slice;
                    long now;
                    do {
                        w.runBurst();
                        now = System.nanoTime();
                    } while (now < end);
                    long[] t = tally[r];
                    t[0] += w.packetsIn();
                    t[1] += w.packetsOut();
                    t[2] += w.payloadBytesOut();
                    t[3] += now - t0;
                    t[4] += w.groPacketsOut();
                    sliceOut[r][k] = w.packetsOut();
                    sliceStart[r][k] = t0;
                    sliceEnd[r][k] = now;
                    if (mismatch[r] == null) {
                        mismatch[r] = w.counterMismatch();
                    }
                    Map<String, Long> into = drops.get(r);
                    synchronized (drops) {
                        w.drops().forEach((key, v) -> into.merge(key, v, Long::sum));
                    }
                }
            }
            return null;
        } catch (BrokenBarrierException | TimeoutException e) {
            return "another worker failed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (RuntimeException e) {
            turn.reset(); // release the others
            return e.toString();
        } catch (OutOfMemoryError e) { // packet buffers the options' check let through: a line, not a stack trace
            turn.reset();
            return "out of memory (" + e.getMessage() + "): lower --ring or --workers";
        } finally {
            for (Workload w : ws) {
                if (w != null) {
                    w.close();
                }
            }
        }
    }

    /**
     * {@code # size 64: encrypt shim-ipsecmb / raw-encrypt shim-ipsecmb = 0.873 (median of 10 rounds, 0.84-0.91)}:
     * the first row's Mpps over the other's, per round (the slices ran back to back), and the median.
     */
    private static String ratioLine(Result a, Result b) {
        int k = Math.min(a.samples.length, b.samples.length);
        double[] ratios = new double[k];
        for (int i = 0; i < k; i++) {
            ratios[i] = b.samples[i] == 0 ? Double.NaN : a.samples[i] / b.samples[i];
        }
        java.util.Arrays.sort(ratios);
        double median = k % 2 == 1 ? ratios[k / 2] : (ratios[k / 2 - 1] + ratios[k / 2]) / 2;
        return String.format(Locale.ROOT, "# size %s: %s %s / %s %s = %.3f (median of %d rounds, %.3f-%.3f)",
                sizeLabel(a), a.mode, a.backend, b.mode, b.backend, median, k, ratios[0], ratios[k - 1]);
    }

    /** The backend column: raw-jdk, jdk for the key operations (javax.crypto key derivation), else the backend. */
    private static String backendName(Kind kind, AeadBackend backend) {
        return switch (kind) {
            case RAW_JDK -> BenchOptions.RAW_JDK;
            case KEY_OPS -> "jdk";
            case PSP, PSP_GRO, PSP_TSO, RAW_AEAD -> backend.name();
        };
    }

    private static WorkerStats work(Kind kind, BenchOptions o, AeadBackend backend, int[] payloads, long seed,
                                    CyclicBarrier start, long warmupNanos, long durationNanos, int nSamples) {
        Workload w;
        try {
            w = newWorkload(kind, o, backend, payloads, seed);
        } catch (RuntimeException e) {
            start.reset(); // release the others
            return failed("setup failed: " + e);
        } catch (OutOfMemoryError e) { // packet buffers the options' check let through: a line, not a stack trace
            start.reset();
            return failed("setup failed: out of memory (" + e.getMessage() + "): lower --ring or --workers");
        }
        try (w) {
            if (warmupNanos > 0) {
                long end = System.nanoTime() + warmupNanos;
                do {
                    w.runBurst();
                } while (System.nanoTime() < end);
            }
            w.resetCounts();
            start.await(60, TimeUnit.SECONDS);
            long[] samples = new long[nSamples];
            long t0 = System.nanoTime();
            long end = t0 + durationNanos;
            long now;
            do {
                int ok = w.runBurst();
                now = System.nanoTime();
                int k = (int) ((now - t0) / SAMPLE_NANOS);
                samples[k < nSamples ? k : nSamples - 1] += ok;
            } while (now < end);
            return new WorkerStats(w.packetsIn(), w.packetsOut(), w.payloadBytesOut(), now - t0, t0, now,
                    w.groPacketsOut(), samples, w.drops(), w.counterMismatch(), null);
        } catch (BrokenBarrierException | TimeoutException e) {
            return failed("another worker failed to start");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        } catch (RuntimeException e) {
            start.reset();
            return failed(e.toString());
        }
    }

    private static WorkerStats failed(String why) {
        return new WorkerStats(0, 0, 0, 0, 0, 0, 0, new long[0], Map.of(), null, why);
    }

    private static String sizeLabel(Result r) {
        return r.imix ? "imix" : String.valueOf((long) r.size);
    }

    private static String row(Result r) {
        return String.format(Locale.ROOT, "%-15s %-12s %3d %7s %7d %9.3f %9.3f %9.1f %12d %7d%s",
                r.mode, r.backend, r.version, sizeLabel(r), r.workers, r.mpps, r.gbps, r.nsPerPacket, r.packets,
                r.failed, r.problem == null ? "" : "  ! " + r.problem);
    }

    private static String sizeText(Result r) {
        return r.imix ? String.format(Locale.ROOT, "%.1f", r.size) : sizeLabel(r);
    }

    private static String csv(Result r) {
        return String.format(Locale.ROOT, "%s,%s,%d,%s,%s,%d,%d,%d,%.4f,%.4f,%.2f,%d,%d,%.4f",
                r.mode, r.backend, r.version, sizeText(r),
                r.imix ? "imix" : "fixed", r.workers, r.burst, r.keyCache, r.mpps, r.gbps, r.nsPerPacket, r.packets,
                r.failed, r.seconds);
    }

    /**
     * The psp-results/1 report: every psp-bench/1 member (mode, backend, version, size, traffic, workers, burst,
     * keyCache, mpps, gbps, nsPerPacket, opsPerSec, packets, failed, seconds, samples, drops, problem) plus
     * name (= mode), params (the identifying members as strings, as the psp-bench/1 loader derives them, plus
     * {@code rate} in latency runs), score (mpps, or opsPerSec for the key-operation modes), scoreError and
     * scoreConfidence (99.9% t-interval of the per-second samples, null with fewer than two), unit,
     * higherIsBetter and, in latency runs, latency, offeredRate, achievedRate, missedSchedule, unsent and
     * latencyCount. {@code samples} are in the unit of score (so ops/s for rx-assoc and kdf). {@code mode} is the
     * run's {@code --mode}, shared by all its results.
     */
    static String json(String[] args, BenchOptions.Mode mode, List<Result> results) {
        List<Object> out = new ArrayList<>();
        for (Result r : results) {
            out.add(toJson(r, mode.keyOps()));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", ResultsIO.PSP_RESULTS);
        doc.put("meta", BenchMeta.meta(args).toJson());
        doc.put("results", out);
        return Json.write(doc);
    }

    /** One result, members in report order; fractional numbers with 4 decimals ({@link #decimal4}). */
    private static Map<String, Object> toJson(Result r, boolean ops) {
        LatencyBench.Measured m = r.latency;
        double score = ops ? r.mpps * 1e6 : r.mpps;
        double[] samples = r.samples.clone();
        if (ops) {
            for (int s = 0; s < samples.length; s++) {
                samples[s] *= 1e6;
            }
        }
        double err = samples.length >= 2 && !Double.isNaN(score) ? Stats.halfWidth(samples, ResultsIO.CONFIDENCE)
                : Double.NaN;
        Map<String, String> params = new LinkedHashMap<>();
        params.put("backend", r.backend);
        params.put("version", String.valueOf(r.version));
        params.put("size", r.imix ? paramNumber(r.size) : String.valueOf((long) r.size));
        params.put("traffic", r.imix ? "imix" : "fixed");
        params.put("workers", String.valueOf(r.workers));
        params.put("burst", String.valueOf(r.burst));
        params.put("keyCache", String.valueOf(r.keyCache));
        if (m != null) {
            params.put("rate", paramNumber(m.offeredRate()));
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", r.mode);
        j.put("params", params);
        j.put("score", decimal4(score));
        j.put("scoreError", decimal4(err));
        j.put("scoreConfidence", Double.isNaN(err) || Double.isNaN(score) ? null : decimals4(score - err, score + err));
        j.put("unit", ops ? "ops/s" : "Mpps");
        j.put("higherIsBetter", true);
        if (m != null) {
            Map<String, Object> lat = m.latency().toJson();
            lat.replaceAll((k, v) -> v instanceof Double d ? decimal4(d) : v);
            j.put("latency", lat);
        }
        j.put("mode", r.mode);
        j.put("backend", r.backend);
        j.put("version", r.version);
        j.put("size", r.imix ? decimal4(r.size) : (Object) (long) r.size);
        j.put("traffic", r.imix ? "imix" : "fixed");
        j.put("workers", r.workers);
        j.put("burst", r.burst);
        j.put("keyCache", r.keyCache);
        j.put("mpps", decimal4(r.mpps));
        j.put("gbps", decimal4(r.gbps));
        j.put("nsPerPacket", decimal4(r.nsPerPacket));
        j.put("opsPerSec", decimal4(r.mpps * 1e6));
        j.put("packets", r.packets);
        j.put("failed", r.failed);
        j.put("seconds", decimal4(r.seconds));
        j.put("samples", decimals4(samples));
        j.put("drops", r.drops);
        j.put("problem", r.problem);
        if (!Double.isNaN(r.segmentsPerPacket)) {
            j.put("segmentsPerPacket", decimal4(r.segmentsPerPacket));
        }
        if (m != null) {
            j.put("offeredRate", decimal4(m.offeredRate()));
            j.put("achievedRate", decimal4(m.achievedRate()));
            j.put("missedSchedule", m.missedSchedule());
            j.put("unsent", m.unsent());
            j.put("latencyCount", m.count());
        }
        return j;
    }

    /**
     * {@code v} with 4 decimals ({@code %.4f}, as the report has always written its fractional numbers), or
     * 6 significant digits when that is more (below 1: a latency run at a few hundred pps is ~0.0005 Mpps),
     * trailing zeros dropped, for {@link Json#write}; null (written as null) for NaN and infinities.
     */
    static BigDecimal decimal4(double v) {
        if (!Double.isFinite(v)) {
            return null;
        }
        BigDecimal d = (Math.abs(v) < 1 && v != 0 ? new BigDecimal(v).round(new java.math.MathContext(6))
                : new BigDecimal(String.format(Locale.ROOT, "%.4f", v))).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0) : d;
    }

    private static List<BigDecimal> decimals4(double... v) {
        List<BigDecimal> l = new ArrayList<>(v.length);
        for (double d : v) {
            l.add(decimal4(d));
        }
        return l;
    }

    /** A number as the psp-bench/1 loader turns the written member into a parameter (integral values without ".0"). */
    static String paramNumber(double v) {
        BigDecimal d = decimal4(v);
        return d == null ? "null" : ResultsIO.text(d.doubleValue());
    }
}
