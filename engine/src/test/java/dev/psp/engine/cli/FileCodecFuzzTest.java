package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.psp.engine.FuzzRandom;
import dev.psp.engine.ShimOrJdk;
import dev.psp.engine.TestFiles;
import dev.psp.engine.TestPcap;
import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.FastPathDifferentialTest;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.TxSa;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Jazzer fuzzing of the file path end to end ({@code psp encrypt} then {@code psp decrypt}, in
 * process): a pcap of up to a dozen frames from the fuzzer (near misses of the fast shapes, jumbo
 * TCP/UDP packets that TSO/GSO cut, raw bytes), encrypted under a random SA with or without
 * TSO/GSO and inner checksums, then decrypted with or without inner checksum verification, GRO and
 * a key cache. Per run: nothing but I/O may throw; every slot taken is given back (no leak, no
 * double free); the output file holds what the codec says it wrote; on decrypt every record read
 * lands in exactly one of the spec's counters. Native shim when it loads, else the JDK backend.
 *
 * <p>In the default suite it replays its seeds (a fork of its own, with the other Jazzer tests);
 * coverage-guided: {@code bash scripts/fuzz.sh} (every target, one JVM each).
 */
class FileCodecFuzzTest {
    private static AeadEngine engine;
    private static KeyDerivation kdf;
    private static Path dir;
    private static long nextIv = 1;

    private static int uses;

    private static void init() throws Exception {
        // an SA is installed per input and its prepared key lives as long as the engine: a new
        // engine every so often keeps a long fuzzing run's memory flat
        if (engine != null && ++uses % 2000 == 0) {
            engine.close();
            engine = null;
        }
        if (engine != null) {
            return;
        }
        AeadBackend b = ShimOrJdk.backend("FileCodecFuzzTest");
        engine = b.newEngine();
        if (kdf == null) {
            kdf = new KeyDerivation(FastPathDifferentialTest.MK0, FastPathDifferentialTest.MK1);
            dir = Files.createTempDirectory("psp-filecodec-fuzz");
            dir.toFile().deleteOnExit();
            for (String f : new String[] {"in.pcap", "sealed.pcap", "opened.pcap"}) {
                dir.resolve(f).toFile().deleteOnExit(); // deleted before the directory (reverse order)
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    void everyPacketAccountedNothingLeaked(FuzzedDataProvider data) throws Exception {
        init();
        Random r = new FuzzRandom(data);
        List<byte[]> frames = new ArrayList<>();
        for (int n = 1 + r.nextInt(12); n > 0; n--) {
            byte[] f;
            if (r.nextInt(8) == 0) {
                f = new byte[r.nextInt(200)];
                r.nextBytes(f);
            } else {
                f = FastPathDifferentialTest.frame(r);
            }
            frames.add(f);
        }
        Path in = TestFiles.writePcap(dir.resolve("in.pcap"), frames);
        Path mid = dir.resolve("sealed.pcap");
        Path out = dir.resolve("opened.pcap");
        Files.deleteIfExists(mid);
        Files.deleteIfExists(out);

        int version = r.nextInt(4);
        Mode mode = r.nextInt(3) == 0 ? Mode.TUNNEL : Mode.TRANSPORT;
        int spi = 0x100 + r.nextInt(1 << 16);
        byte[] key = kdf.derive(spi, version);
        TxSa sa = TxSa.builder().mode(mode).cryptOffset(r.nextInt(4) == 0 ? r.nextInt(64) : r.nextInt(4))
                .vc(r.nextBoolean(), r.nextLong()).udpChecksum(r.nextInt(4) == 0)
                .ivSource(new CounterIvSource(nextIv += 1 << 20)).spi(spi).version(version)
                .install(engine, MemorySegment.ofArray(key), 0);
        int tcpMss = r.nextBoolean() ? 0 : 1 + r.nextInt(1500);
        int udpSeg = r.nextInt(3) == 0 ? 1 + r.nextInt(1500) : 0;
        try (FileCodec enc = new FileCodec()) {
            enc.innerChecksums = r.nextBoolean();
            enc.encrypt(engine, sa, in, mid, 262144, tcpMss, udpSeg);
            assertEquals(0, enc.slotsInUse(), "encrypt: slots leaked");
            assertEquals(0, enc.doubleFrees(), "encrypt: double frees");
            assertEquals(enc.written, TestPcap.read(mid).size(), "encrypt: records written");
        }

        long sealed = TestPcap.read(mid).size();
        try (FileCodec dec = new FileCodec()) {
            dec.verifyInnerChecksums = r.nextBoolean();
            if (r.nextBoolean()) {
                dec.gro(GroConfig.defaults().withMaxSegments(1 + r.nextInt(64)).withMerge(
                        r.nextBoolean() ? GroConfig.Merge.CHAIN : GroConfig.Merge.COPY));
            }
            Mode rxMode = r.nextInt(4) == 0 ? Mode.AUTO : mode;
            dec.decrypt(engine, kdf, rxMode, r.nextBoolean() ? 0 : 64, mid, out, 262144);
            PspCounters c = dec.counters;
            assertEquals(sealed, c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough,
                    () -> "decrypt: every record in one counter: " + c + " " + c.reasonMap());
            assertEquals(0, dec.slotsInUse(), "decrypt: slots leaked");
            assertEquals(0, dec.doubleFrees(), "decrypt: double frees");
            assertEquals(dec.written, TestPcap.read(out).size(), "decrypt: records written");
        }
    }
}
