package dev.psp.engine.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Synthetic but plausible psp bench runs for tests and the docs example. */
final class Fixtures {
    private Fixtures() {}

    static final int[] SIZES = {64, 256, 512, 1024, 1500, 4096};
    static final int[] WORKERS = {1, 2, 4};

    /**
     * One run at {@code commit}: encrypt/decrypt x jdk/openssl backends x sizes (1 worker) plus worker scaling at
     * 1024 bytes, five per-second samples each, latency percentiles from an HdrHistogram. {@code factor} scales
     * every score (e.g. 0.8 for a 20% regression).
     */
    static ResultSet run(String commit, String time, long seed, double factor) {
        return run(commit, time, seed, factor, 1.0);
    }

    /** As {@link #run(String, String, long, double)}, the jdk backend's scores further scaled by {@code jdkFactor}. */
    static ResultSet run(String commit, String time, long seed, double factor, double jdkFactor) {
        Random rnd = new Random(seed);
        List<BenchResult> results = new ArrayList<>();
        for (String mode : List.of("encrypt", "decrypt")) {
            for (String backend : List.of("jdk", "openssl")) {
                for (int size : SIZES) {
                    results.add(result(rnd, mode, backend, size, 1, backend.equals("jdk") ? factor * jdkFactor : factor));
                }
                for (int w : WORKERS) {
                    if (w != 1) {
                        results.add(result(rnd, mode, backend, 1024, w, backend.equals("jdk") ? factor * jdkFactor : factor));
                    }
                }
            }
        }
        Map<String, String> backends = new LinkedHashMap<>();
        backends.put("jdk", "Temurin-25");
        backends.put("openssl", "OpenSSL 3.0.17");
        RunMeta meta = new RunMeta(commit, false, time, "bench-01", "AMD EPYC 7B13", List.of("aes", "avx2", "vaes"), 2,
                "Linux 6.1.0", "OpenJDK 64-Bit Server VM 25+36-LTS", backends,
                "psp bench --json --sizes 64,256,512,1024,1500,4096 --workers 1,2,4");
        return new ResultSet(ResultsIO.PSP_RESULTS, commit + ".json", meta, results);
    }

    static BenchResult result(Random rnd, String mode, String backend, int size, int workers, double factor) {
        // Per-packet cost: fixed overhead plus per-byte cost; openssl faster per byte; scaling ~0.9 per worker.
        double nsPerPacket = (backend.equals("jdk") ? 120 : 90) + size * (backend.equals("jdk") ? 0.55 : 0.3)
                + (mode.equals("decrypt") ? 15 : 0);
        double mpps = 1000.0 / nsPerPacket * workers * Math.pow(0.92, workers - 1) * factor;
        double[] samples = new double[5];
        for (int k = 0; k < samples.length; k++) {
            samples[k] = mpps * (1 + 0.01 * rnd.nextGaussian());
        }
        double score = Stats.mean(samples);
        Histogram h = new Histogram(3);
        for (int k = 0; k < 20_000; k++) {
            double v = nsPerPacket / factor * (1 + Math.abs(rnd.nextGaussian()) * 0.2);
            if (rnd.nextInt(1000) == 0) {
                v *= 5 + rnd.nextInt(20);
            }
            h.recordValue(Math.max(1, Math.round(v)));
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("backend", backend);
        params.put("version", "0");
        params.put("size", Integer.toString(size));
        params.put("workers", Integer.toString(workers));
        params.put("burst", "32");
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("mode", mode);
        extra.put("backend", backend);
        extra.put("version", 0);
        extra.put("size", size);
        extra.put("workers", workers);
        extra.put("burst", 32);
        extra.put("mpps", score);
        extra.put("gbps", score * size * 8 / 1000);
        extra.put("nsPerPacket", 1000.0 / score * workers);
        extra.put("packets", (long) (score * 1e6 * 5));
        extra.put("seconds", 5.0);
        return new BenchResult(mode, params, score, Stats.halfWidth(samples, ResultsIO.CONFIDENCE), null, "Mpps", true,
                samples, Latency.of(h, TimeUnit.NANOSECONDS, TimeUnit.NANOSECONDS), extra);
    }

    /** The same run with every score and sample multiplied by {@code factor}. */
    static ResultSet scaled(ResultSet rs, double factor) {
        List<BenchResult> out = new ArrayList<>();
        for (BenchResult r : rs.results()) {
            double[] s = r.samples().clone();
            for (int k = 0; k < s.length; k++) {
                s[k] *= factor;
            }
            out.add(new BenchResult(r.name(), r.params(), r.score() * factor, r.scoreError() * factor, null, r.unit(),
                    r.higherIsBetter(), s, r.latency(), r.extra()));
        }
        return new ResultSet(rs.format(), rs.source(), rs.meta(), out);
    }
}
