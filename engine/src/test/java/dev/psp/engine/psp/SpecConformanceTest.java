package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestVectors;
import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.crypto.ShimAeadBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine against {@link SpecOracle}, an independent computation of PSP.md: keys, header bits,
 * AAD / encrypted coverage for every version with crypt offsets (VC counted, up to the end of the
 * payload), GMAC, transport over IPv4 options and IPv6 extension headers, TCP / UDP / other inner
 * protocols, zero-length payloads, tunnels of either family over either family. Sealed bytes must
 * equal the oracle's; packets the oracle builds (including legal forms the encoder never writes:
 * R bits set, S and D) must open to the original frame.
 */
class SpecConformanceTest {
    static final byte[] MK0 = RoundTripTest.MK0;
    static final byte[] MK1 = RoundTripTest.MK1;
    private static final int[] PROTOS = {6, 17, 50};

    @Test
    void oracleKdfReproducesTheSpecExamplesAndEngineKdfAgreesForAllFourVersions() {
        byte[] mk0 = TestVectors.hex("34448a064292601b11a0978f56a2d34cf3fc35ede1a6bc04f8db3e5243a2b0ca");
        byte[] mk1 = TestVectors.hex("563952565d3a78ae773ec1b779f2f2d99f4a7f53a6fbb9b07d5b71f39364d739");
        assertEquals("96c22dc799198090b74b70ae468e4e30", TestVectors.hex(SpecOracle.deriveKey(mk0, mk1, 0x12345678, 0)));
        assertEquals("3946da2554eae46ad1ef77a64372edc4", TestVectors.hex(SpecOracle.deriveKey(mk0, mk1, 0x9A345678, 0)));
        assertEquals("2b7d72074e42ca334487f2990e3f8c4037e436f38283449b76463e9b7fb2e3de",
                TestVectors.hex(SpecOracle.deriveKey(mk0, mk1, 0x12345678, 1)));
        KeyDerivation kdf = new KeyDerivation(MK0, MK1);
        Random r = new Random(3);
        for (int i = 0; i < 64; i++) {
            int spi = i < 4 ? new int[] {1, 0x7fffffff, 0x80000001, -1}[i] : r.nextInt();
            for (int v = 0; v < 4; v++) {
                assertArrayEquals(SpecOracle.deriveKey(MK0, MK1, spi, v), kdf.derive(spi, v),
                        String.format("spi %08x v%d", spi, v));
            }
        }
    }

    /** Backends whose encoder output is checked: the JDK (Java encoder), and the shim (whole-frame seal) when it loads. */
    static List<String> backends() {
        List<String> l = new ArrayList<>(List.of(AeadBackends.jdk().name()));
        AeadBackend shim = AeadBackends.byName(ShimAeadBackend.IPSEC_MB_NAME);
        if (shim != null && shim.isAvailable()) {
            l.add(shim.name());
        } else {
            System.out.println("SpecConformanceTest: skipping the shim's whole-frame seal: "
                    + (shim == null ? "no shim backend" : shim.unavailabilityCause()));
        }
        return l;
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void transportSealEqualsTheSpec(int version) {
        for (String backend : backends()) {
            try (CodecHarness h = new CodecHarness(AeadBackends.byName(backend), MK0, MK1, 0)) {
                int spi = 0x1000 * (version + 1);
                Random r = new Random(version);
                for (int family : new int[] {4, 6}) {
                    for (int shape = 0; shape < 3; shape++) { // plain, options / one extension header, padding + VLAN + both
                        for (int proto : PROTOS) {
                            for (boolean vc : new boolean[] {false, true}) {
                                for (int payload : new int[] {0, 1, 37, 300}) {
                                    Frames.Spec s = Frames.spec().v(family).proto(proto).payload(payload).seed(r.nextLong());
                                    if (shape >= 1) {
                                        s.options(family == 4 ? (shape == 1 ? 1 : 10) : 0).ext(family == 6, family == 6 && shape == 2);
                                    }
                                    if (shape == 2) {
                                        s.vlan(1).pad(6);
                                    }
                                    int l4 = (proto == 6 ? 20 : proto == 17 ? 8 : 0) + payload;
                                    int max = Math.min(63, (l4 + (vc ? 8 : 0)) / 4);
                                    for (int co : new int[] {0, 1, 2, 3, max}) {
                                        if (co > max) {
                                            continue;
                                        }
                                        boolean sBit = r.nextBoolean();
                                        boolean dBit = r.nextBoolean();
                                        TxSa sa = h.install(TxSa.builder().mode(Mode.TRANSPORT).cryptOffset(co)
                                                .vc(vc, r.nextLong()).sBit(sBit).dBit(dBit).udpChecksum(r.nextInt(4) == 0)
                                                .ivSource(new CounterIvSource(r.nextLong() & Long.MAX_VALUE)), spi++, version);
                                        checkTransport(h, s, sa, backend);
                                    }
                                }
                            }
                        }
                    }
                }
                if (!backend.equals(AeadBackends.jdk().name())) {
                    assertTrue(h.encoder.framesHandedOver > 0, "the shim's whole-frame seal ran");
                }
            }
        }
    }

    private static void checkTransport(CodecHarness h, Frames.Spec s, TxSa sa, String backend) {
        byte[] frame = s.build();
        String what = backend + " " + describe(s, sa);
        Packet p = h.load(frame);
        p.sa = sa;
        Packet[] one = {p};
        assertEquals(1, h.encoder.sealBurst(one, 1), () -> what + ": " + Reason.of(p.result));
        byte[] got = p.toByteArray();
        int l4 = SpecOracle.l2(s) + SpecOracle.ipHeader(s);
        byte[] payload = Arrays.copyOfRange(frame, l4, frame.length - s.padding);
        long iv = readIv(got, l4 + 8);
        byte[] psp = oracleRecord(sa, s.proto, payload, iv, 0);
        int sport = SpecOracle.u16(got, l4);
        assertNotEquals(0, sport, what);
        byte[] want = transportFrame(s, frame, psp, sport, sa.udpChecksum);
        assertArrayEquals(want, got, what);
        // and the decoder takes it back; both byte counters: after the IV up to the ICV
        long rxBytes = h.rxCounters.rxBytes;
        assertEquals(0, h.decoder(Mode.TRANSPORT).open(p), () -> what + ": " + Reason.of(p.result));
        assertArrayEquals(frame, p.toByteArray(), what);
        assertEquals(psp.length - 32, h.rxCounters.rxBytes - rxBytes, what);
        assertEquals(h.rxCounters.rxBytes, h.txCounters.txBytes, what);
    }

    /**
     * A transport-mode PSP frame built by hand from the cleartext {@code frame} (made from {@code s})
     * and the UDP payload {@code psp}: the IP header keeps its options / extension headers, its
     * length grows, its protocol becomes 17 (IPv4 checksum recomputed); UDP to port 1000 from
     * {@code sport}, checksum 0 or a valid one; link-layer padding after the ICV.
     */
    static byte[] transportFrame(Frames.Spec s, byte[] frame, byte[] psp, int sport, boolean udpChecksum) {
        int l3 = SpecOracle.l2(s);
        int l4 = l3 + SpecOracle.ipHeader(s);
        int ipEnd = frame.length - s.padding;
        byte[] want = new byte[l4 + 8 + psp.length + s.padding];
        System.arraycopy(frame, 0, want, 0, l4);
        System.arraycopy(psp, 0, want, l4 + 8, psp.length);
        System.arraycopy(frame, ipEnd, want, l4 + 8 + psp.length, s.padding);
        int grow = 8 + psp.length - (ipEnd - l4);
        want[SpecOracle.protoField(s)] = 17;
        if (s.ipVersion == 4) {
            SpecOracle.put16(want, l3 + 2, SpecOracle.u16(frame, l3 + 2) + grow);
            SpecOracle.put16(want, l3 + 10, 0);
            SpecOracle.put16(want, l3 + 10, SpecOracle.inetChecksum(want, l3, l4 - l3, 0));
        } else {
            SpecOracle.put16(want, l3 + 4, SpecOracle.u16(frame, l3 + 4) + grow);
        }
        udp(want, l3, l4, s.ipVersion, sport, 8 + psp.length, udpChecksum);
        return want;
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void tunnelSealEqualsTheSpec(int version) {
        byte[] s4 = {(byte) 192, 0, 2, 1};
        byte[] d4 = {(byte) 192, 0, 2, 2};
        byte[] s6 = new byte[16];
        byte[] d6 = new byte[16];
        s6[0] = 0x20; s6[15] = 1; d6[0] = 0x20; d6[15] = 2;
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            int spi = 0x80002000 + 0x100 * version;
            Random r = new Random(10 + version);
            for (int inner : new int[] {4, 6}) {
                for (int outer : new int[] {0, 4, 6}) {
                    for (boolean ext : new boolean[] {false, true}) {
                        for (int proto : PROTOS) {
                            for (boolean vc : new boolean[] {false, true}) {
                                for (int payload : new int[] {0, 200}) {
                                    Frames.Spec s = Frames.spec().v(inner).proto(proto).payload(payload).seed(r.nextLong())
                                            .options(inner == 4 && ext ? 3 : 0).ext(inner == 6 && ext, inner == 6 && ext)
                                            .pad(ext ? 5 : 0);
                                    int ipLen = SpecOracle.ipHeader(s) + (proto == 6 ? 20 : proto == 17 ? 8 : 0) + payload;
                                    int max = Math.min(63, (ipLen + (vc ? 8 : 0)) / 4);
                                    for (int co : new int[] {0, 2, 5, 11, max}) {
                                        if (co > max) {
                                            continue;
                                        }
                                        TxSa.Builder b = TxSa.builder().mode(Mode.TUNNEL).cryptOffsets(63, co, co)
                                                .vc(vc, r.nextLong()).sBit(r.nextBoolean()).dBit(r.nextBoolean())
                                                .udpChecksum(r.nextBoolean())
                                                .ivSource(new CounterIvSource(r.nextLong() & Long.MAX_VALUE));
                                        if (outer == 4) {
                                            b.outer(s4, d4, 40);
                                        } else if (outer == 6) {
                                            b.outer(s6, d6, 40);
                                        }
                                        TxSa sa = h.install(b, spi++, version);
                                        checkTunnel(h, s, sa, outer == 0 ? null : outer == 4 ? new byte[][] {s4, d4} : new byte[][] {s6, d6});
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void checkTunnel(CodecHarness h, Frames.Spec s, TxSa sa, byte[][] addrs) {
        byte[] frame = s.build();
        String what = describe(s, sa) + " outer=" + sa.outerFamily;
        Packet p = h.load(frame);
        p.sa = sa;
        assertEquals(0, h.encoder.seal(p), () -> what + ": " + Reason.of(p.result));
        byte[] got = p.toByteArray();
        int l3 = SpecOracle.l2(s);
        int ipEnd = frame.length - s.padding;
        int outerFamily = sa.outerFamily == 0 ? s.ipVersion : sa.outerFamily;
        int outerLen = outerFamily == 4 ? 20 : 40;
        int udpOff = l3 + outerLen;
        byte[] inner = Arrays.copyOfRange(frame, l3, ipEnd);
        long iv = readIv(got, udpOff + 8);
        byte[] psp = oracleRecord(sa, s.ipVersion == 4 ? 4 : 41, inner, iv, s.ipVersion);
        byte[] want = new byte[udpOff + 8 + psp.length + s.padding];
        System.arraycopy(frame, 0, want, 0, l3);
        SpecOracle.put16(want, l3 - 2, outerFamily == 4 ? 0x0800 : 0x86dd);
        System.arraycopy(got, l3, want, l3, outerLen); // outer header: checked field by field below
        System.arraycopy(psp, 0, want, udpOff + 8, psp.length);
        System.arraycopy(frame, ipEnd, want, udpOff + 8 + psp.length, s.padding);
        int ipTotal = outerLen + 8 + psp.length;
        if (outerFamily == 4) {
            assertEquals(0x45, got[l3] & 0xff, what);
            assertEquals(ipTotal, SpecOracle.u16(got, l3 + 2), what);
            assertEquals(0, SpecOracle.u16(got, l3 + 6) & 0x3fff, what); // a whole datagram
            assertEquals(17, got[l3 + 9], what);
            assertEquals(0, SpecOracle.inetChecksum(got, l3, 20, 0), what);
        } else {
            assertEquals(6, (got[l3] & 0xff) >>> 4, what);
            assertEquals(ipTotal - 40, SpecOracle.u16(got, l3 + 4), what);
            assertEquals(17, got[l3 + 6], what);
        }
        int addrOff = outerFamily == 4 ? 12 : 8;
        int alen = outerFamily == 4 ? 4 : 16;
        byte[] src = addrs != null ? addrs[0] : Arrays.copyOfRange(frame, l3 + addrOff, l3 + addrOff + alen);
        byte[] dst = addrs != null ? addrs[1] : Arrays.copyOfRange(frame, l3 + addrOff + alen, l3 + addrOff + 2 * alen);
        assertArrayEquals(src, Arrays.copyOfRange(got, l3 + addrOff, l3 + addrOff + alen), what);
        assertArrayEquals(dst, Arrays.copyOfRange(got, l3 + addrOff + alen, l3 + addrOff + 2 * alen), what);
        int sport = SpecOracle.u16(got, udpOff);
        assertNotEquals(0, sport, what);
        udp(want, l3, udpOff, outerFamily, sport, 8 + psp.length, sa.udpChecksum);
        assertArrayEquals(want, got, what);
        assertEquals(0, h.decoder(Mode.TUNNEL).open(p), () -> what + ": " + Reason.of(p.result));
        assertArrayEquals(frame, p.toByteArray(), what);
    }

    /** The oracle's PSP header + VC + sealed payload + ICV for {@code sa}; {@code innerFamily} picks a tunnel's crypt offset. */
    static byte[] oracleRecord(TxSa sa, int nextHeader, byte[] payload, long iv, int innerFamily) {
        boolean gmac = sa.version >= 2;
        int co = gmac ? 0 : sa.mode == Mode.TRANSPORT ? sa.cryptOffsetTransport
                : innerFamily == 4 ? sa.cryptOffsetTunnelV4 : sa.cryptOffsetTunnelV6;
        byte[] hdr = SpecOracle.header(nextHeader, sa.vc ? 2 : 1, 0, co, sa.sBit, sa.dBit, sa.version, sa.vc, sa.spi, iv);
        byte[] vc = sa.vc ? java.nio.ByteBuffer.allocate(8).putLong(sa.vcValue).array() : null;
        return SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, sa.spi, sa.version), hdr, vc, payload, co, gmac);
    }

    /**
     * Writes the UDP header at {@code udpOff} of {@code want} (whose IP header at {@code l3} is final):
     * {@code sport}, destination port 1000, the length, and checksum 0 or a valid one.
     */
    static void udp(byte[] want, int l3, int udpOff, int family, int sport, int udpLen, boolean checksum) {
        SpecOracle.put16(want, udpOff, sport);
        SpecOracle.put16(want, udpOff + 2, 1000);
        SpecOracle.put16(want, udpOff + 4, udpLen);
        SpecOracle.put16(want, udpOff + 6, 0);
        if (checksum) {
            long pseudo = 17L + udpLen;
            int a = family == 4 ? l3 + 12 : l3 + 8;
            int n = family == 4 ? 8 : 32;
            for (int i = 0; i < n; i += 2) {
                pseudo += SpecOracle.u16(want, a + i);
            }
            int c = SpecOracle.inetChecksum(want, udpOff, udpLen, pseudo);
            SpecOracle.put16(want, udpOff + 6, c == 0 ? 0xffff : c);
        }
    }

    private static long readIv(byte[] a, int psp) {
        return java.nio.ByteBuffer.wrap(a, psp + 8, 8).getLong();
    }

    private static String describe(Frames.Spec s, TxSa sa) {
        return "v" + sa.version + " " + sa.mode + " ip" + s.ipVersion + " proto " + s.proto + " payload " + s.payload
                + " opt " + s.ipv4OptionWords + " ext " + s.ipv6HopByHop + "/" + s.ipv6DestOpts + " vlan " + s.vlanTags
                + " pad " + s.padding + " vc " + sa.vc + " co " + sa.cryptOffsetTransport + "/" + sa.cryptOffsetTunnelV4
                + " udpcsum " + sa.udpChecksum;
    }

    /**
     * Legal forms the encoder never writes, built by the oracle alone: R bits set (ignored on
     * receive, covered by the ICV), S and D, crypt offsets up to exactly the end of the payload
     * (VC counted), a valid non-zero UDP checksum; every version, both families. Delivered, the
     * original frame back, the receive metadata as sent.
     */
    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void decoderOpensOracleBuiltPackets(int version) {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            PspDecoder dec = h.decoder(Mode.TRANSPORT);
            Random r = new Random(100 + version);
            int n = 0;
            for (int family : new int[] {4, 6}) {
                for (int proto : PROTOS) {
                    for (boolean vc : new boolean[] {false, true}) {
                        for (int rBits = 0; rBits < 4; rBits++) {
                            Frames.Spec s = Frames.spec().v(family).proto(proto).payload(r.nextInt(3) == 0 ? 0 : r.nextInt(120))
                                    .seed(r.nextLong()).options(family == 4 ? r.nextInt(3) : 0)
                                    .ext(family == 6 && r.nextBoolean(), family == 6 && r.nextBoolean()).pad(r.nextInt(2) * 7);
                            byte[] frame = s.build();
                            int l4 = SpecOracle.l2(s) + SpecOracle.ipHeader(s);
                            byte[] payload = Arrays.copyOfRange(frame, l4, frame.length - s.padding);
                            int region = payload.length + (vc ? 8 : 0);
                            boolean gmac = version >= 2;
                            int co = gmac ? 0 : rBits == 3 ? Math.min(63, region / 4) : r.nextInt(Math.min(63, region / 4) + 1);
                            int spi = (r.nextBoolean() ? 0x80000000 : 0) | (1 + r.nextInt(0x7ffffffe));
                            boolean sBit = r.nextBoolean();
                            boolean dBit = r.nextBoolean();
                            long iv = r.nextLong();
                            long vcValue = r.nextLong();
                            byte[] hdr = SpecOracle.header(proto, vc ? 2 : 1, rBits, co, sBit, dBit, version, vc, spi, iv);
                            byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, spi, version), hdr,
                                    vc ? java.nio.ByteBuffer.allocate(8).putLong(vcValue).array() : null, payload, co, gmac);
                            byte[] wire = transportFrame(s, frame, psp, 1 + r.nextInt(65535), r.nextBoolean());
                            Packet p = h.load(wire);
                            String what = "v" + version + " ip" + family + " proto " + proto + " vc " + vc + " R " + rBits
                                    + " co " + co + " payload " + payload.length;
                            assertEquals(0, dec.open(p), () -> what + ": " + Reason.of(p.result));
                            assertArrayEquals(frame, p.toByteArray(), what);
                            assertTrue(p.authenticated, what);
                            assertEquals(spi, p.spi, what);
                            assertEquals(iv, p.iv, what);
                            assertEquals(version, p.version, what);
                            assertEquals(sBit, p.sBit, what);
                            assertEquals(dBit, p.dBit, what);
                            assertEquals(vc, p.vcPresent, what);
                            if (vc) {
                                assertEquals(vcValue, p.vc, what);
                            }
                            n++;
                        }
                    }
                }
            }
            assertEquals(n, h.rxCounters.rxPackets);
        }
    }

    /**
     * PSP.md receive rules on oracle-built packets with a valid ICV: a crypt offset beyond the end
     * of the payload is malformed (rx-error); a reserved version and a reserved SPI are rx-bad; a
     * wrong non-zero UDP checksum is dropped (rx-error) while checksum 0 passes on IPv4 and IPv6.
     */
    @Test
    void decoderDropsWhatTheReceiveRulesSayAndCountsIt() {
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            PspDecoder dec = h.decoder(Mode.TRANSPORT);
            for (int family : new int[] {4, 6}) {
                for (boolean vc : new boolean[] {false, true}) {
                    Frames.Spec s = Frames.spec().v(family).proto(17).payload(13).seed(family);
                    byte[] frame = s.build();
                    int l4 = SpecOracle.l2(s) + SpecOracle.ipHeader(s);
                    byte[] payload = Arrays.copyOfRange(frame, l4, frame.length);
                    byte[] vcBytes = vc ? new byte[8] : null;
                    int region = payload.length + (vc ? 8 : 0); // 21 or 29: the next unit is past the end
                    for (int version = 0; version < 2; version++) {
                        int co = region / 4 + 1;
                        byte[] hdr = SpecOracle.header(17, vc ? 2 : 1, 0, co, false, false, version, vc, 0x4242, 9);
                        // sealed with everything as AAD: the ICV is valid, only the offset is wrong
                        byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, 0x4242, version), hdr, vcBytes, payload, 0, true);
                        long before = h.rxCounters.rxError;
                        Packet p = h.load(transportFrame(s, frame, psp, 5000, false));
                        assertEquals(Reason.RX_CRYPT_OFFSET.code(), dec.open(p), "co " + co + " region " + region);
                        assertEquals(before + 1, h.rxCounters.rxError);
                    }
                    for (int version = 4; version < 16; version++) {
                        byte[] hdr = SpecOracle.header(17, vc ? 2 : 1, 0, 0, false, false, version, vc, 0x4242, 9);
                        byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, 0x4242, 0), hdr, vcBytes, payload, 0, false);
                        long before = h.rxCounters.rxBad;
                        Packet p = h.load(transportFrame(s, frame, psp, 5000, false));
                        assertEquals(Reason.RX_BAD_VERSION.code(), dec.open(p), "version " + version);
                        assertEquals(before + 1, h.rxCounters.rxBad);
                    }
                    for (int spi : new int[] {0, 0x80000000}) {
                        byte[] hdr = SpecOracle.header(17, vc ? 2 : 1, 0, 0, false, false, 0, vc, spi, 9);
                        byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, spi, 0), hdr, vcBytes, payload, 0, false);
                        long before = h.rxCounters.rxBad;
                        Packet p = h.load(transportFrame(s, frame, psp, 5000, false));
                        assertEquals(Reason.RX_BAD_SPI.code(), dec.open(p), String.format("spi %08x", spi));
                        assertEquals(before + 1, h.rxCounters.rxBad);
                    }
                    byte[] hdr = SpecOracle.header(17, vc ? 2 : 1, 0, 0, false, false, 0, vc, 0x4343, 9);
                    byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, 0x4343, 0), hdr, vcBytes, payload, 0, false);
                    byte[] good = transportFrame(s, frame, psp, 5000, true);
                    byte[] bad = good.clone();
                    bad[l4 + 6] ^= 0x10;
                    long before = h.rxCounters.rxError;
                    assertEquals(Reason.RX_BAD_UDP_CHECKSUM.code(), dec.open(h.load(bad)));
                    assertEquals(before + 1, h.rxCounters.rxError);
                    assertEquals(0, dec.open(h.load(good)));
                    assertEquals(0, dec.open(h.load(transportFrame(s, frame, psp, 5000, false))));
                }
            }
            assertEquals(0, h.rxCounters.rxAuthFail);
        }
    }

    /**
     * PSP.md: an unknown key is rx-bad. A packet whose SPI selects master key 1 on a receiver that
     * holds only master key 0, and a version the receiver has not enabled, are dropped under rx-bad
     * (valid ICVs: the oracle seals them with the key the sender would have).
     */
    @Test
    void unknownMasterKeyAndDisabledVersionAreRxBad() {
        Frames.Spec s = Frames.spec().v(4).proto(6).payload(40);
        byte[] frame = s.build();
        int l4 = SpecOracle.l2(s) + SpecOracle.ipHeader(s);
        byte[] payload = Arrays.copyOfRange(frame, l4, frame.length);
        try (CodecHarness h = new CodecHarness(AeadBackends.jdk(), MK0, null, 0)) {
            int spi = 0x80000077;
            byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, spi, 0),
                    SpecOracle.header(6, 1, 0, 0, false, false, 0, false, spi, 1), null, payload, 0, false);
            Packet p = h.load(transportFrame(s, frame, psp, 4000, false));
            assertEquals(Reason.RX_NO_KEY.code(), h.decoder(Mode.TRANSPORT).open(p));
            assertEquals(1, h.rxCounters.rxBad);
            assertEquals(0, h.rxCounters.rxPackets);
        }
        try (CodecHarness h = new CodecHarness(MK0, MK1);
             RxKeys only0 = new RxKeys(h.kdf, h.engine, 0, 4, 0b0001)) {
            PspDecoder dec = new PspDecoder(h.engine, only0, h.rxCounters, Mode.TRANSPORT);
            for (int version = 0; version < 4; version++) {
                int spi = 0x88 + version;
                byte[] psp = SpecOracle.seal(SpecOracle.deriveKey(MK0, MK1, spi, version),
                        SpecOracle.header(6, 1, 0, 0, false, false, version, false, spi, 1), null, payload, 0, version >= 2);
                Packet p = h.load(transportFrame(s, frame, psp, 4000, false));
                assertEquals(version == 0 ? 0 : Reason.RX_VERSION_DISABLED.code(), dec.open(p), "version " + version);
            }
            assertEquals(3, h.rxCounters.rxBad);
            assertEquals(1, h.rxCounters.rxPackets);
        }
    }
}
