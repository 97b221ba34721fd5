package dev.psp.engine.cli;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.crypto.Redact;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.SourcePortPolicy;
import dev.psp.engine.psp.TxSa;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code psp} command line. Every failure is one line on stderr and a non-zero exit. */
public final class Main {
    static final String USAGE = """
            usage: psp COMMAND [OPTIONS]
              encrypt -c CFG -i IN -o OUT [--reference-mode] [--backend NAME|best] [--sport hash|xor|fixed:N|table:P,..]
                      [--udp-checksum] [--inner-checksum] [--vc-value HEX] [--s-bit] [--d-bit] [--tso-mss N]
                      [--gso-size N] [--drop-capture FILE [--drop-capture-limit N]] [--json] [-v]
              decrypt -c CFG -i IN -o OUT [--mode transport|tunnel|auto] [--reference-mode]
                      [--backend NAME|best] [--key-cache N] [--inner-checksum] [--gro] [--gro-max-segments N]
                      [--gro-max-size N] [--gro-merge chain|copy] [--gro-flush-timeout NS]
                      [--drop-capture FILE [--drop-capture-limit N]] [--json] [-v]
              backends                 list the AEAD backends, their versions or why they are unavailable
              demo [--vectors DIR]     encrypt and decrypt the shared reference vectors, print counters, short benchmark
              bench [OPTIONS]          line-rate harness (psp bench --help)
              device                   PSP device console: dev-get, key-rotate, rx-assoc, tx-assoc, get-stats (help)
              report -o FILE.html RESULTS...     self-contained HTML performance report
              compare BASE HEAD [--threshold P]  regression gate (exit 1 on a significant regression)
              export --format bmf|csv|json RESULTS... [-o FILE]
              help""";

    static final String ENCRYPT_USAGE = """
            usage: psp encrypt -c CFG -i IN -o OUT [--reference-mode] [--backend NAME|best]
                               [--sport hash|xor|fixed:N|table:P,..] [--udp-checksum] [--inner-checksum]
                               [--vc-value HEX] [--s-bit] [--d-bit] [--tso-mss N] [--gso-size N]
                               [--drop-capture FILE [--drop-capture-limit N]] [--json] [-v]
              encrypts every packet of the pcap/pcapng IN with the SA of config CFG into the pcap OUT
              (--drop-capture: the input records of dropped packets go to the pcap FILE, at most N
              per second of capture time, default 100; -v: accepted for the reference tools' command
              line; the summary is always printed)""";
    static final String DECRYPT_USAGE = """
            usage: psp decrypt -c CFG -i IN -o OUT [--mode transport|tunnel|auto] [--reference-mode]
                               [--backend NAME|best] [--key-cache N] [--inner-checksum] [--gro]
                               [--gro-max-segments N] [--gro-max-size N] [--gro-merge chain|copy]
                               [--gro-flush-timeout NS] [--drop-capture FILE [--drop-capture-limit N]] [--json] [-v]
              decrypts every PSP packet of IN with keys derived from config CFG into the pcap OUT
              (--drop-capture: the received records of dropped packets go to the pcap FILE, at most N
              per second of capture time, default 100; -v: accepted for the reference tools' command
              line; the summary is always printed)""";
    static final String BACKENDS_USAGE = """
            usage: psp backends
              lists the AEAD backends, their versions or why they are unavailable""";

    private static final Set<String> ENCRYPT_VALUED =
            Set.of("-c", "-i", "-o", "--backend", "--sport", "--vc-value", "--tso-mss", "--gso-size", "--drop-capture",
                    "--drop-capture-limit");
    private static final Set<String> ENCRYPT_FLAGS =
            Set.of("--reference-mode", "--udp-checksum", "--inner-checksum", "--s-bit", "--d-bit", "--json", "-v", "--help", "-h");
    private static final Set<String> DECRYPT_VALUED = Set.of("-c", "-i", "-o", "--backend", "--mode", "--key-cache",
            "--gro-max-segments", "--gro-max-size", "--gro-merge", "--gro-flush-timeout", "--drop-capture", "--drop-capture-limit");
    private static final Set<String> DECRYPT_FLAGS =
            Set.of("--reference-mode", "--json", "--gro", "--inner-checksum", "-v", "--help", "-h");
    /** Every option name psp encrypt / psp decrypt accept (their usage lines list them all). */
    static final Set<String> ENCRYPT_OPTIONS = union(ENCRYPT_VALUED, ENCRYPT_FLAGS);
    static final Set<String> DECRYPT_OPTIONS = union(DECRYPT_VALUED, DECRYPT_FLAGS);

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }

    private Main() {}

    /** A {@code --help} or {@code -h} among the options: prints {@code usage} and returns true. */
    static boolean help(Args a, PrintStream out, String usage) {
        if (a.flag("--help") || a.flag("-h")) {
            out.println(usage);
            return true;
        }
        return false;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        try {
            return switch (args[0]) {
                case "encrypt" -> encrypt(args, out);
                case "decrypt" -> decrypt(args, out, err);
                case "backends" -> backends(args, out);
                case "demo" -> Demo.run(args, out, err);
                case "bench" -> Commands.bench(args, out, err);
                case "device" -> Commands.device(args, out, err);
                case "report" -> Commands.report(args, out, err);
                case "compare" -> Commands.compare(args, out, err);
                case "export" -> Commands.export(args, out, err);
                case "help", "--help", "-h" -> {
                    if (args.length > 1) { // no 'psp help COMMAND': each command's usage is 'psp COMMAND --help'
                        throw new ConfigException("unexpected argument " + Redact.quotedUnlessKeyLike(args[1]) + " (psp " + args[0]
                                + " takes none; for a command's usage: psp COMMAND --help)");
                    }
                    out.println(USAGE);
                    yield 0;
                }
                default -> throw new ConfigException("unknown command " + Redact.quotedUnlessKeyLike(args[0]) + " (try 'psp help')");
            };
        } catch (ConfigException e) {
            err.println("psp: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("psp: " + e.getMessage());
            return 1;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return internalError(e, err);
        }
    }

    /** Exit code of a command that failed with an unexpected error: a bug (sysexits EX_SOFTWARE). */
    static final int EXIT_INTERNAL = 70;

    /**
     * One line for an unexpected error, naming its type but not its message (which could quote
     * anything, key bytes included); the stack trace only on request ({@code PSP_DEBUG=1} or
     * {@code -Dpsp.debug=true}), for a bug report.
     */
    static int internalError(Throwable e, PrintStream err) {
        err.println("psp: internal error (" + e.getClass().getName() + "): please report it with the command line"
                + (debug() ? "" : "; PSP_DEBUG=1 prints the stack trace"));
        if (debug()) {
            e.printStackTrace(err);
        }
        return EXIT_INTERNAL;
    }

    private static boolean debug() {
        return "1".equals(System.getenv("PSP_DEBUG")) || Boolean.getBoolean("psp.debug");
    }

    /**
     * Options {@code --reference-mode} refuses: the reference has none of them (S, D, the UDP checksum
     * and the VC written as 0, source port = sport XOR dport, no TSO/GSO, GRO or inner checksums), so
     * each would make the output differ from its bytes.
     */
    static final List<String> NOT_WITH_REFERENCE_ENCRYPT = List.of("--sport", "--s-bit", "--d-bit", "--udp-checksum",
            "--vc-value", "--inner-checksum", "--tso-mss", "--gso-size");
    static final List<String> NOT_WITH_REFERENCE_DECRYPT = List.of("--gro", "--gro-max-segments", "--gro-max-size",
            "--gro-merge", "--gro-flush-timeout", "--inner-checksum");

    private static void refuseWithReference(Args a, List<String> options) throws ConfigException {
        if (a.flag("--reference-mode")) {
            for (String o : options) {
                if (a.flag(o)) { // given, with or without a value
                    throw new ConfigException(o + " cannot be combined with --reference-mode (the reference has no such "
                            + "option: the output would differ from its bytes)");
                }
            }
        }
    }

    static AeadBackend backend(String name) throws ConfigException {
        AeadBackend b = AeadBackends.byName(name);
        if (b == null) {
            throw new ConfigException("unknown backend " + Redact.quotedUnlessKeyLike(name) + " (see 'psp backends')");
        }
        if (!b.isAvailable()) {
            throw new ConfigException("backend '" + name + "' is unavailable: " + b.unavailabilityCause());
        }
        return b;
    }

    static Path input(Args a) throws ConfigException {
        return FileArgs.input(a.require("-i", "input pcap"));
    }

    static Path config(Args a) throws ConfigException {
        return FileArgs.config(a.require("-c", "config file"));
    }

    static int encrypt(String[] args, PrintStream out) throws ConfigException, IOException {
        Args a = Args.parse(args, 1, ENCRYPT_VALUED, ENCRYPT_FLAGS);
        if (help(a, out, ENCRYPT_USAGE)) {
            return 0;
        }
        a.noPositional("encrypt");
        Path cfgFile = config(a);
        PspConfig cfg = PspConfig.readEncrypt(cfgFile);
        Path in = input(a);
        Path outFile = FileArgs.output(a.require("-o", "output pcap"));
        FileArgs.requireDistinct(in, outFile);
        FileArgs.requireDistinct("config", cfgFile, outFile);
        boolean reference = a.flag("--reference-mode");
        refuseWithReference(a, NOT_WITH_REFERENCE_ENCRYPT);
        AeadBackend backend = backend(a.get("--backend", reference ? "jdk" : "best"));
        TxSa.Builder b = TxSa.builder().mode(cfg.mode)
                .cryptOffsets(cfg.cryptOffsetTransport, cfg.cryptOffsetTunnelV4, cfg.cryptOffsetTunnelV6)
                .sBit(a.flag("--s-bit")).dBit(a.flag("--d-bit")).udpChecksum(a.flag("--udp-checksum"));
        long vcValue = 0;
        if (a.get("--vc-value") != null) {
            if (!cfg.vc) {
                throw new ConfigException("--vc-value needs a config with vc (this one says no-vc: packets carry no cookie)");
            }
            try {
                vcValue = Long.parseUnsignedLong(strip0x(a.get("--vc-value")), 16);
            } catch (NumberFormatException e) {
                throw new ConfigException("--vc-value must be a 64-bit hex value, got " + Redact.quotedUnlessKeyLike(a.get("--vc-value")));
            }
        }
        b.vc(cfg.vc, vcValue);
        if (reference) {
            b.reference(true).ivSource(new CounterIvSource(1)).sourcePort(SourcePortPolicy.referenceXor());
        } else {
            b.sourcePort(sourcePort(a.get("--sport", "hash")));
        }
        try {
            b.validate();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        KeyDerivation kdf = new KeyDerivation(cfg.masterKey0, cfg.masterKey1);
        cfg.wipe();
        byte[] key = kdf.derive(cfg.spi, cfg.version);
        kdf.destroy();
        try (AeadEngine engine = backend.newEngine(); FileCodec codec = new FileCodec()) {
            TxSa sa = b.spi(cfg.spi).version(cfg.version).install(engine, MemorySegment.ofArray(key), 0);
            java.util.Arrays.fill(key, (byte) 0);
            int mss = a.intValue("--tso-mss", 0, 1, 65535);
            int gso = a.intValue("--gso-size", 0, 1, 65535);
            codec.innerChecksums = a.flag("--inner-checksum");
            codec.microsecondTimestamps = reference;
            dropCapture(a, codec, cfgFile, in, outFile);
            codec.encrypt(engine, sa, in, outFile, reference ? PcapWriter.DEFAULT_SNAPLEN : 262144, mss, gso);
            sa.key.destroy();
            report(out, "encrypted", codec, outFile, backend, a.flag("--json"));
        }
        return 0;
    }

    static int decrypt(String[] args, PrintStream out, PrintStream err) throws ConfigException, IOException {
        Args a = Args.parse(args, 1, DECRYPT_VALUED, DECRYPT_FLAGS);
        if (help(a, out, DECRYPT_USAGE)) {
            return 0;
        }
        a.noPositional("decrypt");
        Path cfgFile = config(a);
        PspConfig cfg = PspConfig.readDecrypt(cfgFile);
        Path in = input(a);
        Path outFile = FileArgs.output(a.require("-o", "output pcap"));
        FileArgs.requireDistinct(in, outFile);
        FileArgs.requireDistinct("config", cfgFile, outFile);
        boolean reference = a.flag("--reference-mode");
        refuseWithReference(a, NOT_WITH_REFERENCE_DECRYPT);
        Mode mode;
        if (a.get("--mode") != null) {
            mode = Mode.parse(a.get("--mode"));
            if (mode == null) {
                throw new ConfigException("--mode must be transport, tunnel or auto, got " + Redact.quotedUnlessKeyLike(a.get("--mode")));
            }
        } else {
            mode = Mode.AUTO;
        }
        int keyCache = a.intValue("--key-cache", 256, 0, 1 << 20);
        if (keyCache != 0 && Integer.bitCount(keyCache) != 1) {
            throw new ConfigException("--key-cache must be 0 or a power of two, got " + keyCache);
        }
        AeadBackend backend = backend(a.get("--backend", reference ? "jdk" : "best"));
        KeyDerivation kdf = new KeyDerivation(cfg.masterKey0, cfg.masterKey1);
        cfg.wipe();
        try (AeadEngine engine = backend.newEngine(); FileCodec codec = new FileCodec()) {
            if (a.flag("--gro") || a.get("--gro-max-segments") != null || a.get("--gro-max-size") != null
                    || a.get("--gro-merge") != null || a.get("--gro-flush-timeout") != null) {
                codec.gro(dev.psp.engine.offload.GroConfig.defaults()
                        .withMaxSegments(a.intValue("--gro-max-segments", dev.psp.engine.offload.GroConfig.DEFAULT_MAX_SEGMENTS, 1, 65535))
                        .withMaxSize(a.intValue("--gro-max-size", dev.psp.engine.offload.GroConfig.DEFAULT_MAX_SIZE, 1, 65535))
                        .withMerge(groMerge(a.get("--gro-merge", "chain")))
                        .withFlushTimeoutNanos(a.longValue("--gro-flush-timeout", 0, 0, 3_600_000_000_000L)));
            }
            codec.verifyInnerChecksums = a.flag("--inner-checksum");
            codec.microsecondTimestamps = reference;
            dropCapture(a, codec, cfgFile, in, outFile);
            if (a.get("--mode") == null && !reference) { // after every check: a refused run prints its error alone
                err.println("psp: note: no --mode given, using auto (next header 4 or 41 means tunnel, the reference's rule)");
            }
            codec.decrypt(engine, kdf, mode, keyCache, in, outFile, reference ? PcapWriter.DEFAULT_SNAPLEN : 262144);
            report(out, "decrypted", codec, outFile, backend, a.flag("--json"));
        } finally {
            kdf.destroy();
        }
        return 0;
    }

    /** {@code --drop-capture FILE [--drop-capture-limit N]}: checked (not the config), handed to the codec. */
    static void dropCapture(Args a, FileCodec codec, Path cfgFile, Path in, Path outFile) throws ConfigException {
        String file = a.get("--drop-capture");
        if (file == null) {
            if (a.get("--drop-capture-limit") != null) {
                throw new ConfigException("--drop-capture-limit needs --drop-capture FILE");
            }
            return;
        }
        Path drops = FileArgs.output("drop capture", file);
        String[] names = {"config", "input", "output"};
        Path[] files = {cfgFile, in, outFile};
        for (int i = 0; i < files.length; i++) {
            if (FileArgs.isSameFile(files[i], drops)) {
                throw new ConfigException("--drop-capture " + drops + " is the " + names[i] + " file");
            }
        }
        codec.dropCapture(drops, a.intValue("--drop-capture-limit", 100, 1, 1_000_000_000));
    }

    static dev.psp.engine.offload.GroConfig.Merge groMerge(String s) throws ConfigException {
        return switch (s) {
            case "chain" -> dev.psp.engine.offload.GroConfig.Merge.CHAIN;
            case "copy" -> dev.psp.engine.offload.GroConfig.Merge.COPY;
            default -> throw new ConfigException("--gro-merge must be chain or copy, got " + Redact.quotedUnlessKeyLike(s));
        };
    }

    static SourcePortPolicy sourcePort(String s) throws ConfigException {
        try {
            if (s.equals("hash")) {
                return SourcePortPolicy.flowHash();
            } else if (s.equals("xor")) {
                return SourcePortPolicy.referenceXor();
            } else if (s.startsWith("fixed:")) {
                return SourcePortPolicy.fixed(Integer.parseInt(s.substring(6)));
            } else if (s.startsWith("table:")) {
                String[] parts = s.substring(6).split(",");
                int[] t = new int[parts.length];
                for (int i = 0; i < t.length; i++) {
                    t[i] = Integer.parseInt(parts[i].trim());
                }
                return SourcePortPolicy.table(t);
            }
        } catch (NumberFormatException e) {
            throw new ConfigException("--sport: bad number in " + Redact.quotedUnlessKeyLike(s));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--sport: " + e.getMessage());
        }
        throw new ConfigException("--sport must be hash, xor, fixed:PORT or table:P1,P2,... (16+ entries), got " + Redact.quotedUnlessKeyLike(s));
    }

    private static String strip0x(String s) {
        return s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    }

    static void report(PrintStream out, String verb, FileCodec codec, Path outFile, AeadBackend backend, boolean json) {
        PspCounters c = codec.counters;
        if (json) {
            StringBuilder sb = new StringBuilder("{\"written\":").append(codec.written)
                    .append(",\"output\":");
            dev.psp.engine.report.Json.string(sb, outFile.toString()).append(",\"backend\":\"")
                    .append(backend.name()).append("\",\"counters\":{");
            appendMap(sb, c.toMap());
            sb.append("},\"reasons\":{");
            appendMap(sb, c.reasonMap());
            sb.append("},\"offload\":{");
            appendMap(sb, codec.offloadCounters());
            sb.append("},\"drop-capture\":");
            if (codec.dropCaptureFile() == null) {
                sb.append("null");
            } else {
                dev.psp.engine.report.Json.string(sb.append("{\"file\":"), codec.dropCaptureFile().toString())
                        .append(",\"captured\":").append(codec.dropCaptured)
                        .append(",\"suppressed\":").append(codec.dropSuppressed).append('}');
            }
            sb.append(",\"input-error\":"); // the text's "input:" line: input ended early / records skipped
            if (codec.readError == null) {
                sb.append("null");
            } else {
                dev.psp.engine.report.Json.string(sb, codec.readError);
            }
            sb.append('}');
            out.println(sb);
            return;
        }
        out.printf("%s %d packets in %s (backend %s)%n", verb, codec.written, outFile, backend.name());
        for (Map.Entry<String, Long> e : c.toMap().entrySet()) {
            out.printf("  %-14s %d%n", e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Long> e : c.reasonMap().entrySet()) {
            out.printf("  reason %-24s %d%n", e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Long> e : codec.offloadCounters().entrySet()) {
            out.printf("  %-24s %d%n", e.getKey(), e.getValue());
        }
        if (codec.dropCaptureFile() != null) {
            out.printf("  drops captured %d in %s (%d over the limit)%n", codec.dropCaptured, codec.dropCaptureFile(),
                    codec.dropSuppressed);
        }
        if (codec.readError != null) {
            out.println("  input: " + codec.readError);
        }
    }

    private static void appendMap(StringBuilder sb, Map<String, Long> m) {
        boolean first = true;
        for (Map.Entry<String, Long> e : m.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey()).append("\":").append(e.getValue());
        }
    }

    static int backends(String[] args, PrintStream out) throws ConfigException {
        Args a = Args.parse(args, 1, Set.of(), Set.of("--help", "-h"));
        if (help(a, out, BACKENDS_USAGE)) {
            return 0;
        }
        a.noPositional("backends");
        out.printf("%-14s %-10s %s%n", "backend", "status", "version / reason");
        for (AeadBackend b : AeadBackends.all()) {
            if (b.isAvailable()) {
                out.printf("%-14s %-10s %s%n", b.name(), "available", b.version());
            } else {
                out.printf("%-14s %-10s %s%n", b.name(), "missing", b.unavailabilityCause());
            }
        }
        out.println("best: " + AeadBackends.best().name());
        return 0;
    }
}
