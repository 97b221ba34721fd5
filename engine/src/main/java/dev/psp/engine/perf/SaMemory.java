package dev.psp.engine.perf;

import dev.psp.engine.cli.Args;
import dev.psp.engine.cli.ConfigException;
import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.crypto.Redact;
import dev.psp.engine.device.PspDevice;
import dev.psp.engine.device.RxKeyCache;
import dev.psp.engine.device.RxKeyResolver;
import dev.psp.engine.device.SaTable;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.report.Json;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Security-association memory, measured rather than computed:
 *
 * <ul>
 *   <li><b>tx</b>: bytes per stored transmit SA. A {@link PspDevice} with an SA table of capacity
 *       {@code N} is built and filled with {@code N} transmit-only SAs through
 *       {@link PspDevice#addTxSa}; reported are the retained heap growth (used heap after full GCs,
 *       before vs after, device reachable), the native memory growth (glibc {@code mallinfo2}:
 *       in-use arena bytes + mmapped blocks, which is where {@code Arena.allocate} lands), and the
 *       key slab the table reports ({@code keySlab().byteSize()}), each divided by {@code N}.
 *   <li><b>rx</b>: receive memory as the number of distinct SPIs grows. Two receive paths, each
 *       built once per {@code N}, measured after a first packet (before) and after {@code N}
 *       packets/keys from {@code N} distinct SPIs (after): (1) {@code rx-device}: SPIs allocated by
 *       the device ({@link PspDevice#rxAssoc}) and their keys derived through a
 *       {@link RxKeyResolver} + {@link RxKeyCache} of fixed size; (2) {@code rx-open}: one real
 *       packet per SPI (sealed by a throw-away sender SA), opened by a {@link PspDecoder} whose
 *       {@link RxKeys} cache has a fixed size. The receiver keeps no per-SA state, so the growth
 *       must stay near zero for any N.
 * </ul>
 *
 * Heap numbers come from {@link MemoryMXBean} after repeated {@code System.gc()} (run with the
 * default collector, no {@code -XX:+DisableExplicitGC}); native numbers include whatever else the
 * JVM mallocs meanwhile (JIT, GC), so small deltas are noise of a few hundred KB.
 */
public final class SaMemory {
    /** One measured value, shaped like a JMH/psp-bench result row. */
    public record Row(String name, Map<String, Object> params, double score, String unit) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("params", params);
            m.put("score", LineRateHarness.decimal4(score));
            m.put("unit", unit);
            m.put("higherIsBetter", false);
            return m;
        }
    }

    /** Result of one tx measurement. */
    public record TxResult(int n, long heapBytes, long nativeBytes, long slabBytes, long millis) {
        public double heapPerSa() {
            return (double) heapBytes / n;
        }

        public double nativePerSa() {
            return (double) nativeBytes / n;
        }

        public double slabPerSa() {
            return (double) slabBytes / n;
        }

        /** Heap + off-heap per SA (off-heap: the larger of the malloc delta and the slab). */
        public double totalPerSa() {
            return (heapBytes + Math.max(nativeBytes, slabBytes)) / (double) n;
        }
    }

    /** Result of one rx measurement: retained heap/native before and after N SPIs, and the absolute use after. */
    public record RxResult(String path, int n, long heapBefore, long heapAfter, long nativeBefore, long nativeAfter,
                           long opened, long millis) {
        public long heapGrowth() {
            return heapAfter - heapBefore;
        }

        public long nativeGrowth() {
            return nativeBefore < 0 ? 0 : nativeAfter - nativeBefore;
        }

        public long growth() {
            return heapGrowth() + nativeGrowth();
        }

        /** Whole-process retained heap + native after N (not only the receiver's share). */
        public long retainedAfter() {
            return heapAfter + Math.max(0, nativeAfter);
        }
    }

    private static final MemoryMXBean MEM = ManagementFactory.getMemoryMXBean();
    private static final MethodHandle MALLINFO2;
    private static final StructLayout MALLINFO2_LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("arena"), ValueLayout.JAVA_LONG.withName("ordblks"),
            ValueLayout.JAVA_LONG.withName("smblks"), ValueLayout.JAVA_LONG.withName("hblks"),
            ValueLayout.JAVA_LONG.withName("hblkhd"), ValueLayout.JAVA_LONG.withName("usmblks"),
            ValueLayout.JAVA_LONG.withName("fsmblks"), ValueLayout.JAVA_LONG.withName("uordblks"),
            ValueLayout.JAVA_LONG.withName("fordblks"), ValueLayout.JAVA_LONG.withName("keepcost"));

    static {
        MethodHandle h = null;
        try {
            Linker l = Linker.nativeLinker();
            h = l.defaultLookup().find("mallinfo2")
                    .map(a -> l.downcallHandle(a, FunctionDescriptor.of(MALLINFO2_LAYOUT)))
                    .orElse(null);
        } catch (Throwable t) {
            h = null; // no glibc, or native access denied: native columns read -1
        }
        MALLINFO2 = h;
    }

    private SaMemory() {}

    /** Used heap after full GCs until it stops shrinking (at most 6 rounds). */
    public static long heapUsed() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long u = MEM.getHeapMemoryUsage().getUsed();
            if (u >= best - 4096 && i >= 2) {
                return Math.min(u, best);
            }
            best = Math.min(best, u);
        }
        return best;
    }

    /** Bytes the C heap has handed out (glibc mallinfo2: uordblks + hblkhd), or -1 when unknown. */
    public static long nativeUsed() {
        if (MALLINFO2 == null) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = (MemorySegment) MALLINFO2.invokeExact((SegmentAllocator) a);
            return s.get(ValueLayout.JAVA_LONG, 7 * 8) + s.get(ValueLayout.JAVA_LONG, 4 * 8);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Builds a device with an SA table of capacity {@code n} and adds {@code n} transmit SAs. */
    public static TxResult measureTx(int n) {
        MemorySegment key = MemorySegment.ofArray(new byte[16]);
        long t0 = System.nanoTime();
        long heap0 = heapUsed();
        long nat0 = nativeUsed();
        PspDevice dev = PspDevice.builder().random(new Random(1)).saCapacity(n).build();
        try {
            for (int i = 0; i < n; i++) {
                key.set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                int rc = dev.addTxSa(i + 1, 0, key, 0, 16);
                if (rc < 0) {
                    throw new IllegalStateException("addTxSa " + i + " failed: " + rc);
                }
            }
            if (dev.saTable().size() != n) {
                throw new IllegalStateException("table holds " + dev.saTable().size() + " SAs, expected " + n);
            }
            long heap1 = heapUsed();
            long nat1 = nativeUsed();
            long slab = dev.saTable().keySlab().byteSize();
            java.lang.ref.Reference.reachabilityFence(dev);
            return new TxResult(n, heap1 - heap0, nat0 < 0 || nat1 < 0 ? -1 : nat1 - nat0, slab,
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            dev.close();
        }
    }

    /**
     * Receive path (1): the device allocates {@code n} SPIs (no state kept per SPI) and a resolver +
     * {@code cacheSlots}-entry cache derives each one's key. Returns memory before/after.
     */
    public static RxResult measureRxDevice(int n, int cacheSlots) {
        long t0 = System.nanoTime();
        PspDevice dev = PspDevice.builder().random(new Random(2)).saCapacity(1).build();
        RxKeyResolver resolver = new RxKeyResolver(dev);
        RxKeyCache cache = new RxKeyCache(resolver, cacheSlots);
        Arena arena = Arena.ofConfined();
        MemorySegment senderKey = arena.allocate(32);
        MemorySegment rxKey = arena.allocate(32);
        try {
            long ok = 0;
            // warm: a first SPI through every path, so lazily built state exists before "before"
            ok += resolveOne(dev, cache, senderKey, rxKey);
            long heap0 = heapUsed();
            long nat0 = nativeUsed();
            for (int i = 1; i < n; i++) {
                ok += resolveOne(dev, cache, senderKey, rxKey);
            }
            long heap1 = heapUsed();
            long nat1 = nativeUsed();
            java.lang.ref.Reference.reachabilityFence(cache);
            if (ok != n) {
                throw new IllegalStateException((n - ok) + " of " + n + " receive keys did not match the sender's");
            }
            return new RxResult("rx-device", n, heap0, heap1, nat0, nat1, ok, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            cache.close();
            resolver.close();
            dev.close();
            arena.close();
        }
    }

    private static int resolveOne(PspDevice dev, RxKeyCache cache, MemorySegment senderKey, MemorySegment rxKey) {
        long spi = dev.rxAssoc(0, senderKey, 0);
        if (spi < 0) {
            throw new IllegalStateException("rxAssoc failed: " + spi);
        }
        int len = cache.resolve((int) spi, 0, rxKey, 0);
        if (len != 16) {
            throw new IllegalStateException("resolve of SPI " + spi + " failed: " + len);
        }
        return senderKey.asSlice(0, 16).mismatch(rxKey.asSlice(0, 16)) == -1 ? 1 : 0;
    }

    /**
     * Receive path (2): {@code n} packets, each sealed under its own SPI (1..n) by a throw-away
     * sender SA (JDK backend), opened by one decoder of {@code backend} whose key cache has
     * {@code cacheSlots} entries. Returns memory before/after.
     */
    public static RxResult measureRxOpen(int n, String backend, int cacheSlots) {
        long t0 = System.nanoTime();
        byte[] mk0 = new byte[32];
        byte[] mk1 = new byte[32];
        new Random(3).nextBytes(mk0);
        new Random(4).nextBytes(mk1);
        AeadBackend rxBackend = AeadBackends.byName(backend);
        if (rxBackend == null || !rxBackend.isAvailable()) {
            throw new IllegalArgumentException("backend '" + backend + "' unavailable"
                    + (rxBackend == null ? "" : ": " + rxBackend.unavailabilityCause()));
        }
        AeadEngine txEngine = AeadBackends.byName("jdk").newEngine();
        AeadEngine rxEngine = rxBackend.newEngine();
        KeyDerivation txKdf = new KeyDerivation(mk0, mk1);
        KeyDerivation rxKdf = new KeyDerivation(mk0, mk1);
        RxKeys keys = new RxKeys(rxKdf, rxEngine, cacheSlots, 64, 1);
        PspEncoder enc = new PspEncoder(txEngine, new PspCounters());
        PspDecoder dec = new PspDecoder(rxEngine, keys, new PspCounters(), Mode.TRANSPORT);
        Arena arena = Arena.ofConfined();
        int payload = 64;
        MemorySegment template = arena.allocate(256, 64);
        int frameLen = new TrafficGenerator(7, 1).write(template, 0, payload, 0);
        MemorySegment buf = arena.allocate(256 + frameLen + 256, 64);
        MemorySegment key = arena.allocate(32);
        Packet p = new Packet();
        try {
            long ok = openOne(1, enc, dec, txKdf, txEngine, template, frameLen, buf, key, p);
            long heap0 = heapUsed();
            long nat0 = nativeUsed();
            for (int spi = 2; spi <= n; spi++) {
                ok += openOne(spi, enc, dec, txKdf, txEngine, template, frameLen, buf, key, p);
            }
            long heap1 = heapUsed();
            long nat1 = nativeUsed();
            java.lang.ref.Reference.reachabilityFence(dec);
            if (ok != n) {
                throw new IllegalStateException((n - ok) + " of " + n + " packets failed to open: " + dec.counters().reasonMap());
            }
            return new RxResult("rx-open-" + backend, n, heap0, heap1, nat0, nat1, ok, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            keys.close();
            rxEngine.close();
            txEngine.close();
            txKdf.destroy();
            rxKdf.destroy();
            arena.close();
        }
    }

    private static int openOne(int spi, PspEncoder enc, PspDecoder dec, KeyDerivation txKdf, AeadEngine txEngine,
                               MemorySegment template, int frameLen, MemorySegment buf, MemorySegment key, Packet p) {
        int len = txKdf.derive(spi, 0, key, 0);
        TxSa sa = TxSa.builder().spi(spi).version(0).install(txEngine, key, 0);
        MemorySegment.copy(template, 0, buf, 256, frameLen);
        p.wrap(buf, 0, buf.byteSize(), 256, frameLen).sa = sa;
        if (enc.seal(p) != 0) {
            throw new IllegalStateException("seal under SPI " + spi + " failed: " + enc.counters().reasonMap());
        }
        sa.key.destroy();
        key.asSlice(0, len).fill((byte) 0);
        p.sa = null;
        return dec.open(p) == 0 && p.spi == spi ? 1 : 0;
    }

    /** Runs the measurements; returns the rows (also printed). */
    public static List<Row> measure(int[] sizes, int cacheSlots, String backend, boolean json, PrintStream out) {
        List<Row> rows = new ArrayList<>();
        List<TxResult> tx = new ArrayList<>();
        List<RxResult> rx = new ArrayList<>();
        for (int n : sizes) {
            TxResult t = measureTx(n);
            tx.add(t);
            Map<String, Object> p = Map.of("n", n);
            rows.add(new Row("sa-memory.tx.total-per-sa", p, t.totalPerSa(), "B/SA"));
            rows.add(new Row("sa-memory.tx.heap-per-sa", p, t.heapPerSa(), "B/SA"));
            rows.add(new Row("sa-memory.tx.native-per-sa", p, t.nativePerSa(), "B/SA"));
            rows.add(new Row("sa-memory.tx.slab-per-sa", p, t.slabPerSa(), "B/SA"));
        }
        for (int n : sizes) {
            for (RxResult r : new RxResult[] {measureRxDevice(n, cacheSlots), measureRxOpen(n, backend, cacheSlots)}) {
                rx.add(r);
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("n", n);
                p.put("path", r.path());
                p.put("cacheSlots", cacheSlots);
                rows.add(new Row("sa-memory.rx.growth", p, r.growth(), "B"));
                rows.add(new Row("sa-memory.rx.heap-growth", p, r.heapGrowth(), "B"));
                rows.add(new Row("sa-memory.rx.native-growth", p, r.nativeGrowth(), "B"));
                rows.add(new Row("sa-memory.rx.retained-after", p, r.retainedAfter(), "B"));
            }
        }
        if (json) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < rows.size(); i++) {
                Json.write(b.append(i > 0 ? ",\n " : ""), rows.get(i).toJson());
            }
            out.println(b.append("]"));
            return rows;
        }
        out.println("Transmit SAs (PspDevice.addTxSa, SA table capacity = N; design: " + SaTable.BYTES_PER_SA + " B/SA)");
        out.printf(Locale.ROOT, "%10s %12s %12s %12s %12s %12s %8s%n", "N", "heap B/SA", "native B/SA", "slab B/SA",
                "total B/SA", "total MB", "ms");
        for (TxResult t : tx) {
            out.printf(Locale.ROOT, "%10d %12.1f %12.1f %12.1f %12.1f %12.1f %8d%n", t.n(), t.heapPerSa(), t.nativePerSa(),
                    t.slabPerSa(), t.totalPerSa(), t.totalPerSa() * t.n() / 1e6, t.millis());
        }
        out.println();
        out.println("Receive memory vs distinct SPIs (key cache " + cacheSlots + " slots; growth = after N - after 1)");
        out.printf(Locale.ROOT, "%10s %-18s %14s %14s %14s %16s %8s%n", "N", "path", "heap growth", "native growth",
                "total growth", "retained after", "ms");
        for (RxResult r : rx) {
            out.printf(Locale.ROOT, "%10d %-18s %14d %14d %14d %16d %8d%n", r.n(), r.path(), r.heapGrowth(), r.nativeGrowth(),
                    r.growth(), r.retainedAfter(), r.millis());
        }
        return rows;
    }

    static final String USAGE =
            "usage: SaMemory [--max N (1e6; up to 1e7)] [--cache SLOTS (4096)] [--backend jdk|shim-ipsecmb|...] [--json]";

    /** Command line ({@link Args}); returns the exit code (0 ok, 2 bad arguments: one line on {@code err}). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        long max;
        int cacheSlots;
        String backend;
        boolean json;
        try {
            Args a = Args.parse(args, 0, Set.of("--max", "--cache", "--backend"), Set.of("--json", "--help", "-h"));
            if (a.flag("--help") || a.flag("-h")) {
                out.println(USAGE);
                return 0;
            }
            if (!a.positional().isEmpty()) {
                throw new ConfigException("unexpected argument " + Redact.quotedUnlessKeyLike(a.positional().get(0)));
            }
            max = maxSpis(a.get("--max", "1e6"));
            cacheSlots = a.intValue("--cache", 4096, 1, 1 << 30);
            if (Integer.bitCount(cacheSlots) != 1) {
                throw new ConfigException("--cache must be a power of two, got " + cacheSlots);
            }
            backend = a.get("--backend", "jdk");
            json = a.flag("--json");
        } catch (ConfigException e) {
            err.println("SaMemory: " + e.getMessage());
            return 2;
        }
        List<Integer> sizes = new ArrayList<>();
        for (long n = 1000; n <= max; n *= 10) {
            sizes.add((int) n);
        }
        measure(sizes.stream().mapToInt(Integer::intValue).toArray(), cacheSlots, backend, json, out);
        return 0;
    }

    /** {@code --max}: a count such as 1e6, 1e3..1e7. */
    private static long maxSpis(String v) throws ConfigException {
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("--max must be a number in 1e3..1e7, got " + Redact.quotedUnlessKeyLike(v));
        }
        if (!(d >= 1000 && d <= 10_000_000)) {
            throw new ConfigException("--max must be in 1e3..1e7, got " + v);
        }
        return (long) d;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }
}
