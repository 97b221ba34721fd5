package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.Frames;
import dev.psp.engine.TestFiles;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.psp.Mode;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packet pool of {@code psp decrypt --gro}: sized from the GRO configuration it serves. */
class FileCodecGroPoolTest {
    static final Path V = TestVectors.googlePsp();
    static final int MSS = 200;
    static final int PAYLOAD = 60_000; // 300 segments of MSS bytes per super-packet
    @TempDir
    Path tmp;

    /**
     * Super-packets of 300 segments with {@code --gro-max-segments 400}: zero-copy GRO holds each
     * whole chain across bursts (one flow at a time) and delivers it whole, as COPY does, with no
     * pool-pressure flush; every slot comes back once.
     */
    @Test
    void chainModeHoldsAFullSuperPacketAtALargeMaxSegments() throws Exception {
        Path enc = encryptedSuperPackets();
        Path[] out = new Path[2];
        for (GroConfig.Merge m : GroConfig.Merge.values()) {
            out[m.ordinal()] = tmp.resolve("dec-" + m + ".pcap");
            try (FileCodec codec = decrypt(enc, out[m.ordinal()], GroConfig.defaults().withMerge(m).withMaxSegments(400))) {
                assertEquals(0, codec.groCounters.flushExplicit, m + ": pool-pressure flushes " + codec.groCounters);
                assertEquals(2, codec.groCounters.superPackets, m + ": " + codec.groCounters);
                assertEquals(0, codec.slotsInUse(), m + ": leaked slots");
                assertEquals(0, codec.doubleFrees(), m + ": double frees");
            }
        }
        List<TestPcap.Rec> recs = TestPcap.read(out[GroConfig.Merge.CHAIN.ordinal()]);
        assertEquals(2, recs.size());
        assertArrayEquals(Files.readAllBytes(out[GroConfig.Merge.COPY.ordinal()]),
                Files.readAllBytes(out[GroConfig.Merge.CHAIN.ordinal()]));
        // through the command line too, up to the largest --gro-max-segments
        String cfg = V.resolve("cfg/decrypt.cfg").toString();
        for (String max : new String[] {"400", "65535"}) {
            Path viaCli = tmp.resolve("cli-" + max + ".pcap");
            assertEquals(0, cli("decrypt", "-c", cfg, "-i", enc.toString(), "-o", viaCli.toString(), "--mode", "tunnel",
                    "--gro", "--gro-max-segments", max));
            assertArrayEquals(Files.readAllBytes(out[GroConfig.Merge.COPY.ordinal()]), Files.readAllBytes(viaCli),
                    "--gro-max-segments " + max);
        }
    }

    /**
     * The sizing: a burst (and spare) without GRO; plus a head per flow with it; plus chains of the
     * configured length when chaining, bounded whatever the configuration.
     */
    @Test
    void poolSlotsFollowTheGroConfiguration() {
        int base = FileCodec.BURST + 8;
        GroConfig d = GroConfig.defaults();
        assertEquals(base, FileCodec.poolSlots(null), "no GRO: nothing held across bursts");
        assertEquals(base, FileCodec.poolSlots(d.withEnabled(false)));
        assertEquals(base + 32, FileCodec.poolSlots(d.withMerge(GroConfig.Merge.COPY)), "COPY holds heads only");
        assertEquals(base + 7, FileCodec.poolSlots(d.withMerge(GroConfig.Merge.COPY).withMaxFlows(7)));
        assertEquals(base + 32 + 2 * 64, FileCodec.poolSlots(d), "the default: as before");
        assertEquals(base + 32 + 2 * 400, FileCodec.poolSlots(d.withMaxSegments(400)));
        assertEquals(base + 32 + 2 * 8, FileCodec.poolSlots(d.withMaxSegments(8)));
        assertEquals(base + 1024 + FileCodec.MAX_CHAIN_SLOTS,
                FileCodec.poolSlots(d.withMaxSegments(65535).withMaxFlows(1024)), "bounded");
    }

    /** Two TCP super-packets (IPv4, IPv6) of {@value #PAYLOAD} payload bytes, TSO'd at {@value #MSS} and sealed. */
    private Path encryptedSuperPackets() throws Exception {
        Path clear = tmp.resolve("clear.pcap");
        Path enc = tmp.resolve("enc.pcap");
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, false)) {
            for (int v : new int[] {4, 6}) {
                byte[] f = Frames.spec().v(v).proto(6).payload(PAYLOAD).seed(v).build();
                w.write(MemorySegment.ofArray(f), 0, f.length, 10 + v, 0);
            }
        }
        assertEquals(0, cli("encrypt", "-c", V.resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString(),
                "-i", clear.toString(), "-o", enc.toString(), "--tso-mss", Integer.toString(MSS)));
        assertEquals(2 * PAYLOAD / MSS, TestPcap.read(enc).size());
        return enc;
    }

    private static FileCodec decrypt(Path enc, Path out, GroConfig gro) throws Exception {
        FileCodec codec = new FileCodec();
        codec.gro(gro);
        return TestFiles.decryptWithVectorKeys(codec, Mode.TUNNEL, 256, enc, out);
    }

    private static int cli(String... args) {
        return CliTest.psp(args).rc();
    }
}
