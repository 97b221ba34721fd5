package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.cli.PspConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Byte-exact conformance with Google's reference encoder, at the codec level. */
class ReferenceVectorsTest {

    static Stream<String> cases() throws IOException {
        return TestVectors.encryptedCases().stream();
    }

    static Stream<String> corrupted() throws IOException {
        try (Stream<Path> s = Files.list(TestVectors.googlePsp().resolve("corrupted"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    static Path cfgFor(String name) {
        return TestVectors.cfgFor(name);
    }

    static Path cleartextFor(String name) {
        return TestVectors.cleartextFor(name);
    }

    static PspConfig decryptCfg() throws Exception {
        return PspConfig.readDecrypt(TestVectors.googlePsp().resolve("cfg/decrypt.cfg"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void referenceModeEncryptIsByteIdentical(String name) throws Exception {
        PspConfig cfg = PspConfig.readEncrypt(cfgFor(name));
        List<TestPcap.Rec> in = TestPcap.read(cleartextFor(name));
        List<TestPcap.Rec> expected = TestPcap.read(TestVectors.googlePsp().resolve("encrypted/" + name + ".pcap"));
        assertEquals(in.size(), expected.size());
        try (CodecHarness h = new CodecHarness(cfg.masterKey0, cfg.masterKey1)) {
            TxSa sa = h.install(TxSa.builder().mode(cfg.mode)
                    .cryptOffsets(cfg.cryptOffsetTransport, cfg.cryptOffsetTunnelV4, cfg.cryptOffsetTunnelV6)
                    .vc(cfg.vc, 0).sourcePort(SourcePortPolicy.referenceXor()).reference(true)
                    .ivSource(new CounterIvSource(1)), cfg.spi, cfg.version);
            for (int i = 0; i < in.size(); i++) {
                Packet p = h.load(in.get(i).data());
                p.sa = sa;
                assertEquals(0, h.encoder.seal(p), () -> Reason.of(0).name());
                assertArrayEquals(expected.get(i).data(), p.toByteArray(), name);
            }
            assertEquals(in.size(), h.txCounters.txPackets);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decryptGivesTheCleartext(String name) throws Exception {
        PspConfig cfg = decryptCfg();
        List<TestPcap.Rec> in = TestPcap.read(TestVectors.googlePsp().resolve("encrypted/" + name + ".pcap"));
        List<TestPcap.Rec> clear = TestPcap.read(cleartextFor(name));
        for (Mode mode : new Mode[] {Mode.AUTO, name.contains("tunnel") ? Mode.TUNNEL : Mode.TRANSPORT}) {
            try (CodecHarness h = new CodecHarness(cfg.masterKey0, cfg.masterKey1)) {
                PspDecoder dec = h.decoder(mode);
                for (int i = 0; i < in.size(); i++) {
                    Packet p = h.load(in.get(i).data());
                    assertEquals(0, dec.open(p), name);
                    assertArrayEquals(clear.get(i).data(), p.toByteArray(), name);
                    assertEquals(true, p.authenticated);
                    assertEquals(1L, p.iv);
                }
                assertEquals(in.size(), h.rxCounters.rxPackets);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("corrupted")
    void everyCorruptedFileIsRejectedAsAuthFailure(String file) throws Exception {
        PspConfig cfg = decryptCfg();
        List<TestPcap.Rec> in = TestPcap.read(TestVectors.googlePsp().resolve("corrupted/" + file));
        try (CodecHarness h = new CodecHarness(cfg.masterKey0, cfg.masterKey1)) {
            PspDecoder dec = h.decoder(Mode.AUTO);
            for (TestPcap.Rec r : in) {
                Packet p = h.load(r.data());
                assertEquals(Reason.RX_AUTH_FAIL.code(), dec.open(p), file);
                assertEquals(false, p.authenticated);
            }
            assertEquals(in.size(), h.rxCounters.rxAuthFail);
            assertEquals(0, h.rxCounters.rxPackets);
        }
    }
}
