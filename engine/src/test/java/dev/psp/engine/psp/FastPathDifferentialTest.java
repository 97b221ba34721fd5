package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.wire.Checksum;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoder's specialised transport/IPv4 encapsulation against its general one
 * ({@link PspEncoder#fastPath}): for random frames of the common shape and of every near miss
 * (VLAN tag, IPv4 options, padding, fragments, other protocols, IPv6, short and truncated frames,
 * wrong checksums), with and without checksum-offload emulation, every SA variant (versions, VC, crypt offsets, source-port policies, S/D) and
 * tight head- and tailroom, both give the same result code, the same bytes and records that open
 * to the same frame; the encoder's own count ({@code PspEncoder.fastEncapsulations}) shows the
 * specialised path took every sealed frame of the common shape, and none with it turned off. Seeded.
 */
public class FastPathDifferentialTest {
    public static final byte[] MK0 = new byte[32];
    public static final byte[] MK1 = new byte[32];

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void fastAndGeneralEncapsulationAgree(long seed) {
        Random r = new Random(seed);
        int fastShaped = 0;
        int fastShapedSealed = 0;
        int fastShapedSealed6 = 0;
        try (CodecHarness fast = new CodecHarness(MK0, MK1); CodecHarness general = new CodecHarness(MK0, MK1)) {
            general.encoder.fastPath(false);
            for (int round = 0; round < 400; round++) {
                boolean csum = r.nextInt(3) == 0; // checksum-offload emulation on both
                fast.encoder.innerChecksums(csum);
                general.encoder.innerChecksums(csum);
                int version = r.nextInt(4);
                int co = r.nextInt(8) == 0 ? 63 : r.nextInt(12);
                boolean vc = r.nextBoolean();
                SourcePortPolicy sport = switch (r.nextInt(4)) {
                    case 0 -> SourcePortPolicy.referenceXor();
                    case 1 -> SourcePortPolicy.fixed(5555);
                    case 2 -> SourcePortPolicy.table(new int[] {50000, 50001, 50002, 50003, 50004, 50005, 50006, 50007,
                        50008, 50009, 50010, 50011, 50012, 50013, 50014, 50015});
                    default -> SourcePortPolicy.flowHash();
                };
                boolean s = r.nextBoolean();
                boolean d = r.nextBoolean();
                boolean udpCsum = r.nextInt(4) == 0;
                long iv0 = r.nextLong() >>> 1;
                int spi = 0x100 + round;
                TxSa fs = fast.install(builder(version, co, vc, sport, s, d, udpCsum, iv0), spi, version);
                TxSa gs = general.install(builder(version, co, vc, sport, s, d, udpCsum, iv0), spi, version);
                byte[] frame = frame(r);
                int head = r.nextInt(6) == 0 ? r.nextInt(48) : 256;
                int tail = r.nextInt(6) == 0 ? r.nextInt(24) : 256;
                Packet fp = place(fast, frame, head, tail);
                Packet gp = place(general, frame, head, tail);
                fp.sa = fs;
                gp.sa = gs;
                int frc = fast.encoder.seal(fp);
                int grc = general.encoder.seal(gp);
                assertEquals(grc, frc, "round " + round + " result");
                if (isFastShape(frame)) {
                    fastShaped++;
                }
                if (grc != 0) {
                    continue;
                }
                if (isFastShape(frame)) {
                    fastShapedSealed++;
                    fastShapedSealed6 += isCommonShape(frame) ? 0 : 1;
                }
                byte[] fb = fp.toByteArray();
                assertArrayEquals(gp.toByteArray(), fb, "round " + round + " bytes");
                assertEquals(0, fast.decoder(Mode.TRANSPORT).open(fp), "round " + round + " opens");
                if (!csum) {
                    // the encapsulation recomputes the IPv4 header checksum (a wrong one comes back right)
                    assertArrayEquals(withIpv4Checksum(frame), fp.toByteArray(), "round " + round + " round trip");
                }
            }
            // the encoder's own count, not the test's classification: every sealed frame of the
            // common shape went through the specialised path, and none did with it turned off
            assertEquals(fastShapedSealed, fast.encoder.fastEncapsulations, "frames the specialised path encapsulated");
            assertEquals(0, general.encoder.fastEncapsulations, "fastPath(false) must never take the specialised path");
        }
        assertTrue(fastShaped > 100, "the generator must exercise the common shape: " + fastShaped);
        assertTrue(fastShapedSealed6 > 40, "and its IPv6 twin: " + fastShapedSealed6);
        assertTrue(fastShapedSealed > fastShaped / 2, "most common-shape frames must seal (through the specialised path): "
                + fastShapedSealed + " of " + fastShaped);
    }

    static TxSa.Builder builder(int version, int co, boolean vc, SourcePortPolicy sport, boolean s, boolean d,
                                boolean udpCsum, long iv0) {
        return TxSa.builder().mode(Mode.TRANSPORT).cryptOffset(co).vc(vc, 0x1122334455667788L).sourcePort(sport)
                .sBit(s).dBit(d).udpChecksum(udpCsum).ivSource(new CounterIvSource(iv0));
    }

    static Packet place(CodecHarness h, byte[] frame, int head, int tail) {
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, h.buf, 1000, frame.length);
        return new Packet().wrap(h.buf, 1000 - head, 1000 + frame.length + tail, 1000, frame.length);
    }

    static byte[] withIpv4Checksum(byte[] frame) {
        byte[] f = frame.clone();
        int l3 = (f[12] & 0xff) == 0x81 ? 18 : 14;
        if ((f[l3] & 0xf0) == 0x40) {
            Checksum.ipv4Header(MemorySegment.ofArray(f), l3, (f[l3] & 0x0f) * 4);
        }
        return f;
    }

    static boolean isCommonShape(byte[] f) {
        return f.length >= 42 && (f[12] & 0xff) == 0x08 && f[13] == 0 && (f[14] & 0xff) == 0x45
                && ((f[16] & 0xff) << 8 | (f[17] & 0xff)) == f.length - 14 && ((f[20] & 0x3f) | f[21]) == 0
                && (f[23] == 6 || f[23] == 17);
    }

    /** The encoder's specialised shapes: {@link #isCommonShape} (IPv4) or its IPv6 twin (no extension headers, TCP/UDP, no padding). */
    static boolean isFastShape(byte[] f) {
        return isCommonShape(f) || (f.length >= 62 && (f[12] & 0xff) == 0x86 && (f[13] & 0xff) == 0xdd && (f[14] & 0xf0) == 0x60
                && ((f[18] & 0xff) << 8 | (f[19] & 0xff)) == f.length - 54 && (f[20] == 6 || f[20] == 17));
    }

    /**
     * Mostly the common shapes, often one thing off: IPv4 or (a quarter) IPv6, each with a VLAN tag,
     * IPv4 options or an IPv6 extension header, Ethernet padding, another protocol, a fragment
     * (IPv4 flags, IPv6 fragment header), a short or cut TCP header, a jumbo payload, a length field
     * beyond the frame, or a wrong IPv4 header checksum.
     */
    public static byte[] frame(Random r) {
        int kind = r.nextInt(12);
        boolean v6 = kind == 1 || r.nextInt(4) == 0;
        int vlan = kind == 2 ? 4 : 0;
        int opts = kind == 3 ? 4 * (1 + r.nextInt(3)) : 0;
        int pad = kind == 4 ? 1 + r.nextInt(20) : 0;
        int proto = kind == 5 ? (r.nextBoolean() ? 1 : 50) : (r.nextBoolean() ? 6 : 17);
        int fragWord = kind == 6 ? (r.nextBoolean() ? 0x2000 : 0x0010) : (r.nextBoolean() ? 0x4000 : 0);
        int payload = kind == 7 ? r.nextInt(8) : r.nextInt(kind == 8 ? 9000 : 1500);
        int l4 = proto == 6 ? 20 : proto == 17 ? 8 : 8;
        if (kind == 7 && proto == 6 && r.nextBoolean()) {
            l4 = 8 + r.nextInt(12); // a TCP header cut short: no checksum field to fill
            payload = 0;
        }
        int ext = v6 && kind == 3 ? 8 * (1 + r.nextInt(3)) : 0; // IPv6: a destination-options header
        int fragHdr = v6 && kind == 6 ? 8 : 0; // IPv6: a fragment header
        int ipHdr = v6 ? 40 + ext + fragHdr : 20 + opts;
        ByteBuffer b = ByteBuffer.allocate(14 + vlan + ipHdr + l4 + payload + pad);
        byte[] macs = new byte[12];
        r.nextBytes(macs);
        b.put(macs);
        if (vlan > 0) {
            b.putShort((short) 0x8100).putShort((short) r.nextInt(4096));
        }
        int l3 = b.position() + 2;
        if (v6) {
            int nh = ext > 0 ? 60 : fragHdr > 0 ? 44 : proto;
            int plen = ext + fragHdr + l4 + payload + (kind == 9 ? 4 : 0); // kind 9: length field beyond the frame
            b.putShort((short) 0x86dd).putInt(0x60000000 | r.nextInt(1 << 20)).putShort((short) plen).put((byte) nh)
                    .put((byte) 64).putLong(r.nextLong()).putLong(r.nextLong()).putLong(r.nextLong()).putLong(r.nextLong());
            if (ext > 0) {
                b.put((byte) proto).put((byte) (ext / 8 - 1)).put((byte) 1).put((byte) (ext - 4)); // PadN over the rest
                for (int i = 4; i < ext; i++) {
                    b.put((byte) 0);
                }
            }
            if (fragHdr > 0) { // a first fragment (more to come) or a later one
                b.put((byte) proto).put((byte) 0).putShort((short) (r.nextBoolean() ? 0x0001 : 0x00b8)).putInt(r.nextInt());
            }
        } else {
            int total = ipHdr + l4 + payload + (kind == 9 ? 4 : 0); // kind 9: length field beyond the frame
            b.putShort((short) 0x0800).put((byte) (0x40 | ipHdr / 4)).put((byte) r.nextInt(256)).putShort((short) total)
                    .putShort((short) r.nextInt(65536)).putShort((short) fragWord).put((byte) (1 + r.nextInt(255)))
                    .put((byte) proto).putShort((short) 0).putInt(r.nextInt()).putInt(r.nextInt());
            for (int i = 0; i < opts; i++) {
                b.put((byte) 1);
            }
            if (kind != 10) { // kind 10: a wrong header checksum (left 0)
                Checksum.ipv4Header(MemorySegment.ofArray(b.array()), l3, ipHdr);
            }
        }
        byte[] rest = new byte[l4 + payload + pad];
        r.nextBytes(rest);
        b.put(rest);
        return b.array();
    }
}
