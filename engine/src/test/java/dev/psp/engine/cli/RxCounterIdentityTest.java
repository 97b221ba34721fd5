package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.psp.engine.Frames;
import dev.psp.engine.TestFiles;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspCounters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Decrypt's receive accounting: every packet read lands in exactly one of rx-packets (delivered),
 * rx-auth-fail, rx-error, rx-bad or rx-passthrough, whichever stage drops it, the decoder
 * ({@code --inner-checksum}) or GRO ({@code --gro}): a packet whose inner TCP/UDP checksum is bad
 * after decryption is a malformed inner packet, rx-error (reason rx-inner-csum-bad), not rx-packets.
 */
class RxCounterIdentityTest {
    static final Path V = TestVectors.googlePsp();
    static final int GOOD = 6;
    static final int BAD_INNER = 4;
    static final int TAMPERED = 2;
    static final int TRUNCATED = 1;
    static final int RESERVED_SPI = 1;
    static final int CLEAR = 1;
    static final int IN = GOOD + BAD_INNER + TAMPERED + TRUNCATED + RESERVED_SPI + CLEAR;
    @TempDir
    Path tmp;

    /** {@code drop}: GRO's default (a bad inner checksum is dropped); false: GRO delivers it alone. */
    @ParameterizedTest(name = "verify {0}, gro {1}, gro drop {2}")
    @CsvSource({"true,false,true", "false,true,true", "true,true,true", "false,true,false", "false,false,true"})
    void everyPacketLandsInOneSpecCounter(boolean verify, boolean gro, boolean drop) throws Exception {
        long goodBytes = 0;
        List<byte[]> good = new ArrayList<>();
        List<byte[]> badInner = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            int v = i % 2 == 0 ? 4 : 6;
            byte[] f = Frames.spec().v(v).proto(i < 3 ? 6 : 17).payload(100 + 37 * i).ports(41000 + i, 443).seed(i).build();
            good.add(f);
            goodBytes += f.length - 14 - (v == 4 ? 20 : 40); // transport: the inner L4 header and payload
        }
        for (int i = 0; i < BAD_INNER; i++) {
            int v = i == 3 ? 6 : 4;
            int proto = i % 2 == 0 ? 6 : 17;
            byte[] f = Frames.spec().v(v).proto(proto).payload(200 + i).ports(42000 + i, 443).seed(100 + i).build();
            int field = 14 + (v == 4 ? 20 : 40) + (proto == 6 ? 16 : 6);
            f[field] = 0x12; // a wrong (non-zero) inner checksum, sealed as it is: PSP authenticates it
            f[field + 1] = 0x34;
            badInner.add(f);
        }
        // sealed with valid inner checksums (--inner-checksum fills them), and as they are
        List<byte[]> sealedGood = encrypt(good, true);
        List<byte[]> sealedBad = encrypt(badInner, false);

        List<byte[]> input = new ArrayList<>(sealedGood);
        input.addAll(sealedBad);
        for (int i = 0; i < TAMPERED; i++) {
            byte[] t = sealedGood.get(i).clone();
            t[t.length - 1] ^= 0x01; // the ICV: authentication fails
            input.add(t);
        }
        byte[] cut = sealedGood.get(2).clone();
        input.add(java.util.Arrays.copyOf(cut, cut.length - 30)); // shorter than its IP length: rx-error
        byte[] spi0 = sealedGood.get(4).clone(); // IPv4 transport: PSP header at 14 + 20 + 8
        for (int k = 0; k < 4; k++) {
            spi0[14 + 20 + 8 + 4 + k] = 0; // SPI 0 is reserved: rx-bad
        }
        input.add(spi0);
        input.add(good.get(0)); // not PSP: passes through
        assertEquals(IN, input.size());
        // interleave so drops sit between deliveries (and GRO sees them among its flows)
        List<byte[]> mixed = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            mixed.add(input.get((i * 7) % input.size()));
        }
        Path in = TestFiles.writePcap(tmp.resolve("in.pcap"), mixed);

        FileCodec codec = decrypt(in, tmp.resolve("out.pcap"), verify, gro ? GroConfig.defaults().withDropBadChecksum(drop) : null);
        PspCounters c = codec.counters;
        boolean dropped = verify || (gro && drop); // some stage drops the bad inner checksums
        int delivered = GOOD + (dropped ? 0 : BAD_INNER);
        String all = c + " " + c.reasonMap() + " " + codec.offloadCounters();
        assertEquals(IN, c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough, "identity: " + all);
        assertEquals(delivered, c.rxPackets, all);
        assertEquals(TAMPERED, c.rxAuthFail, all);
        assertEquals(TRUNCATED + (dropped ? BAD_INNER : 0), c.rxError, all);
        assertEquals(RESERVED_SPI, c.rxBad, all);
        assertEquals(CLEAR, c.rxPassthrough, all);
        if (dropped) {
            assertEquals(goodBytes, c.rxBytes, "rx-bytes: the delivered packets only; " + all);
            assertEquals(BAD_INNER, c.reasonMap().get("rx-inner-csum-bad"), all);
        } else {
            assertNull(c.reasonMap().get("rx-inner-csum-bad"), all);
        }
        // each reason lands in one spec counter: the reasons add up to the drop counters
        long reasons = c.reasonMap().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough, reasons, all);
        if (gro) {
            // GRO sees what the decoder delivered: when GRO drops, the decoder verified (and dropped)
            // first; a GRO that delivers bad checksums finds them itself
            assertEquals(verify || drop ? 0 : BAD_INNER, codec.groCounters.innerCsumBad, all);
            // GRO's own books describe what it delivered: what open dropped is no GRO input or output
            long openDropped = c.rxAuthFail + c.rxBad + c.rxError; // a GRO that drops has the decoder verify
            assertEquals(openDropped, codec.groCounters.failedOpen, all);
            assertEquals(IN - openDropped, codec.groCounters.segmentsIn, all);
            assertEquals(codec.written, codec.groCounters.packetsOut, all);
        }
        assertEquals(delivered + CLEAR, codec.written, all); // no two good packets share a flow: nothing merges
        assertEquals(delivered + CLEAR, TestPcap.read(tmp.resolve("out.pcap")).size());
        assertEquals(0, codec.slotsInUse());
        codec.close();
    }

    private List<byte[]> encrypt(List<byte[]> frames, boolean innerChecksum) throws Exception {
        Path clear = TestFiles.writePcap(tmp.resolve("clear-" + innerChecksum + ".pcap"), frames);
        Path enc = tmp.resolve("enc-" + innerChecksum + ".pcap");
        List<String> args = new ArrayList<>(List.of("encrypt", "-c", V.resolve("cfg/encrypt_transport_no_crypt_off_128.cfg").toString(),
                "-i", clear.toString(), "-o", enc.toString()));
        if (innerChecksum) {
            args.add("--inner-checksum");
        }
        CliTest.Result run = CliTest.psp(args.toArray(String[]::new));
        assertEquals(0, run.rc(), run.err());
        List<byte[]> out = new ArrayList<>();
        for (TestPcap.Rec r : TestPcap.read(enc)) {
            out.add(r.data());
        }
        assertEquals(frames.size(), out.size());
        return out;
    }

    private static FileCodec decrypt(Path in, Path out, boolean verify, GroConfig gro) throws Exception {
        FileCodec codec = new FileCodec();
        codec.verifyInnerChecksums = verify;
        if (gro != null) {
            codec.gro(gro);
        }
        return TestFiles.decryptWithVectorKeys(codec, Mode.TRANSPORT, 0, in, out);
    }
}
