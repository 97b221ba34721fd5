package dev.psp.engine.cli;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.SourcePortPolicy;
import dev.psp.engine.psp.TxSa;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code psp demo}: the main job. Encrypts every reference cleartext with every reference config in
 * reference mode and compares with Google's encoder output byte for byte, decrypts every encrypted
 * vector and compares with the cleartext, checks every corrupted vector is rejected, prints the
 * merged counters, then runs a short benchmark.
 */
final class Demo {
    static final String USAGE = """
            usage: psp demo [--vectors DIR] [--duration SECONDS] [--no-bench]
              encrypts and decrypts the shared reference vectors (default ../shared/vectors/google-psp beside
              the repository), compares with the reference output, prints the counters, then a short benchmark
              (--duration seconds per size, default 1; --no-bench skips it)""";

    /** The default vectors, relative to the repository root (system property {@code psp.root}, set by the launcher). */
    static final String DEFAULT_VECTORS = "../shared/vectors/google-psp";

    private Demo() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws ConfigException, IOException {
        return run(args, out, err, null);
    }

    /**
     * {@code tmpRoot}: where the temporary directory of pcaps is made (null: the system's temporary
     * directory); it is removed when the vectors part ends, whether it passed or failed.
     */
    static int run(String[] args, PrintStream out, PrintStream err, Path tmpRoot) throws ConfigException, IOException {
        Args a = Args.parse(args, 1, Set.of("--vectors", "--duration"), Set.of("--no-bench", "--help", "-h"));
        if (Main.help(a, out, USAGE)) {
            return 0;
        }
        a.noPositional("demo");
        boolean runBench = !a.flag("--no-bench");
        if (!runBench && a.get("--duration") != null) { // it would be silently ignored
            throw new ConfigException("--duration cannot be combined with --no-bench (no benchmark runs)");
        }
        String[] bench = {"bench", "--sizes", "64,1400,8900", "--mode", "encrypt", "--duration", a.get("--duration", "1"),
            "--warmup", "0.5", "--baseline", "--rounds", "4"}; // interleaved: PSP / raw ratios printed per size
        if (runBench) {
            try {
                dev.psp.engine.perf.BenchOptions.parse(Arrays.copyOfRange(bench, 1, bench.length)); // before the vectors run
            } catch (dev.psp.engine.perf.BenchOptions.BadOption e) {
                err.println("psp demo: " + e.getMessage());
                return 2;
            }
        }
        Path dir = vectorsDir(a.get("--vectors"));
        List<String> names = checkVectors(dir); // every file the run reads, before any work
        AeadBackend backend = AeadBackends.jdk();
        PspConfig dcfg = PspConfig.readDecrypt(dir.resolve("cfg/decrypt.cfg"));
        KeyDerivation rxKdf = new KeyDerivation(dcfg.masterKey0, dcfg.masterKey1);
        dcfg.wipe();
        int mismatches;
        Path tmp = null;
        try {
            tmp = tmpRoot == null ? Files.createTempDirectory("psp-demo") : Files.createTempDirectory(tmpRoot, "psp-demo");
            mismatches = vectors(dir, names, tmp, backend, rxKdf, out);
        } catch (IOException e) {
            if (tmp == null) {
                throw new IOException("cannot create a temporary directory" + (tmpRoot == null ? "" : " in " + tmpRoot) + ": "
                        + FileArgs.reason(e), e);
            }
            throw e;
        } finally {
            rxKdf.destroy();
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
        int rc = mismatches == 0 ? 0 : 1;
        if (runBench) {
            out.println("== short benchmark (psp " + String.join(" ", bench) + ")");
            int brc = Commands.bench(bench, out, err);
            if (brc != 0) {
                rc = brc;
            }
        }
        return rc;
    }

    /** {@code --vectors} as given, else {@link #DEFAULT_VECTORS} beside {@code psp.root}, else beside the working directory. */
    private static Path vectorsDir(String given) throws ConfigException {
        if (given != null && given.isEmpty()) {
            throw new ConfigException("--vectors '': empty directory name");
        }
        String root = System.getProperty("psp.root", "");
        Path dir;
        try {
            dir = given != null ? Path.of(given) : root.isEmpty() ? Path.of(DEFAULT_VECTORS) : Path.of(root).resolve(DEFAULT_VECTORS).normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException((given != null ? "--vectors '" + given + "'" : "psp.root '" + root + "'") + ": " + e.getReason());
        }
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("vectors not found at " + dir + " (" + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + "; use --vectors DIR)");
        }
        return dir;
    }

    /**
     * The encrypted vectors' names, once every file the run reads is known to be there: each
     * {@code encrypted/v4_CASE.pcap} (or v6_) with its {@code cfg/encrypt_CASE.cfg} and cleartext,
     * {@code cfg/decrypt.cfg} and the {@code corrupted/} files. A refusal is one line naming the file.
     */
    private static List<String> checkVectors(Path dir) throws ConfigException {
        Path encrypted = subdirectory(dir, "encrypted");
        List<String> names = list(encrypted);
        if (names.isEmpty()) {
            throw new ConfigException("vectors directory " + dir + ": no vectors (*.pcap) in " + encrypted);
        }
        for (String name : names) {
            if (!(name.startsWith("v4_") || name.startsWith("v6_")) || name.length() == 3) {
                throw new ConfigException("vectors directory " + dir + ": encrypted/" + name + ".pcap is not named v4_CASE.pcap or "
                        + "v6_CASE.pcap (CASE names its config cfg/encrypt_CASE.cfg)");
            }
        }
        FileArgs.readable("config", dir.resolve("cfg/decrypt.cfg").toString(), false);
        for (String name : names) {
            FileArgs.readable("vector", encrypted.resolve(name + ".pcap").toString(), true);
            FileArgs.readable("config", config(dir, name).toString(), false);
            FileArgs.readable("cleartext", cleartext(dir, name).toString(), true);
        }
        Path corrupted = subdirectory(dir, "corrupted");
        for (String name : list(corrupted)) {
            FileArgs.readable("vector", corrupted.resolve(name + ".pcap").toString(), true);
        }
        return names;
    }

    private static Path subdirectory(Path dir, String name) throws ConfigException {
        Path d = dir.resolve(name);
        if (!Files.isDirectory(d)) {
            throw new ConfigException("vectors directory " + dir + " has no " + name + "/ subdirectory");
        }
        return d;
    }

    private static Path config(Path dir, String name) {
        return dir.resolve("cfg/encrypt_" + name.substring(3) + ".cfg");
    }

    private static Path cleartext(Path dir, String name) {
        return dir.resolve("cleartext/" + name.substring(0, 2) + "_cleartext" + (name.endsWith("_empty") ? "_empty" : "") + ".pcap");
    }

    /** The vectors part: encrypt and decrypt every vector, check every corrupted one is rejected; returns the mismatches. */
    private static int vectors(Path dir, List<String> names, Path tmp, AeadBackend backend, KeyDerivation rxKdf, PrintStream out)
            throws ConfigException, IOException {
        PspCounters tx = new PspCounters();
        PspCounters rx = new PspCounters();
        int mismatches = 0;
        out.println("== reference vectors (" + dir + "), backend " + backend.name());
        for (String name : names) {
            PspConfig cfg = PspConfig.readEncrypt(config(dir, name));
            Path clear = cleartext(dir, name);
            Path enc = tmp.resolve(name + ".enc.pcap");
            Path dec = tmp.resolve(name + ".dec.pcap");
            byte[] key;
            try {
                KeyDerivation kdf = new KeyDerivation(cfg.masterKey0, cfg.masterKey1);
                key = kdf.derive(cfg.spi, cfg.version);
                kdf.destroy();
            } finally {
                cfg.wipe();
            }
            try (AeadEngine engine = backend.newEngine(); FileCodec codec = new FileCodec()) {
                TxSa sa = TxSa.builder().spi(cfg.spi).version(cfg.version).mode(cfg.mode)
                        .cryptOffsets(cfg.cryptOffsetTransport, cfg.cryptOffsetTunnelV4, cfg.cryptOffsetTunnelV6)
                        .vc(cfg.vc, 0).reference(true).ivSource(new CounterIvSource(1))
                        .sourcePort(SourcePortPolicy.referenceXor()).install(engine, MemorySegment.ofArray(key), 0);
                Arrays.fill(key, (byte) 0);
                codec.encrypt(engine, sa, clear, enc, PcapWriter.DEFAULT_SNAPLEN);
                codec.counters.addTo(tx);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
            try (AeadEngine engine = backend.newEngine(); FileCodec codec = new FileCodec()) {
                codec.decrypt(engine, rxKdf, Mode.AUTO, 0, enc, dec, PcapWriter.DEFAULT_SNAPLEN);
                codec.counters.addTo(rx);
            }
            boolean encOk = sameRecords(enc, dir.resolve("encrypted/" + name + ".pcap"));
            boolean decOk = sameRecords(dec, clear);
            if (!encOk || !decOk) {
                mismatches++;
            }
            out.printf("  %-36s encrypt %s  decrypt %s%n", name, encOk ? "identical" : "DIFFERS", decOk ? "identical" : "DIFFERS");
        }
        PspCounters bad = new PspCounters();
        List<String> corrupted = list(dir.resolve("corrupted"));
        for (String name : corrupted) {
            try (AeadEngine engine = backend.newEngine(); FileCodec codec = new FileCodec()) {
                codec.decrypt(engine, rxKdf, Mode.AUTO, 0, dir.resolve("corrupted/" + name + ".pcap"), tmp.resolve(name + ".out.pcap"),
                        PcapWriter.DEFAULT_SNAPLEN);
                codec.counters.addTo(bad);
                if (codec.written != 0) {
                    mismatches++;
                    out.println("  corrupted " + name + " was ACCEPTED");
                }
            }
        }
        out.printf("%d cases, %d corrupted files rejected as rx-auth-fail: %d, mismatches: %d%n", names.size(), corrupted.size(),
                bad.rxAuthFail, mismatches);
        out.println("== counters (encrypt)");
        print(out, tx);
        out.println("== counters (decrypt of encrypted/)");
        print(out, rx);
        out.println("== counters (decrypt of corrupted/)");
        print(out, bad);
        return mismatches;
    }

    private static void print(PrintStream out, PspCounters c) {
        c.toMap().forEach((k, v) -> out.printf("  %-14s %d%n", k, v));
        c.reasonMap().forEach((k, v) -> out.printf("  reason %-24s %d%n", k, v));
    }

    /** The names of the {@code *.pcap} files in {@code d}, without ".pcap", sorted. */
    private static List<String> list(Path d) throws ConfigException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            IOException io = e instanceof IOException x ? x : ((java.io.UncheckedIOException) e).getCause();
            throw new ConfigException("cannot list " + d + ": " + FileArgs.reason(io));
        }
    }

    private static boolean sameRecords(Path a, Path b) throws IOException {
        byte[] x = readAll(a);
        byte[] y = readAll(b);
        return x.length >= 24 && y.length >= 24 && Arrays.equals(x, 24, x.length, y, 24, y.length);
    }

    private static byte[] readAll(Path f) throws IOException {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new IOException("cannot read " + f + ": " + FileArgs.reason(e), e);
        }
    }

    /** Best effort: a file that cannot be removed must not hide why the run ended. */
    private static void deleteTree(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // left behind
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // left behind
        }
    }
}
