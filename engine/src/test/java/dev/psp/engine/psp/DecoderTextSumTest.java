package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inner checksum verification from the native shim's plaintext sums ({@code PSP_SHIM_F_TEXT_SUM}:
 * the decoder adds the crypt offset's clear bytes, takes off a tunnel's inner IP header and bytes
 * past the inner packet) against the JDK backend's decoder, which sums the L4 bytes itself: random
 * frames (IPv4 and IPv6, TCP and UDP, odd lengths, VLAN tags, extension headers, padding) sealed
 * under random SAs (versions, crypt offsets, VC, transport and tunnel), two thirds with their inner
 * checksum computed by the encoder and the rest with whatever the frame carried (mostly wrong), some
 * then damaged; opened by both decoders with verification on: the same result, bytes and
 * receive fields per packet ({@code innerCsumVerified} among them) and the same counters, and the shim's sums were used; a
 * third decoder on the shim that only marks ({@code markInnerChecksums}) marks the same packets
 * and delivers the bad ones instead of dropping them. Seeded.
 */
class DecoderTextSumTest {
    private static final int SLOT = 10_240;
    private static final int BURST = 16;

    static Stream<String> shims() {
        return Stream.of("shim-ipsecmb", "shim-openssl");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shims")
    void shimSumsGiveJavasVerdicts(String name) {
        AeadBackend backend = AeadBackends.byName(name);
        Assumptions.assumeTrue(backend != null && backend.isAvailable(),
                () -> name + " unavailable: " + (backend == null ? "unknown" : backend.unavailabilityCause())
                        + " (the JDK path sums the payload itself; nothing else to compare)");
        Random r = new Random(7);
        padded = 0;
        try (CodecHarness jdk = new CodecHarness(FastPathDifferentialTest.MK0, FastPathDifferentialTest.MK1);
             CodecHarness shim = new CodecHarness(backend, FastPathDifferentialTest.MK0, FastPathDifferentialTest.MK1, 0);
             Arena arena = Arena.ofConfined()) {
            MemorySegment jbuf = arena.allocate((long) SLOT * BURST, 64);
            MemorySegment sbuf = arena.allocate((long) SLOT * BURST, 64);
            MemorySegment mbuf = arena.allocate((long) SLOT * BURST, 64);
            PspCounters markCounters = new PspCounters();
            long markedBadDelivered = 0;
            long markFromSums = 0;
            long verified = 0;
            long bad = 0;
            long fromSums = 0;
            long tunnelVerified = 0;
            for (int round = 0; round < 150; round++) {
                Mode mode = Mode.values()[r.nextInt(Mode.values().length)];
                PspDecoder java = new PspDecoder(jdk.engine, jdk.rxKeys, jdk.rxCounters, mode).verifyInnerChecksums(true);
                PspDecoder withSums = new PspDecoder(shim.engine, shim.rxKeys, shim.rxCounters, mode).verifyInnerChecksums(true)
                        .fastPath(r.nextBoolean());
                PspDecoder marking = new PspDecoder(shim.engine, shim.rxKeys, markCounters, mode).markInnerChecksums(true)
                        .fastPath(r.nextBoolean());
                int n = 1 + r.nextInt(BURST);
                Packet[] jp = new Packet[n];
                Packet[] sp = new Packet[n];
                Packet[] mp = new Packet[n];
                for (int i = 0; i < n; i++) {
                    byte[] wire = sealed(jdk, r, round * BURST + i);
                    if (r.nextInt(3) == 0) {
                        wire = trailingBytes(jdk, r, wire);
                    }
                    if (r.nextInt(6) == 0) {
                        wire = DecoderFastPathDifferentialTest.damage(r, wire);
                    }
                    jp[i] = place(jbuf, i, wire);
                    sp[i] = place(sbuf, i, wire);
                    mp[i] = place(mbuf, i, wire);
                }
                int jn = java.openBurst(jp.clone(), n);
                int sn = withSums.openBurst(sp.clone(), n);
                assertEquals(jn, sn, "round " + round + " delivered");
                fromSums += withSums.textSumVerifications; // a new decoder each round
                marking.openBurst(mp.clone(), n);
                markFromSums += marking.textSumVerifications;
                for (int i = 0; i < n; i++) {
                    String at = "round " + round + " packet " + i + " mode " + mode;
                    DecoderFastPathDifferentialTest.assertSameOpen(jp[i], sp[i], at);
                    if (sp[i].innerCsumVerified) {
                        verified++;
                        tunnelVerified += sp[i].tunnel ? 1 : 0;
                    }
                    bad += sp[i].result == Reason.RX_INNER_CSUM_BAD.code() ? 1 : 0;
                    // marking only: the same, but a bad checksum is delivered, unmarked
                    boolean badSum = jp[i].result == Reason.RX_INNER_CSUM_BAD.code();
                    assertEquals(badSum ? 0 : jp[i].result, mp[i].result, at + " marking: result");
                    assertEquals(jp[i].innerCsumVerified, mp[i].innerCsumVerified, at + " marking: verified");
                    if (badSum) {
                        markedBadDelivered++;
                    } else {
                        assertArrayEquals(jp[i].toByteArray(), mp[i].toByteArray(), at + " marking: bytes");
                    }
                }
            }
            assertEquals(jdk.rxCounters.reasonMap(), shim.rxCounters.reasonMap(), "drop reasons");
            assertEquals(jdk.rxCounters.rxPackets, shim.rxCounters.rxPackets, "rx-packets");
            assertEquals(bad, markedBadDelivered);
            assertEquals(jdk.rxCounters.rxPackets + bad, markCounters.rxPackets, "marking: bad checksums delivered");
            assertEquals(0, markCounters.reasons[Reason.RX_INNER_CSUM_BAD.code()], "marking drops nothing for its checksum");
            assertEquals(fromSums, markFromSums, "marking checks from the shim's sums as verifying does");
            assertTrue(verified > 250, "enough inner checksums must verify: " + verified);
            assertTrue(tunnelVerified > 80, "tunnel-mode checksums must verify too: " + tunnelVerified);
            assertTrue(bad > 120, "enough inner checksums must fail: " + bad);
            assertTrue(fromSums > 300, "the shim's sums must decide most verdicts: " + fromSums);
            assertTrue(padded > 25, "enough tunnel packets with bytes past the inner packet: " + padded);
        }
    }

    /** A PSP packet sealed from a random frame, its inner checksum computed two times in three. */
    private static byte[] sealed(CodecHarness h, Random r, int spi) {
        h.encoder.innerChecksums(r.nextInt(3) != 0);
        return DecoderFastPathDifferentialTest.sealed(h, r, spi);
    }

    /**
     * A tunnel-mode AES-GCM packet (outer IPv4) re-sealed with 1..9 random bytes after its inner IP
     * packet inside the text (a receiver takes that: the inner packet's own length decides), so the
     * decoder takes bytes past the inner packet off the shim's sum, at odd and even distances;
     * other packets are returned as they are.
     */
    private static byte[] trailingBytes(CodecHarness h, Random r, byte[] w) {
        int aead = 14 + 20 + 8;
        if (w.length < aead + 16 + 16 || (w[12] & 0xff) != 0x08 || w[13] != 0 || w[14] != 0x45) {
            return w;
        }
        MemorySegment s = MemorySegment.ofArray(w);
        long word0 = PspHeader.word0(s, aead);
        int version = PspHeader.version(word0);
        int nh = PspHeader.nextHeader(word0);
        if (PspHeader.isGmac(version) || (nh != 4 && nh != 41)) {
            return w;
        }
        int aadLen = 16 + PspHeader.cryptOffset(word0) * 4;
        int textLen = w.length - aead - aadLen - 16;
        if (textLen < 0) {
            return w;
        }
        byte[] k = h.kdf.derive(PspHeader.spi(word0), version);
        var key = h.engine.prepareKey(null, MemorySegment.ofArray(k), 0, k.length);
        if (h.engine.open(key, s, aead, aadLen, textLen) != 0) {
            return w;
        }
        int extra = 1 + r.nextInt(9);
        byte[] t = java.util.Arrays.copyOf(w, w.length + extra);
        for (int i = 0; i < extra; i++) {
            t[w.length - 16 + i] = (byte) r.nextInt(256);
        }
        MemorySegment ts = MemorySegment.ofArray(t);
        dev.psp.engine.wire.Bytes.u16(ts, 16, dev.psp.engine.wire.Bytes.u16(ts, 16) + extra); // outer IPv4 length
        dev.psp.engine.wire.Bytes.u16(ts, 38, dev.psp.engine.wire.Bytes.u16(ts, 38) + extra); // UDP length
        dev.psp.engine.wire.Bytes.u16(ts, 40, 0); // UDP checksum: none
        dev.psp.engine.wire.Checksum.ipv4Header(ts, 14, 20);
        if (h.engine.seal(key, ts, aead, aadLen, textLen + extra) != 0) {
            throw new IllegalStateException("re-seal failed");
        }
        padded++;
        return t;
    }

    private static int padded;

    private static Packet place(MemorySegment buf, int slot, byte[] wire) {
        long at = (long) slot * SLOT + 256;
        MemorySegment.copy(MemorySegment.ofArray(wire), 0, buf, at, wire.length);
        return new Packet().wrap(buf, at - 256, at + wire.length + 256, at, wire.length);
    }
}
