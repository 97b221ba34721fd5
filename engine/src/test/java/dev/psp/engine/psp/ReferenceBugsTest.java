package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestVectors;
import dev.psp.engine.cli.ConfigException;
import dev.psp.engine.cli.PspConfig;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.PacketHeaders;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** One test per bug of the reference tools listed in PSP.md, showing we handle it correctly. */
class ReferenceBugsTest {
    static final byte[] MK0 = RoundTripTest.MK0;
    static final byte[] MK1 = RoundTripTest.MK1;
    /** The vectors' two master keys as a config's first two lines, read at test time. */
    static final String KEYS = TestVectors.decryptConfigText();

    private static TxSa sa(CodecHarness h, Mode mode, int co, boolean vc) {
        return h.install(TxSa.builder().mode(mode).cryptOffset(co).vc(vc, 0x1122334455667788L)
                .ivSource(new CounterIvSource(1)), 0x12345, 0);
    }

    @Test
    void bug1_icvIsCheckedWhenNothingIsEncrypted() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] frame = Frames.spec().proto(17).payload(0).build(); // 8-byte UDP header only
            Packet p = h.load(frame);
            p.sa = sa(h, Mode.TRANSPORT, 2, false); // crypt offset == payload length: empty ciphertext
            assertEquals(0, h.encoder.seal(p));
            assertEquals(0, p.textLen);
            // tamper a covered header byte (R bit of the crypt-offset byte, as psp_encrypt -e does)
            Bytes.u8(p.segment, p.aeadOff + 2, Bytes.u8(p.segment, p.aeadOff + 2) | 0x80);
            assertEquals(Reason.RX_AUTH_FAIL.code(), h.decoder(Mode.TRANSPORT).open(p));
            assertEquals(1, h.rxCounters.rxAuthFail);
            assertFalse(p.authenticated);
        }
    }

    @Test
    void bug2_cryptOffset64IsRefused() {
        String cfg = KEYS + "9A345678 transport aes-gcm-128 64 0 0 no-vc";
        ConfigException e = assertThrows(ConfigException.class, () -> PspConfig.parse(Path.of("x.cfg"), cfg, true));
        assertTrue(e.getMessage().contains("crypt offset"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TxSa.builder().spi(1).cryptOffset(64).validate());
    }

    @Test
    void bug3_lengthsComeFromTheIpHeaderAndPaddingIsKeptNotEncrypted() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] frame = Frames.spec().proto(17).payload(2).pad(16).build(); // 44 + 16 padding = 60
            Packet p = h.load(frame);
            p.sa = sa(h, Mode.TRANSPORT, 0, false);
            assertEquals(0, h.encoder.seal(p));
            byte[] sealed = p.toByteArray();
            // padding follows the ICV unchanged
            assertArrayEquals(java.util.Arrays.copyOfRange(frame, 44, 60), java.util.Arrays.copyOfRange(sealed, sealed.length - 16, sealed.length));
            assertEquals(0, h.decoder(Mode.TRANSPORT).open(p));
            assertArrayEquals(frame, p.toByteArray());
        }
    }

    @Test
    void bug4_tunnelWithInnerIpv4OptionsPutsTheUdpHeaderRight() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] frame = Frames.spec().proto(6).payload(300).options(10).build(); // 40 bytes of options
            Packet p = h.load(frame);
            p.sa = sa(h, Mode.TUNNEL, 0, false);
            assertEquals(0, h.encoder.seal(p));
            PacketHeaders ph = new PacketHeaders();
            assertEquals(PacketHeaders.OK, ph.parse(p.segment, p.offset, p.length));
            assertEquals(20, ph.ipHeaderLen); // outer header has no options
            assertEquals(p.offset + 14 + 20, ph.l4Off);
            assertEquals(1000, ph.dstPort);
            assertEquals(frame.length + 20 + 8 + 16 + 16, p.length); // full 16-byte ICV
            assertEquals(0, h.decoder(Mode.TUNNEL).open(p));
            assertArrayEquals(frame, p.toByteArray());
        }
    }

    @Test
    void bug5_transportPacketsWithInnerProtocol4DecryptInTransportMode() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] frame = Frames.spec().proto(4).payload(60).build(); // IP-in-IP inner protocol
            Packet p = h.load(frame);
            p.sa = sa(h, Mode.TRANSPORT, 0, false);
            assertEquals(0, h.encoder.seal(p));
            byte[] sealed = p.toByteArray();
            assertEquals(0, h.decoder(Mode.TRANSPORT).open(p));
            assertArrayEquals(frame, p.toByteArray());
            assertFalse(p.tunnel);
            // the next-header rule (auto) cannot tell: it takes it for a tunnel and the inner check refuses it
            Packet q = h.load(sealed);
            assertEquals(Reason.RX_BAD_INNER.code(), h.decoder(Mode.AUTO).open(q));
        }
    }

    @Test
    void bug6_vcWithNearJumboFramesDoesNotOverflow() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            for (Mode mode : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                byte[] frame = Frames.spec().v(6).proto(17).payload(9000 - 48).build(); // 9014-byte frame
                assertEquals(9014, frame.length);
                Packet p = h.load(frame);
                // a distinct SPI per mode: the same key and IV twice would be a nonce reuse (the JDK refuses it)
                p.sa = h.install(TxSa.builder().mode(mode).cryptOffset(1).vc(true, 5).ivSource(new CounterIvSource(1)),
                        0x100 + mode.ordinal(), 0);
                assertEquals(0, h.encoder.seal(p));
                assertTrue(p.length > 9014);
                assertEquals(0, h.decoder(mode).open(p));
                assertArrayEquals(frame, p.toByteArray());
            }
        }
    }

    @Test
    void referenceModeRefusesFramesTheReferenceCannotHoldInsteadOfTruncatingThem() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] frame = Frames.spec().v(4).proto(17).payload(9014 - 42 - 10).build(); // fits, but not with 40 B of encapsulation
            Packet p = h.load(frame);
            p.sa = h.install(TxSa.builder().reference(true).sourcePort(SourcePortPolicy.referenceXor())
                    .ivSource(new CounterIvSource(1)), 0x55, 0);
            assertEquals(Reason.TX_TOO_BIG.code(), h.encoder.seal(p));
            Packet q = h.load(frame);
            q.sa = h.install(TxSa.builder().ivSource(new CounterIvSource(1)), 0x56, 0); // default mode: no such limit
            assertEquals(0, h.encoder.seal(q));
        }
    }

    @Test
    void bug7_veryShortIpv6PacketsAreCountedNotUnderflowed() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] frame = Frames.spec().v(6).proto(17).payload(40).build();
            PspDecoder dec = h.decoder(Mode.AUTO);
            for (int cut = 0; cut < frame.length; cut++) {
                byte[] shortFrame = java.util.Arrays.copyOf(frame, cut);
                Packet p = h.load(shortFrame);
                int rc = dec.open(p);
                assertNotEquals(0, rc);
            }
            // an IPv6/UDP:1000 packet shorter than a PSP header + ICV
            byte[] tiny = Frames.spec().v(6).proto(17).ports(5, 1000).payload(10).build();
            assertEquals(Reason.RX_TRUNCATED.code(), dec.open(h.load(tiny)));
            assertTrue(h.rxCounters.rxError > 0);
            assertEquals(0, h.rxCounters.rxPackets);
        }
    }

    @Test
    void bug8_sourcePortIsNeverZero() {
        SourcePortPolicy xor = SourcePortPolicy.referenceXor();
        assertEquals(1000, xor.sourcePort(true, 443, 443, 0));
        assertEquals(443 ^ 80, xor.sourcePort(true, 443, 80, 0));
        for (int hash : new int[] {0, 1, -1, 0x4000, 0xC000_0000}) {
            assertNotEquals(0, SourcePortPolicy.flowHash().sourcePort(true, 1, 1, hash));
        }
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            Packet p = h.load(Frames.spec().ports(7777, 7777).build());
            p.sa = h.install(TxSa.builder().sourcePort(xor).ivSource(new CounterIvSource(1)), 9, 0);
            assertEquals(0, h.encoder.seal(p));
            PacketHeaders ph = new PacketHeaders();
            ph.parse(p.segment, p.offset, p.length);
            assertEquals(1000, ph.srcPort);
        }
    }

    @Test
    void bug9_reservedSpisAreRejected() throws Exception {
        assertThrows(ConfigException.class, () -> PspConfig.parse(Path.of("x.cfg"), KEYS + "80000000 transport aes-gcm-128 0 0 0 no-vc", true));
        assertThrows(ConfigException.class, () -> PspConfig.parse(Path.of("x.cfg"), KEYS + "0 transport aes-gcm-128 0 0 0 no-vc", true));
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            Packet p = h.load(Frames.spec().build());
            p.sa = sa(h, Mode.TRANSPORT, 0, false);
            assertEquals(0, h.encoder.seal(p));
            Bytes.u32(p.segment, p.aeadOff + 4, 0x80000000); // forge a reserved SPI
            assertEquals(Reason.RX_BAD_SPI.code(), h.decoder(Mode.AUTO).open(p));
            assertEquals(1, h.rxCounters.rxBad);
        }
    }

    @Test
    void bug10_nonIpAndTooShortPacketsAreCountedOnEncrypt() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            TxSa sa = sa(h, Mode.TRANSPORT, 0, false);
            byte[] arp = new byte[42];
            arp[12] = 0x08;
            arp[13] = 0x06;
            Packet p = h.load(arp);
            p.sa = sa;
            assertEquals(Reason.TX_NOT_IP.code(), h.encoder.seal(p));
            byte[] cut = java.util.Arrays.copyOf(Frames.spec().build(), 30);
            Packet q = h.load(cut);
            q.sa = sa;
            assertEquals(Reason.TX_MALFORMED.code(), h.encoder.seal(q));
            assertEquals(2, h.txCounters.txError);
            assertEquals(0, h.txCounters.txPackets);
        }
    }

    @Test
    void bug11_crossFamilyTunnelDecryptFixesTheEthertype() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            byte[] s6 = new byte[16];
            byte[] d6 = new byte[16];
            s6[15] = 1;
            d6[15] = 2;
            byte[] frame = Frames.spec().v(4).proto(6).payload(200).build();
            Packet p = h.load(frame);
            p.sa = h.install(TxSa.builder().mode(Mode.TUNNEL).outer(s6, d6, 64).ivSource(new CounterIvSource(1)), 77, 1);
            assertEquals(0, h.encoder.seal(p));
            assertEquals(0x86DD, Bytes.u16(p.segment, p.offset + 12)); // outer is IPv6
            assertEquals(0, h.decoder(Mode.AUTO).open(p));
            assertEquals(0x0800, Bytes.u16(p.segment, p.offset + 12)); // inner is IPv4 again
            assertArrayEquals(frame, p.toByteArray());
        }
    }

    @Test
    void bug12_aBurstGoesOnPastBadPackets() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            TxSa sa = sa(h, Mode.TRANSPORT, 0, false);
            java.lang.foreign.MemorySegment slab = h.arena.allocate(4L * 2048);
            Packet[] burst = new Packet[4];
            byte[][] frames = {Frames.spec().seed(1).build(), new byte[20], Frames.spec().seed(2).build(), Frames.spec().seed(3).build()};
            for (int i = 0; i < 4; i++) {
                java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(frames[i]), 0, slab, 2048L * i + 256, frames[i].length);
                burst[i] = new Packet().wrap(slab, 2048L * i, 2048L * (i + 1), 2048L * i + 256, frames[i].length);
                burst[i].sa = sa;
            }
            Packet bad = burst[1];
            assertEquals(3, h.encoder.sealBurst(burst, 4));
            assertEquals(bad, burst[3]); // failures move to the tail
            assertNotEquals(0, bad.result);
            assertEquals(1, h.txCounters.txError);
            PspDecoder dec = h.decoder(Mode.TRANSPORT);
            assertEquals(3, dec.openBurst(burst, 3));
            for (int i = 0; i < 3; i++) {
                assertTrue(burst[i].authenticated);
            }
        }
    }
}
