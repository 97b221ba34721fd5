package dev.psp.engine.offload;

import static dev.psp.engine.offload.TcpFrames.ACK;
import static dev.psp.engine.offload.TcpFrames.CWR;
import static dev.psp.engine.offload.TcpFrames.ECE;
import static dev.psp.engine.offload.TcpFrames.FIN;
import static dev.psp.engine.offload.TcpFrames.PSH;
import static dev.psp.engine.offload.TcpFrames.RST;
import static dev.psp.engine.offload.TcpFrames.SYN;
import static dev.psp.engine.offload.TcpFrames.URG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Targeted GRO cases: seal with PspEncoder, open with PspDecoder (JDK backend), coalesce, compare
 * bytes (a chained super-packet gathered by {@link Packet#toByteArray}). Every case runs in both
 * merge modes.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(GroConfig.Merge.class)
class GroCoalescerTest {
    @Parameter
    GroConfig.Merge merge;

    /** The defaults in this run's merge mode. */
    GroConfig cfg() {
        return GroConfig.defaults().withMerge(merge);
    }

    /**
     * The descriptors merged into {@code b.out[i]} after its head, in order: {@code consumed} in
     * COPY mode (all of the batch's, for a batch with one super-packet), the chain in CHAIN mode.
     */
    List<Packet> merged(GroBatch b, int i) {
        List<Packet> l = new ArrayList<>();
        if (merge == GroConfig.Merge.COPY) {
            assertEquals(0, b.out[i].chainCount);
            assertSame(null, b.out[i].next);
            for (int k = 0; k < b.consumedCount; k++) {
                l.add(b.consumed[k]);
            }
        } else {
            assertEquals(0, b.consumedCount, "chain mode consumes nothing");
            for (Packet f = b.out[i].next; f != null; f = f.next) {
                l.add(f);
            }
            assertEquals(b.out[i].chainCount, l.size());
        }
        return l;
    }

    static Stream<Arguments> roundTrips() {
        List<Arguments> l = new ArrayList<>();
        for (int v : new int[] {4, 6}) {
            for (Mode mode : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                for (int opts = 0; opts < 3; opts++) {
                    l.add(Arguments.of(v, mode, opts, 1448, 60_000, ACK | PSH | CWR, false, 0));
                    l.add(Arguments.of(v, mode, opts, 1001, 9_999, ACK | FIN | ECE, true, 1));
                    l.add(Arguments.of(v, mode, opts, 777, 777 * 5, ACK, opts == 1, 0));
                }
            }
        }
        return l.stream();
    }

    static byte[] options(int kind, Random r) {
        return switch (kind) {
            case 0 -> new byte[0];
            case 1 -> TcpFrames.timestamps(r.nextInt(), r.nextInt());
            default -> TcpFrames.timestampsAndSack(r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt());
        };
    }

    static TcpFrames.Spec flow(int v, long seed, int opts, int payload, int flags) {
        Random r = new Random(seed);
        TcpFrames.Spec s = new TcpFrames.Spec();
        s.ipVersion = v;
        s.seq = r.nextInt();
        s.ack = r.nextInt();
        s.ipId = r.nextInt(65536);
        s.options = options(opts, r);
        s.flags = flags;
        s.payload = new byte[payload];
        r.nextBytes(s.payload);
        return s;
    }

    @ParameterizedTest(name = "v{0} {1} opts={2} mss={3} total={4} flags={5} vc={6} vlan={7}")
    @MethodSource("roundTrips")
    void segmentsCoalesceBackToTheSuperPacket(int v, Mode mode, int opts, int mss, int total, int flags, boolean vc,
                                              int vlan) {
        TcpFrames.Spec s = flow(v, v * 100L + mode.ordinal() * 10L + opts + mss, opts, total, flags);
        s.vlan = vlan;
        s.ext = mss == 777; // IPv6 with a destination options header
        byte[] sup = s.build();
        List<byte[]> segs = TcpFrames.segment(sup, mss, false);
        try (GroRig rig = new GroRig(mode)) {
            TxSa sa = rig.sa(0x1001, vc);
            Packet[] in = new Packet[segs.size()];
            for (int i = 0; i < in.length; i++) {
                in[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
            }
            GroCounters c = new GroCounters();
            GroCoalescer gro = new GroCoalescer(cfg(), c);
            GroBatch b = gro.newBatch(64);
            assertEquals(1, gro.coalesce(in, in.length, b, 0));
            assertSame(in[0], b.out[0]);
            assertArrayEquals(sup, b.out[0].toByteArray());
            assertEquals(segs.size(), b.segments[0]);
            assertEquals(mss, b.gsoSize[0]);
            assertFalse(b.csumPartial[0]);
            List<Packet> m = merged(b, 0);
            assertEquals(segs.size() - 1, m.size());
            for (int i = 1; i < in.length; i++) {
                assertSame(in[i], m.get(i - 1));
            }
            assertEquals(sup.length, b.out[0].frameLength());
            assertEquals(0x1001, b.out[0].spi);
            assertEquals(mode == Mode.TUNNEL, b.out[0].tunnel);
            assertEquals(segs.size(), c.segmentsIn);
            assertEquals(segs.size() - 1, c.segmentsMerged);
            assertEquals(1, c.superPackets);
            assertEquals(1, c.packetsOut);
            assertEquals(0, gro.heldFlows());
        }
    }

    /** Drives {@code frames} (each sealed under its SA) through one coalesce call; returns the batch. */
    static GroBatch run(GroRig rig, GroCoalescer gro, List<byte[]> frames, List<TxSa> sas, int tailroom, long now) {
        Packet[] in = new Packet[frames.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = rig.sealOpen(frames.get(i), sas.get(i), tailroom);
        }
        GroBatch b = gro.newBatch(Math.max(1, in.length));
        gro.coalesce(in, in.length, b, now);
        return b;
    }

    static List<TxSa> same(TxSa sa, int n) {
        List<TxSa> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(sa);
        }
        return l;
    }

    static int[] segmentCounts(GroBatch b) {
        int[] k = new int[b.outCount];
        for (int i = 0; i < b.outCount; i++) {
            k[i] = b.segments[i];
        }
        return k;
    }

    @Test
    void anotherSaNeverJoinsEvenWithPerfectBytes() {
        byte[] sup = flow(4, 5, 1, 1000 * 10, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 1000, false);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa good = rig.sa(0x2001, false);
            TxSa forger = rig.sa(0x2002, false);
            List<byte[]> frames = new ArrayList<>(segs);
            List<TxSa> sas = same(good, segs.size());
            frames.add(5, segs.get(5)); // the very segment the flow expects next, under another valid SA
            sas.add(5, forger);
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg(), c), frames, sas, GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {10, 1}, segmentCounts(b));
            assertArrayEquals(sup, b.out[0].toByteArray());
            assertEquals(0x2001, b.out[0].spi);
            assertEquals(0x2002, b.out[1].spi);
            assertArrayEquals(segs.get(5), b.out[1].toByteArray());
            assertEquals(1, c.refusedDifferentSa);
        }
    }

    @Test
    void timeoutFlushFollowsTheInjectedClock() {
        byte[] sup = flow(6, 6, 1, 500 * 6, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 500, false);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0x3001, true);
            Packet[] in = new Packet[segs.size()];
            for (int i = 0; i < in.length; i++) {
                in[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
            }
            GroCounters c = new GroCounters();
            GroCoalescer gro = new GroCoalescer(cfg().withFlushTimeoutNanos(1000), c);
            GroBatch b = gro.newBatch(8);
            assertEquals(0, gro.coalesce(in, 3, b, 10_000));
            assertEquals(merge == GroConfig.Merge.COPY ? 2 : 0, b.consumedCount);
            assertEquals(1, gro.heldFlows());
            assertEquals(0, gro.coalesce(in, 0, b, 10_999));
            Packet[] more = {in[3], in[4]};
            assertEquals(0, gro.coalesce(more, 2, b, 10_500));
            assertEquals(merge == GroConfig.Merge.COPY ? 2 : 0, b.consumedCount);
            assertEquals(1, gro.coalesce(in, 0, b, 11_000));
            assertEquals(1, c.flushTimeout);
            assertEquals(5, b.segments[0]);
            assertArrayEquals(RefGro.merge(segs.subList(0, 5), 64, 65535), b.out[0].toByteArray());
            if (merge == GroConfig.Merge.CHAIN) {
                // a chain across calls: the segments of both bursts, in order
                assertEquals(List.of(in[1], in[2], in[3], in[4]), merged(b, 0));
            }
            assertEquals(0, gro.heldFlows());
            // the last (smaller or PSH-less equal) segment on its own: held, then explicit flush
            Packet[] last = {in[5]};
            assertEquals(0, gro.coalesce(last, 1, b, 20_000));
            assertEquals(1, gro.flush(b));
            assertArrayEquals(segs.get(5), b.out[0].toByteArray());
            assertEquals(1, c.flushExplicit);
        }
    }

    /**
     * Linux inet_gro_flush flushes on any IPv4 fragment-field bit but DF (the reserved bit here; the
     * decoder never delivers MF or an offset): such a segment neither joins a flow nor starts one,
     * on the general path and on the one-pass path (decoder-verified) alike.
     */
    @ParameterizedTest(name = "odd segment {0}, decoder verifies {1}")
    @CsvSource({"0, false", "2, false", "0, true", "2, true"})
    void aFragmentFieldBitOtherThanDfIsNeverMerged(int odd, boolean verify) {
        List<byte[]> segs = TcpFrames.segment(flow(4, 11, 1, 1000 * 5, ACK | PSH).build(), 1000, false);
        byte[] f = segs.get(odd);
        f[TcpFrames.layout(f).l3() + 6] |= (byte) 0x80;
        TcpFrames.fixChecksums(f);
        try (GroRig rig = new GroRig(Mode.TRANSPORT, verify)) {
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg(), c), segs, same(rig.sa(0x4011, false), segs.size()),
                    GroRig.ROOM_64K, 0);
            assertArrayEquals(odd == 0 ? new int[] {1, 4} : new int[] {2, 1, 2}, segmentCounts(b));
            assertEquals(odd == 0 ? 0 : 1, c.refusedIpHeader);
            assertEquals(1, c.notMergeable);
        }
    }

    @Test
    void maxSegmentsAndMaxSizeAreRespected() {
        byte[] sup = flow(4, 7, 2, 1000 * 20, ACK | PSH).build();
        List<byte[]> segs = TcpFrames.segment(sup, 1000, false);
        try (GroRig rig = new GroRig(Mode.TUNNEL)) {
            TxSa sa = rig.sa(0x4001, false);
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg().withMaxSegments(6), c), segs,
                    same(sa, segs.size()), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {6, 6, 6, 2}, segmentCounts(b));
            assertEquals(3, c.flushMaxSegments);
            checkRuns(b, segs);

            c = new GroCounters();
            // IP length 20 + 44 + 4 * 1000 = 4064 fits 4100; a fifth segment would not
            b = run(rig, new GroCoalescer(cfg().withMaxSize(4100), c), segs, same(sa, segs.size()),
                    GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {4, 4, 4, 4, 4}, segmentCounts(b));
            assertEquals(4, c.refusedMaxSize);
            checkRuns(b, segs);
        }
    }

    /** Outputs cover {@code segs} in order, each a legal run per the reference model. */
    static void checkRuns(GroBatch b, List<byte[]> segs) {
        int at = 0;
        for (int i = 0; i < b.outCount; i++) {
            int k = b.segments[i];
            assertArrayEquals(RefGro.merge(segs.subList(at, at + k), 64, 65535), b.out[i].toByteArray(), "output " + i);
            at += k;
        }
        assertEquals(segs.size(), at);
    }

    /** COPY runs out of head tailroom and starts over; CHAIN does not use the tailroom and merges all. */
    @Test
    void noTailroomFlushesAndStartsOver() {
        byte[] sup = flow(4, 8, 1, 1000 * 8, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 1000, false);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg(), c), segs,
                    same(rig.sa(0x5001, false), segs.size()), 2500, 0);
            boolean copy = merge == GroConfig.Merge.COPY;
            assertArrayEquals(copy ? new int[] {3, 3, 2} : new int[] {8}, segmentCounts(b));
            assertEquals(copy ? 2 : 0, c.refusedNoRoom);
            checkRuns(b, segs);
            for (int i = 0; i < b.outCount; i++) {
                assertTrue(b.out[i].tailroom() >= 0);
            }
        }
    }

    @ParameterizedTest(name = "vlan={0} byte {1}")
    @MethodSource("l2Bytes")
    void anyL2ByteDifferenceKeepsFlowsApart(int vlan, int at) {
        TcpFrames.Spec spec = flow(4, 41, 1, 700 * 2, ACK);
        spec.vlan = vlan;
        List<byte[]> segs = TcpFrames.segment(spec.build(), 700, false);
        byte[] other = segs.get(1).clone();
        other[at] ^= 0x01; // a MAC byte or a VLAN TCI byte
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0x6301, false);
            GroBatch b = run(rig, new GroCoalescer(cfg(), new GroCounters()), List.of(segs.get(0), other),
                    same(sa, 2), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {1, 1}, segmentCounts(b));
            b = run(rig, new GroCoalescer(cfg(), new GroCounters()), segs, same(sa, 2), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {2}, segmentCounts(b));
        }
    }

    static Stream<Arguments> l2Bytes() {
        List<Arguments> l = new ArrayList<>();
        for (int vlan = 0; vlan <= 2; vlan++) {
            for (int at = 0; at < 12 + 4 * vlan; at++) {
                if (at < 12 || (at - 12) % 4 >= 2) { // MACs and VLAN TCIs (a changed TPID is not IP)
                    l.add(Arguments.of(vlan, at));
                }
            }
        }
        return l.stream();
    }

    @Test
    void badInnerChecksumIsDroppedByDefaultAndNeverMerged() {
        byte[] sup = flow(6, 9, 1, 800 * 6, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 800, false);
        List<byte[]> frames = new ArrayList<>(segs);
        byte[] bad = segs.get(3).clone();
        bad[bad.length - 1] ^= 0x40; // PSP authenticates it, the inner TCP checksum does not
        frames.set(3, bad);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0x6001, false);
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg(), c), frames, same(sa, 6), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {3, 2}, segmentCounts(b));
            assertEquals(1, b.droppedCount);
            assertArrayEquals(bad, b.dropped[0].toByteArray());
            assertEquals(1, c.innerCsumBad);
            assertEquals(1, c.refusedGap);
            assertArrayEquals(RefGro.merge(segs.subList(0, 3), 64, 65535), b.out[0].toByteArray());
            assertArrayEquals(RefGro.merge(segs.subList(4, 6), 64, 65535), b.out[1].toByteArray());

            c = new GroCounters();
            b = run(rig, new GroCoalescer(cfg().withDropBadChecksum(false), c), frames, same(sa, 6),
                    GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {3, 1, 2}, segmentCounts(b));
            assertArrayEquals(bad, b.out[1].toByteArray());
            assertEquals(0, b.droppedCount);
            assertEquals(1, c.innerCsumBad);
        }
    }

    @ParameterizedTest(name = "v{0} {1}")
    @MethodSource("versionsAndModes")
    void decoderVerifiesInnerChecksumsAndGroReusesTheVerdict(int v, Mode mode) {
        TcpFrames.Spec spec = flow(v, 31 + v, 2, 900 * 6 + 5, ACK | PSH);
        spec.ext = v == 6;
        byte[] sup = spec.build();
        List<byte[]> segs = TcpFrames.segment(sup, 900, false);
        byte[] bad = segs.get(2).clone();
        bad[bad.length - 1] ^= 0x08;
        try (GroRig rig = new GroRig(mode)) {
            TxSa sa = rig.sa(0x6201, false);
            rig.decoder.verifyInnerChecksums(true);
            // a bad inner checksum: authenticated but not delivered, a malformed inner packet (rx-error,
            // not rx-packets), counted by reason
            Packet badPkt = rig.sealOpenRc(bad, sa, 64, Reason.RX_INNER_CSUM_BAD.code());
            assertFalse(badPkt.authenticated);
            assertFalse(badPkt.innerCsumVerified);
            PspCounters pc = rig.h.rxCounters;
            assertEquals(1, pc.reasonMap().get("rx-inner-csum-bad"));
            assertEquals(1, pc.rxError);
            assertEquals(0, pc.rxPackets);
            assertEquals(0, pc.rxBytes);

            Packet[] in = new Packet[segs.size()];
            for (int i = 0; i < in.length; i++) {
                in[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
                assertTrue(in[i].innerCsumVerified);
                assertTrue(in[i].rxLayout);
                // the layout handed on equals a fresh parse of the delivered frame
                PacketHeaders h = new PacketHeaders();
                assertEquals(PacketHeaders.OK, h.parse(in[i].segment, in[i].offset, in[i].length));
                assertEquals(h.l3Off, in[i].rxL3Off);
                assertEquals(h.l4Off, in[i].rxL4Off);
                assertEquals(h.ipEnd, in[i].rxIpEnd);
                assertEquals(h.ipVersion, in[i].rxIpVersion);
                assertEquals(h.ipHeaderLen, in[i].rxIpHeaderLen);
                assertEquals(h.l4Proto, in[i].rxL4Proto);
            }
            GroCounters c = new GroCounters();
            GroCoalescer gro = new GroCoalescer(cfg(), c);
            GroBatch b = gro.newBatch(64);
            assertEquals(1, gro.coalesce(in, in.length, b, 0));
            assertArrayEquals(sup, b.out[0].toByteArray(), "checksum built from the decoder's verdicts");
            assertEquals(0, c.innerCsumBad);

            // reused, not recomputed: a payload byte changed after the decoder's check goes through
            // GRO unnoticed (a second pass over the payload would refuse the segment), and the merged
            // checksum still follows the verified bytes
            Packet[] again = new Packet[segs.size()];
            for (int i = 0; i < again.length; i++) {
                again[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
            }
            Packet p3 = again[3];
            long last = p3.offset + p3.length - 1;
            p3.segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, last,
                    (byte) (p3.segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, last) ^ 1));
            GroCounters c2 = new GroCounters();
            GroCoalescer gro2 = new GroCoalescer(cfg(), c2);
            assertEquals(1, gro2.coalesce(again, again.length, b, 0));
            assertEquals(0, c2.innerCsumBad);
            assertEquals(segs.size(), b.segments[0]);
            byte[] expect = sup.clone();
            expect[TcpFrames.layout(sup).payOff() + 4 * 900 - 1] ^= 1;
            assertArrayEquals(expect, b.out[0].toByteArray());

            // off again: nothing is marked verified, GRO verifies itself
            rig.decoder.verifyInnerChecksums(false);
            Packet p = rig.sealOpen(segs.get(0), sa, 64);
            assertFalse(p.innerCsumVerified);
            assertEquals(mode == Mode.TRANSPORT, p.rxLayout);
        }
    }

    static Stream<Arguments> versionsAndModes() {
        return Stream.of(Arguments.of(4, Mode.TRANSPORT), Arguments.of(4, Mode.TUNNEL), Arguments.of(6, Mode.TRANSPORT),
                Arguments.of(6, Mode.TUNNEL));
    }

    @Test
    void badUdpChecksumCountedZeroUdpChecksumPasses() {
        byte[] udp = Frames.spec().v(4).proto(17).payload(300).seed(3).build(); // checksum 0: not checked
        byte[] udpSummed = udp.clone();
        MemorySegment s = MemorySegment.ofArray(udpSummed);
        ByteBuffer.wrap(udpSummed).putShort(14 + 20 + 6,
                (short) Checksum.l4(s, 14, 4, 17, 34, udpSummed.length - 34, 6));
        byte[] udpBad = udpSummed.clone();
        udpBad[udpBad.length - 1] ^= 1;
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0x6101, false);
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg(), c), List.of(udp, udpSummed, udpBad),
                    same(sa, 3), 64, 0);
            assertEquals(2, b.outCount);
            assertArrayEquals(udp, b.out[0].toByteArray());
            assertArrayEquals(udpSummed, b.out[1].toByteArray());
            assertEquals(1, b.droppedCount);
            assertEquals(1, c.innerCsumBad);
            assertEquals(2, c.notTcp);
        }
    }

    /** IPv6 makes the UDP checksum mandatory (RFC 8200 8.1): a zero one is bad, in GRO and in the decoder alike. */
    @ParameterizedTest
    @ValueSource(strings = {"TRANSPORT", "TUNNEL"})
    void zeroUdpChecksumOverIpv6IsBad(String mode) {
        byte[] udp6 = Frames.spec().v(6).proto(17).payload(300).seed(3).build();
        assertEquals(0, ByteBuffer.wrap(udp6).getShort(14 + 40 + 6), "the fixture sends no checksum");
        try (GroRig rig = new GroRig(Mode.valueOf(mode))) {
            TxSa sa = rig.sa(0x6102, false);
            GroCounters c = new GroCounters();
            GroBatch b = run(rig, new GroCoalescer(cfg(), c), List.of(udp6), same(sa, 1), 64, 0);
            assertEquals(0, b.outCount);
            assertEquals(1, b.droppedCount);
            assertEquals(1, c.innerCsumBad);
            rig.decoder.verifyInnerChecksums(true);
            rig.sealOpenRc(udp6, sa, 64, dev.psp.engine.psp.Reason.RX_INNER_CSUM_BAD.code());
            rig.decoder.verifyInnerChecksums(false).markInnerChecksums(true);
            assertFalse(rig.sealOpen(udp6, sa, 64).innerCsumVerified, "marking: not marked good");
        }
    }

    @Test
    void partialChecksumModeLeavesThePseudoHeaderSum() {
        byte[] sup = flow(4, 10, 1, 1200 * 5 + 7, ACK | PSH).build();
        List<byte[]> segs = TcpFrames.segment(sup, 1200, false);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            GroBatch b = run(rig, new GroCoalescer(cfg().withRecomputeChecksum(false), new GroCounters()),
                    segs, same(rig.sa(0x7001, false), segs.size()), GroRig.ROOM_64K, 0);
            assertEquals(1, b.outCount);
            assertTrue(b.csumPartial[0]);
            byte[] got = b.out[0].toByteArray();
            TcpFrames.Layout l = TcpFrames.layout(got);
            MemorySegment g = MemorySegment.ofArray(got);
            int pseudo = ~Checksum.finish(Checksum.pseudoHeader(g, l.l3(), 4, 6, l.l4(), l.ipEnd() - l.l4())) & 0xffff;
            assertEquals(pseudo, ByteBuffer.wrap(got).getShort(l.l4() + 16) & 0xffff);
            TcpFrames.fixChecksums(got); // completing the checksum gives the original super-packet
            assertArrayEquals(sup, got);
        }
    }

    @Test
    void passThroughsKeepTheirPlaceAndBytes() {
        byte[] sup = flow(4, 11, 1, 900 * 4, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 900, false);
        byte[] udp = Frames.spec().v(4).proto(17).payload(100).seed(4).build();
        byte[] icmp = Frames.spec().v(6).proto(58).payload(64).seed(5).build();
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            TxSa sa = rig.sa(0x8001, false);
            Packet[] in = {
                rig.sealOpen(udp, sa, 64), rig.sealOpen(segs.get(0), sa, GroRig.ROOM_64K),
                rig.sealForgeOpen(segs.get(1), sa), rig.sealOpen(segs.get(1), sa, 64), rig.sealOpen(icmp, sa, 64),
                rig.sealOpen(segs.get(2), sa, 64), rig.sealOpen(segs.get(3), sa, 64), rig.passThrough(udp)
            };
            byte[] forged = in[2].toByteArray();
            GroCounters c = new GroCounters();
            GroCoalescer gro = new GroCoalescer(cfg(), c);
            GroBatch b = gro.newBatch(16);
            assertEquals(5, gro.coalesce(in, in.length, b, 0));
            assertSame(in[0], b.out[0]);
            assertSame(in[1], b.out[1]);
            assertSame(in[2], b.out[2]);
            assertSame(in[4], b.out[3]);
            assertSame(in[7], b.out[4]);
            assertArrayEquals(udp, b.out[0].toByteArray());
            assertArrayEquals(sup, b.out[1].toByteArray());
            assertArrayEquals(forged, b.out[2].toByteArray());
            assertArrayEquals(icmp, b.out[3].toByteArray());
            assertArrayEquals(udp, b.out[4].toByteArray());
            // the forged packet is handed back in place but is no GRO input or output (open dropped it);
            // the pass-through is both: the counters describe what is delivered
            assertEquals(1, c.failedOpen);
            assertEquals(1, c.notAuthenticated);
            assertEquals(7, c.segmentsIn);
            assertEquals(4, c.packetsOut);
            assertEquals(c.segmentsIn, c.packetsOut + c.segmentsMerged);
            assertEquals(2, c.notTcp);
        }
    }

    @Test
    void linkPaddingIsDroppedFromSuperPacketsAndKeptOnSinglePackets() {
        byte[] sup = flow(4, 16, 1, 300 * 3 + 1, ACK).build();
        List<byte[]> segs = new ArrayList<>();
        for (byte[] seg : TcpFrames.segment(sup, 300, false)) {
            byte[] padded = java.util.Arrays.copyOf(seg, seg.length + 6); // Ethernet padding after the IP packet
            padded[padded.length - 1] = 0x77;
            segs.add(padded);
        }
        byte[] lone = segs.get(3);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            GroBatch b = run(rig, new GroCoalescer(cfg(), new GroCounters()), segs,
                    same(rig.sa(0x8301, false), 4), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {4}, segmentCounts(b));
            assertArrayEquals(sup, b.out[0].toByteArray());
            b = run(rig, new GroCoalescer(cfg(), new GroCounters()), List.of(lone),
                    same(rig.sa(0x8301, false), 1), GroRig.ROOM_64K, 0);
            assertArrayEquals(lone, b.out[0].toByteArray());
        }
    }

    @Test
    void disabledMergesNothing() {
        byte[] sup = flow(4, 12, 0, 500 * 4, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 500, false);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            GroBatch b = run(rig, new GroCoalescer(cfg().withEnabled(false), new GroCounters()), segs,
                    same(rig.sa(0x8101, false), 4), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {1, 1, 1, 1}, segmentCounts(b));
            checkRuns(b, segs);
        }
    }

    @Test
    void fixedIpIdWithDfMerges() {
        byte[] sup = flow(4, 13, 1, 700 * 5, ACK).build();
        List<byte[]> segs = TcpFrames.segment(sup, 700, true);
        try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
            GroBatch b = run(rig, new GroCoalescer(cfg(), new GroCounters()), segs,
                    same(rig.sa(0x8201, false), 5), GroRig.ROOM_64K, 0);
            assertArrayEquals(new int[] {5}, segmentCounts(b));
            checkRuns(b, segs);
        }
    }

    static Arguments m(String name, boolean persist, Consumer<TcpFrames.Spec> mutate, int[] expected, String refused,
                       int refusals) {
        return Arguments.of(name, persist, mutate, expected, refused, refusals);
    }

    /**
     * A change to segment 3 of 8 (persist: to segments 3..7, as a sender would), checksums fixed
     * after; the expected output segment counts and refusals, per Linux tcp_gro_receive.
     */
    static Stream<Arguments> mutations() {
        return Stream.of(
                m("psh mid-stream", false, s -> s.flags |= PSH, new int[] {4, 4}, "", 0),
                m("fin mid-stream", false, s -> s.flags |= FIN, new int[] {4, 4}, "", 0),
                m("syn", false, s -> s.flags |= SYN, new int[] {3, 1, 4}, "flags", 1),
                m("rst", false, s -> s.flags |= RST, new int[] {3, 1, 4}, "flags", 1),
                m("urg", false, s -> s.flags |= URG, new int[] {3, 1, 4}, "flags", 1),
                m("ece once", false, s -> s.flags |= ECE, new int[] {3, 1, 4}, "flags", 2),
                m("ece from then on", true, s -> s.flags |= ECE, new int[] {3, 5}, "flags", 1),
                m("cwr once", false, s -> s.flags |= CWR, new int[] {3, 5}, "flags", 1),
                m("ack change", true, s -> s.ack += 1, new int[] {3, 5}, "ack", 1),
                m("ack once", false, s -> s.ack += 1, new int[] {3, 1, 4}, "ack", 2),
                m("window change", true, s -> s.window += 1, new int[] {3, 5}, "window", 1),
                m("tsval change", true, s -> s.options[7] ^= 1, new int[] {3, 5}, "options", 1),
                m("options dropped", true, s -> s.options = new byte[0], new int[] {3, 5}, "options", 1),
                m("ttl change", true, s -> s.ttl -= 1, new int[] {3, 5}, "ip-header", 1),
                m("tos change", true, s -> s.tos = 4, new int[] {3, 5}, "ip-header", 1),
                m("ip id jump", true, s -> s.ipId += 7, new int[] {3, 5}, "ip-id", 1),
                m("bigger", false, s -> s.payload = new byte[1001], new int[] {3, 2, 3}, "size", 1),
                m("smaller", false, s -> s.payload = new byte[10], new int[] {4, 4}, "", 0),
                m("empty (pure ack)", false, s -> s.payload = new byte[0], new int[] {3, 1, 4}, "size", 1),
                m("seq gap", false, s -> s.seq += 1, new int[] {3, 5}, "gap", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutations")
    void flagAndHeaderChangesSplitTheFlowCorrectly(String name, boolean persist, Consumer<TcpFrames.Spec> mutate,
                                                   int[] expected, String refused, int refusalCount) {
        for (int v : new int[] {4, 6}) {
            if (v == 6 && name.startsWith("ip id")) {
                continue;
            }
            TcpFrames.Spec base = flow(v, 14, 1, 0, ACK);
            List<byte[]> frames = new ArrayList<>();
            Random r = new Random(15);
            for (int i = 0; i < 8; i++) {
                TcpFrames.Spec s = base.copy();
                s.payload = new byte[1000];
                r.nextBytes(s.payload);
                s.seq = base.seq + i * 1000;
                s.ipId = base.ipId + i;
                if (i == 3 || (persist && i > 3)) {
                    mutate.accept(s);
                }
                frames.add(s.build());
            }
            // a segment whose seq shifted or size changed makes the next one a gap or a fresh start: keep the
            // rest contiguous with segment 3 as sent
            if (name.equals("seq gap") || name.equals("bigger") || name.equals("smaller") || name.startsWith("empty")) {
                TcpFrames.Layout l3 = TcpFrames.layout(frames.get(3));
                int next = ByteBuffer.wrap(frames.get(3)).getInt(l3.l4() + 4) + l3.payLen();
                for (int i = 4; i < 8; i++) {
                    byte[] f = frames.get(i);
                    ByteBuffer.wrap(f).putInt(TcpFrames.layout(f).l4() + 4, next + (i - 4) * 1000);
                    TcpFrames.fixChecksums(f);
                }
            }
            try (GroRig rig = new GroRig(Mode.TRANSPORT)) {
                GroCounters c = new GroCounters();
                GroBatch b = run(rig, new GroCoalescer(cfg(), c), frames,
                        same(rig.sa(0x9001, false), 8), GroRig.ROOM_64K, 0);
                assertArrayEquals(expected, segmentCounts(b), "v" + v);
                checkRuns(b, frames);
                long refusals = switch (refused) {
                    case "flags" -> c.refusedFlags;
                    case "ack" -> c.refusedAck;
                    case "window" -> c.refusedWindow;
                    case "options" -> c.refusedOptions;
                    case "ip-header" -> c.refusedIpHeader;
                    case "ip-id" -> c.refusedIpId;
                    case "size" -> c.refusedSize;
                    case "gap" -> c.refusedGap;
                    default -> 0;
                };
                assertEquals(refusalCount, refusals, "v" + v + " " + c);
            }
        }
    }
}
