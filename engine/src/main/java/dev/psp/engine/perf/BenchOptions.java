package dev.psp.engine.perf;

import dev.psp.engine.cli.Args;
import dev.psp.engine.cli.ConfigException;
import dev.psp.engine.crypto.Redact;
import dev.psp.engine.pool.PacketPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The options of {@code psp bench}, parsed once with {@link Args}; {@link #parse} throws {@link BadOption}
 * naming a bad argument. Sizes are L4 payload bytes per packet. Immutable after parsing.
 */
public final class BenchOptions {
    /** Largest L4 payload accepted: the PSP-encapsulated IPv4 packet must stay within 65535 bytes. */
    public static final int MAX_SIZE = 65000;
    public static final String RAW_JDK = "raw-jdk";

    public enum Mode {
        ENCRYPT, DECRYPT, ROUNDTRIP,
        /** Device SPI allocation with key derivation (issue: keys, SAs and rotation). */
        RX_ASSOC,
        /** Receive key derivation alone (SP 800-108, AES-256-CMAC). */
        KDF;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Key operations, not packets: sizes do not apply; results carry opsPerSec. */
        public boolean keyOps() {
            return this == RX_ASSOC || this == KDF;
        }
    }

    /** A bad command line; the message is one line meant for the user. */
    public static final class BadOption extends Exception {
        private static final long serialVersionUID = 1L;

        public BadOption(String message) {
            super(message, null, false, false);
        }
    }

    public List<Integer> sizes = List.of(64, 512, 1400);
    public boolean imix;
    public int version = 0;
    public int workers = 1;
    public int burst = 32;
    public double duration = 2.0;
    public double warmup = 1.0;
    /**
     * Measured slices per size: the workloads (PSP and baselines) take turns, {@code duration /
     * rounds} seconds each, so a neighbour's load on a shared machine falls on all of them; 1 = one
     * after the other.
     */
    public int rounds = 1;
    public Mode mode = Mode.ENCRYPT;
    public String backend = "best";
    public boolean baseline;
    /** Raw AEAD of every available backend plus raw-jdk, in the same run. */
    public boolean allBaselines;
    public int keyCache = 1024;
    public int flows = 16;
    public int ring = 256;
    public int ipVersion = 4;
    public boolean tcp;
    /**
     * Decrypt only: TCP streams (each flow's segments in runs of {@link #burst}, contiguous sequence
     * numbers, PSH on the last of a run), opened with inner checksum verification, measured with
     * GRO after the open (row {@code decrypt-gro}) and without it (row {@code decrypt-gro-off}: the same
     * traffic and verification, so not comparable with a plain {@code decrypt} row) in the same run.
     */
    public boolean gro;
    /**
     * Encrypt only: each size is one TCP super-packet's payload, sent with TSO at this MSS (row
     * {@code encrypt-tso}) and as the same segments pre-cut (row {@code encrypt-tso-off}); 0 = off.
     */
    public int tsoMss;
    /** Smallest and largest {@code --tso-mss}: TCP's minimum MSS (RFC 9293 lets IPv4 go to 536; Linux to 88) to a jumbo frame's. */
    public static final int MIN_TSO_MSS = 88;
    public static final int MAX_TSO_MSS = 9000;
    public long seed = 1;
    /** Decrypt only: every Nth ring slot carries a corrupted ICV (measures the failure path); 0 = none. */
    public int corruptEvery;
    /** Per-packet pipeline latency at an offered rate ({@link LatencyBench}) instead of throughput. */
    public boolean latency;
    /** Offered packets per second of the paced source; required with {@link #latency}, 0 = unset. */
    public double rate;
    public boolean csv;
    public boolean json;
    public boolean help;

    public static final String USAGE = """
            usage: psp bench [options]
              --sizes LIST|MIN:INC:MAX  L4 payload bytes per packet (default 64,512,1400)
              --imix                    simple IMIX instead: 64/594/1518-byte frames 7:4:1
                                        (not with --sizes)
              --psp-version 0..3        PSP version (default 0: AES-GCM-128)
              --workers N               threads, each with its own engine and ring (default 1)
              --burst N                 packets per burst (default 32)
              --duration SECONDS        measured time per size (default 2; fractions allowed)
              --warmup SECONDS          unmeasured time before each size (default 1)
              --rounds N                interleave: PSP and its baselines take turns, N slices of
                                        duration/N seconds each, totals per row; the table adds
                                        the median per-round ratio to each baseline (default 1:
                                        one after the other)
              --mode encrypt|decrypt|roundtrip   (default encrypt)
              --backend NAME|best|raw-jdk        AEAD backend (default best); raw-jdk = plain
                                        javax.crypto AES-GCM loop, no PSP work
              --baseline                also run raw-jdk and the backend's raw AEAD (no PSP)
              --all-baselines           also run the raw AEAD of every available backend
                                        (shim-ipsecmb, jdk, openssl...) and raw-jdk
              --mode rx-assoc|kdf       key operations instead of packets: SPI allocation with
                                        key derivation (device rx-assoc), or derivation alone;
                                        results carry opsPerSec
              --key-cache N             receive key cache entries, power of two; 0 = derive
                                        the key per packet (default 1024)
              --flows N                 flows (distinct 5-tuples and SPIs) (default 16)
              --ring N                  packet buffers per worker (default 256)
              --ipv6 / --tcp            IPv6 instead of IPv4, TCP instead of UDP
              --gro                     decrypt: TCP streams (each flow in runs of --burst in-order
                                        segments, PSH on the last), opened with inner checksum
                                        verification, then GRO (row decrypt-gro) and without GRO
                                        (row decrypt-gro-off) in the same run; Mpps counts
                                        segments; implies --tcp
              --tso-mss N               encrypt: each size is a TCP super-packet's payload, sent
                                        with TSO at MSS N (row encrypt-tso) and as the same
                                        segments pre-cut, restored and sealed as a burst (row
                                        encrypt-tso-off), both computing inner checksums; a
                                        burst is one super-packet; Mpps counts segments; sizes
                                        must exceed N; implies --tcp (N: 88..9000)
              --seed N                  traffic seed (default 1)
              --corrupt-every N         decrypt: corrupt the ICV of every Nth packet buffer
                                        (auth failures are counted and reported, exit 1)
              --latency                 per-packet latency through the pipeline (source -> ring ->
                                        --workers workers -> output ring -> sink) at a paced
                                        offered rate, HdrHistogram with coordinated-omission
                                        correction: p50..p99.99 and max in microseconds
              --rate PPS                offered packets per second (required with --latency)
              --csv | --json            machine-readable output instead of the table
                                        (--json writes schema psp-results/1)
            """;

    /** The options that take a value ({@code --name VALUE} or {@code --name=VALUE}), and the flags. */
    private static final Set<String> WITH_VALUE = Set.of("--sizes", "--psp-version", "--workers", "--burst",
            "--duration", "--warmup", "--mode", "--backend", "--key-cache", "--flows", "--ring", "--seed",
            "--corrupt-every", "--rate", "--rounds", "--tso-mss");
    private static final Set<String> FLAGS = Set.of("--imix", "--baseline", "--all-baselines", "--ipv6", "--tcp", "--gro",
            "--latency", "--csv", "--json", "-h", "--help");
    /**
     * {@code --corrupt-every N} corrupts every Nth buffer of each worker's ring of templates, reused
     * round after round: exactly 1 in N packets fail only when N divides the ring (with N > ring it
     * was 1 per ring, with 200 on 256 buffers 2 in 256).
     */
    private void checkCorruptShare() throws BadOption {
        int slots = imix ? Math.max(ring, TrafficGenerator.IMIX_CYCLE) : ring;
        if (corruptEvery > 0 && slots % corruptEvery != 0) {
            throw new BadOption("--corrupt-every " + corruptEvery + " must divide the ring of " + slots
                    + " buffers (--ring), which is reused: otherwise the failing share is not 1 in " + corruptEvery);
        }
    }

    /** Fewest measured packets a --latency run accepts (--rate x --duration). */
    static final int MIN_LATENCY_PACKETS = 100;

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Packet options that {@code --mode kdf|rx-assoc} (no packets, no AEAD backend) refuses. */
    private static final List<String> KEY_OPS_IGNORE = List.of("--sizes", "--imix", "--ipv6", "--tcp", "--flows",
            "--baseline", "--all-baselines", "--key-cache", "--backend", "--ring");
    /** The valued options that are not plain bounded ints, checked by {@link #set}. */
    private static final List<String> CHECKED = List.of("--sizes", "--duration", "--warmup", "--mode", "--backend",
            "--rate", "--seed");

    /** Parses {@code args} with {@link Args}; throws BadOption with a one-line message. */
    public static BenchOptions parse(String[] args) throws BadOption {
        BenchOptions o = new BenchOptions();
        boolean sizesGiven;
        try {
            Args a = Args.parse(args, 0, WITH_VALUE, FLAGS);
            if (!a.positional().isEmpty()) {
                throw new BadOption("unexpected argument " + Redact.quotedUnlessKeyLike(a.positional().get(0)) + " (see --help)");
            }
            o.imix = a.flag("--imix");
            o.baseline = a.flag("--baseline");
            o.allBaselines = a.flag("--all-baselines");
            o.ipVersion = a.flag("--ipv6") ? 6 : 4;
            o.tcp = a.flag("--tcp");
            o.gro = a.flag("--gro");
            o.latency = a.flag("--latency");
            o.csv = a.flag("--csv");
            o.json = a.flag("--json");
            o.help = a.flag("-h") || a.flag("--help");
            o.version = a.intValue("--psp-version", o.version, 0, 3);
            o.workers = a.intValue("--workers", o.workers, 1, 1024);
            o.burst = a.intValue("--burst", o.burst, 1, 4096);
            o.keyCache = a.intValue("--key-cache", o.keyCache, 0, 1 << 24);
            o.flows = a.intValue("--flows", o.flows, 1, 65536);
            o.ring = a.intValue("--ring", o.ring, 1, 1 << 20);
            o.corruptEvery = a.intValue("--corrupt-every", o.corruptEvery, 0, 1 << 20);
            o.rounds = a.intValue("--rounds", o.rounds, 1, 1000);
            o.tsoMss = a.intValue("--tso-mss", o.tsoMss, MIN_TSO_MSS, MAX_TSO_MSS);
            sizesGiven = a.get("--sizes") != null;
            String mode = a.get("--mode");
            if (a.get("--key-cache") != null && (mode == null || "encrypt".equals(mode))) {
                throw new BadOption("--key-cache is the receive key cache: it does not apply to --mode encrypt");
            }
            if ("kdf".equals(mode) || "rx-assoc".equals(mode)) {
                // key operations use no packets: a packet option would be silently ignored
                for (String opt : KEY_OPS_IGNORE) {
                    if (a.flag(opt)) { // given, with or without a value
                        throw new BadOption("--mode " + mode + " measures key operations, no packets: " + opt
                                + " does not apply");
                    }
                }
            }
            for (String name : CHECKED) {
                String v = a.get(name);
                if (v != null) {
                    o.set(name, v);
                }
            }
        } catch (ConfigException e) {
            throw new BadOption(e.getMessage());
        }
        if (o.keyCache != 0 && Integer.bitCount(o.keyCache) != 1) {
            throw new BadOption("--key-cache must be 0 or a power of two, got " + o.keyCache);
        }
        if (o.burst > o.ring) {
            throw new BadOption("--burst " + o.burst + " is larger than --ring " + o.ring
                    + " (a worker's packet buffers): a burst would hold one buffer twice");
        }
        if (o.imix && sizesGiven) {
            throw new BadOption("--imix and --sizes are exclusive (IMIX has its own frame sizes)");
        }
        if (o.csv && o.json) {
            throw new BadOption("--csv and --json are exclusive");
        }
        if (o.backend.equals(RAW_JDK) && (o.baseline || o.allBaselines)) {
            throw new BadOption("--backend raw-jdk is itself a baseline: --baseline / --all-baselines do not apply");
        }
        if (o.corruptEvery != 0 && o.mode != Mode.DECRYPT) {
            throw new BadOption("--corrupt-every needs --mode decrypt");
        }
        o.checkCorruptShare();
        if (o.gro) {
            if (o.mode != Mode.DECRYPT) {
                throw new BadOption("--gro needs --mode decrypt (GRO coalesces what was decrypted)");
            }
            if (o.backend.equals(RAW_JDK)) {
                throw new BadOption("--gro needs a PSP backend, not raw-jdk (it measures GRO after PSP's open)");
            }
            if (o.latency) {
                throw new BadOption("--gro is not supported with --latency");
            }
            o.tcp = true;
        }
        if (o.tsoMss != 0) {
            if (o.mode != Mode.ENCRYPT) {
                throw new BadOption("--tso-mss needs --mode encrypt (TSO segments what is sent)");
            }
            if (o.imix) {
                throw new BadOption("--tso-mss takes super-packet sizes (--sizes), not --imix");
            }
            if (o.backend.equals(RAW_JDK) || o.baseline || o.allBaselines) {
                throw new BadOption("--tso-mss compares TSO with pre-cut segments: no raw-jdk backend, --baseline or --all-baselines");
            }
            if (o.latency) {
                throw new BadOption("--tso-mss is not supported with --latency");
            }
            for (int s : o.sizes) {
                if (s <= o.tsoMss) {
                    throw new BadOption("--tso-mss " + o.tsoMss + ": size " + s + " is no super-packet (sizes must exceed the MSS)");
                }
            }
            o.tcp = true;
        }
        if (!o.mode.keyOps()) {
            o.checkMemory();
        }
        if (o.latency) {
            if (o.rate == 0) {
                throw new BadOption("--latency needs --rate PPS (offered packets per second, e.g. --rate 200000)");
            }
            if (o.mode.keyOps()) {
                throw new BadOption("--latency measures packets: --mode must be encrypt, decrypt or roundtrip");
            }
            if (o.backend.equals(RAW_JDK) || o.baseline || o.allBaselines) {
                throw new BadOption("--latency runs the PSP pipeline only: no raw-jdk backend, --baseline or --all-baselines");
            }
            if (o.corruptEvery != 0) {
                throw new BadOption("--corrupt-every is not supported with --latency");
            }
            if (o.rounds != 1) {
                throw new BadOption("--rounds is not supported with --latency");
            }
            if (o.rate * o.duration < MIN_LATENCY_PACKETS) {
                throw new BadOption(String.format(Locale.ROOT, "--latency: --rate %s x --duration %s offers %.0f packets to "
                        + "measure, fewer than %d (too few for percentiles or a rate)", fmt(o.rate), fmt(o.duration),
                        Math.floor(o.rate * o.duration), MIN_LATENCY_PACKETS));
            }
        } else if (o.rate != 0) {
            throw new BadOption("--rate needs --latency");
        }
        return o;
    }

    /**
     * Java heap per packet slot: its {@code Packet} descriptor (280 bytes, {@code jcmd GC.class_histogram}
     * on a running bench) and the ring's bookkeeping.
     */
    static final long HEAP_BYTES_PER_SLOT = 320;

    /** Memory left to the JVM itself (code, threads, metaspace) and the system: 1 GiB or 5%, the larger. */
    static long reserve(long physical) {
        return Math.max(1L << 30, physical / 20);
    }

    /**
     * Refuses packet buffers that cannot fit this machine, so they fail here with one line instead of
     * as an {@link OutOfMemoryError} in a worker or the kernel killing the run: the off-heap buffers
     * (each worker's ring and its templates; for {@code --tso-mss} the segment ring and the
     * super-packets; for {@code --latency} the pipeline's pool, jumbo slots in every ring), their
     * descriptors on the Java heap, and a {@link #reserve} for the JVM and the system; raw-jdk's
     * templates on the Java heap. A necessary condition only (one workload per worker counted;
     * interleaved runs hold one per row at once).
     */
    private void checkMemory() throws BadOption {
        long maxPayload = imix ? 1500 : 0;
        for (int s : sizes) {
            maxPayload = Math.max(maxPayload, s);
        }
        long frame = 14 + 40 + 32 + maxPayload; // Ethernet, IPv6, TCP with timestamps
        long slots;
        long offHeap;
        if (latency) {
            slots = LatencyBench.poolCapacity(this);
            long slot = (PacketPool.DEFAULT_HEADROOM + LatencyBench.poolDataRoom((int) Math.min(frame, 1 << 20))
                    + PacketPool.DEFAULT_TAILROOM + 63) & ~63L;
            offHeap = slots * slot;
        } else if (tsoMss != 0) {
            long nseg = (maxPayload + tsoMss - 1) / tsoMss;
            long superPackets = Math.max(1, ring / nseg);
            slots = (long) workers * (ring + superPackets);
            offHeap = (long) workers * 2 * (ring * slotBytes(14 + 40 + 32 + tsoMss) + superPackets * slotBytes(frame));
        } else {
            slots = (long) workers * ring;
            offHeap = (long) workers * 2 * ring * slotBytes(frame);
        }
        long heap = slots * HEAP_BYTES_PER_SLOT;
        long physical = physicalMemory();
        if (physical > 0 && offHeap + heap + reserve(physical) > physical) {
            throw new BadOption(String.format(Locale.ROOT, "--ring %d x --workers %d with %d-byte packets needs %s of "
                    + "packet buffers and %s of descriptors, more than this machine's %s leaves (%s kept for the JVM "
                    + "and system): lower --ring or --workers", ring, workers, maxPayload, gib(offHeap), gib(heap),
                    gib(physical), gib(reserve(physical))));
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (heap > maxHeap) {
            throw new BadOption(String.format(Locale.ROOT, "--ring %d x --workers %d needs %s of Java heap for packet "
                    + "descriptors, more than the JVM's %s (-Xmx): lower --ring or --workers", ring, workers, gib(heap),
                    gib(maxHeap)));
        }
        if (backend.equals(RAW_JDK) || baseline || allBaselines) {
            long heapNeed = (long) ring * (frame + 16) * workers + heap;
            if (heapNeed > maxHeap) {
                throw new BadOption(String.format(Locale.ROOT, "--ring %d x --workers %d with %d-byte packets needs %s of "
                        + "Java heap for raw-jdk's templates, more than the JVM's %s (-Xmx): lower --ring or --workers",
                        ring, workers, maxPayload, gib(heapNeed), gib(maxHeap)));
            }
        }
    }

    private static long slotBytes(long frame) {
        return (256 + frame + 256 + 63) & ~63L;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** Physical memory in bytes, or 0 when the JVM cannot tell. */
    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    /** The checks {@link Args} cannot express: size lists and ranges, seconds, names, rates, a long seed. */
    private void set(String name, String v) throws BadOption {
        switch (name) {
            case "--sizes" -> sizes = parseSizes(v);
            case "--duration" -> duration = seconds(name, v, 0.001);
            case "--warmup" -> warmup = seconds(name, v, 0);
            case "--mode" -> mode = switch (v) {
                case "encrypt" -> Mode.ENCRYPT;
                case "decrypt" -> Mode.DECRYPT;
                case "roundtrip" -> Mode.ROUNDTRIP;
                case "rx-assoc" -> Mode.RX_ASSOC;
                case "kdf" -> Mode.KDF;
                default -> throw new BadOption("--mode must be encrypt, decrypt, roundtrip, rx-assoc or kdf, got " + Redact.quotedUnlessKeyLike(v));
            };
            case "--backend" -> {
                if (v.isEmpty()) {
                    throw new BadOption("--backend needs a name");
                }
                backend = v;
            }
            case "--rate" -> {
                try {
                    rate = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new BadOption("--rate must be packets per second, got " + Redact.quotedUnlessKeyLike(v));
                }
                if (!(rate >= 1) || rate > 1e9) {
                    throw new BadOption("--rate must be 1..1000000000 packets per second, got " + v);
                }
            }
            case "--seed" -> {
                try {
                    seed = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new BadOption("--seed must be an integer, got " + Redact.quotedUnlessKeyLike(v));
                }
            }
            default -> throw new IllegalArgumentException("not a checked option: " + name);
        }
    }

    /**
     * Parses a size list: {@code 64,512,1400} or a range {@code min:inc:max} (inclusive), or a
     * mix ({@code 64,128:128:512}). Each size must be 0..{@link #MAX_SIZE}.
     */
    public static List<Integer> parseSizes(String s) throws BadOption {
        List<Integer> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            part = part.strip();
            if (part.isEmpty()) {
                throw new BadOption("--sizes has an empty entry in " + Redact.quotedUnlessKeyLike(s));
            }
            String[] r = part.split(":", -1);
            if (r.length == 1) {
                out.add(size(r[0], s));
            } else if (r.length == 3) {
                int min = size(r[0], s);
                int inc = size(r[1], s);
                int max = size(r[2], s);
                if (inc <= 0 || max < min) {
                    throw new BadOption("--sizes range must be min:inc:max with inc > 0 and max >= min, got " + Redact.quotedUnlessKeyLike(part));
                }
                if ((max - min) / inc >= 10_000) {
                    throw new BadOption("--sizes range '" + part + "' has more than 10000 sizes");
                }
                for (int x = min; x <= max; x += inc) {
                    out.add(x);
                }
            } else {
                throw new BadOption("--sizes entry must be N or min:inc:max, got " + Redact.quotedUnlessKeyLike(part));
            }
        }
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int x : out) {
            if (!seen.add(x)) { // two results under one key: compare and the dashboard would keep one
                throw new BadOption("--sizes lists " + x + " more than once");
            }
        }
        return List.copyOf(out);
    }

    private static int size(String v, String whole) throws BadOption {
        try {
            if (!v.strip().matches("[0-9]{1,9}")) { // ASCII digits only (parseInt takes other scripts' too)
                throw new NumberFormatException();
            }
            int x = Integer.parseInt(v.strip());
            if (x < 0 || x > MAX_SIZE) {
                throw new BadOption("--sizes values must be 0.." + MAX_SIZE + ", got " + x);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new BadOption("--sizes: " + Redact.quotedUnlessKeyLike(v) + " is not a number in " + Redact.quotedUnlessKeyLike(whole));
        }
    }

    private static double seconds(String name, String v, double min) throws BadOption {
        try {
            double x = Double.parseDouble(v);
            if (!(x >= min) || x > 86_400) {
                throw new BadOption(name + " must be " + min + "..86400 seconds, got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new BadOption(name + " must be a number of seconds, got " + Redact.quotedUnlessKeyLike(v));
        }
    }
}
