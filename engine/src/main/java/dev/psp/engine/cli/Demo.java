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
              encrypts and decrypts the shared reference vectors (default ../shared/vectors/google-psp),
              compares with the reference output, prints the counters, then a short benchmark
              (--duration seconds per size, default 1; --no-bench skips it)""";

    private Demo() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws ConfigException, IOException {
        Args a = Args.parse(args, 1, Set.of("--vectors", "--duration"), Set.of("--no-bench", "--help", "-h"));
        if (Main.help(a, out, USAGE)) {
            return 0;
        }
        a.noPositional("demo");
        String[] bench = {"bench", "--sizes", "64,1400,8900", "--mode", "encrypt", "--duration", a.get("--duration", "1"),
            "--warmup", "0.5", "--baseline", "--rounds", "4"}; // interleaved: PSP / raw ratios printed per size
        if (!a.flag("--no-bench")) {
            try {
                dev.psp.engine.perf.BenchOptions.parse(Arrays.copyOfRange(bench, 1, bench.length)); // before the vectors run
            } catch (dev.psp.engine.perf.BenchOptions.BadOption e) {
                err.println("psp demo: " + e.getMessage());
                return 2;
            }
        }
        Path dir = Path.of(a.get("--vectors", "../shared/vectors/google-psp"));
        if (!Files.isDirectory(dir.resolve("encrypted"))) {
            throw new ConfigException("vectors not found at " + dir + " (use --vectors DIR)");
        }
        Path tmp = Files.createTempDirectory("psp-demo");
        AeadBackend backend = AeadBackends.jdk();
        PspCounters tx = new PspCounters();
        PspCounters rx = new PspCounters();
        int mismatches = 0;
        int cases = 0;
        PspConfig dcfg = PspConfig.readDecrypt(dir.resolve("cfg/decrypt.cfg"));
        KeyDerivation rxKdf = new KeyDerivation(dcfg.masterKey0, dcfg.masterKey1);
        dcfg.wipe();
        out.println("== reference vectors (" + dir + "), backend " + backend.name());
        for (String name : list(dir.resolve("encrypted"))) {
            cases++;
            PspConfig cfg = PspConfig.readEncrypt(dir.resolve("cfg/encrypt_" + name.substring(3) + ".cfg"));
            Path clear = dir.resolve("cleartext/" + name.substring(0, 2) + "_cleartext" + (name.endsWith("_empty") ? "_empty" : "") + ".pcap");
            Path enc = tmp.resolve(name + ".enc.pcap");
            Path dec = tmp.resolve(name + ".dec.pcap");
            KeyDerivation kdf = new KeyDerivation(cfg.masterKey0, cfg.masterKey1);
            byte[] key = kdf.derive(cfg.spi, cfg.version);
            kdf.destroy();
            cfg.wipe();
            try (AeadEngine engine = backend.newEngine(); FileCodec codec = new FileCodec()) {
                TxSa sa = TxSa.builder().spi(cfg.spi).version(cfg.version).mode(cfg.mode)
                        .cryptOffsets(cfg.cryptOffsetTransport, cfg.cryptOffsetTunnelV4, cfg.cryptOffsetTunnelV6)
                        .vc(cfg.vc, 0).reference(true).ivSource(new CounterIvSource(1))
                        .sourcePort(SourcePortPolicy.referenceXor()).install(engine, MemorySegment.ofArray(key), 0);
                Arrays.fill(key, (byte) 0);
                codec.encrypt(engine, sa, clear, enc, PcapWriter.DEFAULT_SNAPLEN);
                codec.counters.addTo(tx);
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
        for (String name : list(dir.resolve("corrupted"))) {
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
        rxKdf.destroy();
        out.printf("%d cases, %d corrupted files rejected as rx-auth-fail: %d, mismatches: %d%n", cases, list(dir.resolve("corrupted")).size(),
                bad.rxAuthFail, mismatches);
        out.println("== counters (encrypt)");
        print(out, tx);
        out.println("== counters (decrypt of encrypted/)");
        print(out, rx);
        out.println("== counters (decrypt of corrupted/)");
        print(out, bad);
        deleteTree(tmp);
        int rc = mismatches == 0 ? 0 : 1;
        if (!a.flag("--no-bench")) {
            out.println("== short benchmark (psp " + String.join(" ", bench) + ")");
            int brc = Commands.bench(bench, out, err);
            if (brc != 0) {
                rc = brc;
            }
        }
        return rc;
    }

    private static void print(PrintStream out, PspCounters c) {
        c.toMap().forEach((k, v) -> out.printf("  %-14s %d%n", k, v));
        c.reasonMap().forEach((k, v) -> out.printf("  reason %-24s %d%n", k, v));
    }

    private static List<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
    }

    private static boolean sameRecords(Path a, Path b) throws IOException {
        byte[] x = Files.readAllBytes(a);
        byte[] y = Files.readAllBytes(b);
        return x.length >= 24 && y.length >= 24 && Arrays.equals(x, 24, x.length, y, 24, y.length);
    }

    private static void deleteTree(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
