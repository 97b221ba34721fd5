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
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.TxSa;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random traffic through seal, open and GRO: interleaved flows (some with the same 5-tuple
 * under another SA and other payload), loss, duplicates, reordering, flag and header changes, bad
 * inner checksums, UDP and unauthenticated packets, random bursts, clock and knobs. Every output is
 * checked against {@link RefGro}: a packet delivered alone is byte-identical to what came in; a
 * super-packet equals the legal merge of a contiguous run of the segments its flow sent. Every
 * input leaves exactly once (output head, consumed or dropped), and a flow's outputs keep its order.
 */
class GroFuzzTest {

    static Stream<Arguments> combos() {
        List<Arguments> l = new ArrayList<>();
        for (GroConfig.Merge merge : GroConfig.Merge.values()) {
            for (long seed = 0; seed < 10; seed++) {
                for (int v : new int[] {4, 6}) {
                    for (Mode mode : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                        l.add(Arguments.of(seed, v, mode, merge));
                    }
                }
            }
        }
        return l.stream();
    }

    static final class Flow {
        TxSa sa;
        final List<byte[]> sent = new ArrayList<>();
        final List<Boolean> badCsum = new ArrayList<>();
    }

    /** One arrival: a segment of a flow (index into its sent list), or other traffic (flow -1). */
    record Arrival(int flow, int sentIdx, byte[] frame, boolean forged, boolean badCsum) {}

    record Out(Packet p, byte[] bytes, int segments, int gso) {}

    @ParameterizedTest(name = "seed {0} v{1} {2} {3}")
    @MethodSource("combos")
    void randomTrafficNeverMergesWrongly(long seed, int v, Mode mode, GroConfig.Merge merge) {
        randomTraffic(new Random(seed * 1_000 + v * 10 + mode.ordinal()), v, mode, merge);
    }

    /** One case of {@link #randomTrafficNeverMergesWrongly}, its choices from {@code r} (also driven by {@link GroCoalescerFuzzTest}). */
    static void randomTraffic(Random r, int v, Mode mode, GroConfig.Merge merge) {
        GroConfig cfg = randomConfig(r).withMerge(merge);
        try (GroRig rig = new GroRig(mode)) {
            List<Flow> flows = makeFlows(rig, r, v);
            List<Arrival> arrivals = interleave(flows, r, v);
            int n = arrivals.size();
            Packet[] in = new Packet[n];
            byte[][] clear = new byte[n][];
            Map<Packet, Integer> index = new IdentityHashMap<>();
            TxSa other = rig.sa(0x7777, false);
            // half the seeds: the decoder verifies the good inner checksums (GRO then derives the payload
            // sums from the headers instead of a pass), the bad ones still reach GRO's own check
            boolean decoderVerifies = r.nextBoolean();
            for (int i = 0; i < n; i++) {
                Arrival a = arrivals.get(i);
                rig.decoder.verifyInnerChecksums(decoderVerifies && !a.badCsum());
                TxSa sa = a.flow() >= 0 ? flows.get(a.flow()).sa : other;
                int room = r.nextInt(10) < 7 ? GroRig.ROOM_64K : r.nextInt(5000);
                in[i] = a.forged() ? rig.sealForgeOpen(a.frame(), sa) : rig.sealOpen(a.frame(), sa, room);
                clear[i] = in[i].toByteArray();
                assertEquals(decoderVerifies && !a.badCsum() && !a.forged() && isTcpOrUdp(clear[i], mode),
                        in[i].innerCsumVerified, "verified by the decoder");
                index.put(in[i], i);
            }
            GroCounters c = new GroCounters();
            GroCoalescer gro = new GroCoalescer(cfg, c);
            GroBatch b = gro.newBatch(16);
            List<Out> outs = new ArrayList<>();
            List<Packet> consumed = new ArrayList<>();
            List<Packet> dropped = new ArrayList<>();
            long now = r.nextLong() >>> 2;
            int at = 0;
            while (at < n) {
                int k = Math.min(n - at, 1 + r.nextInt(16));
                Packet[] burst = new Packet[k];
                System.arraycopy(in, at, burst, 0, k);
                at += k;
                now += r.nextInt(400);
                gro.coalesce(burst, k, b, now);
                assertTrue(merge == GroConfig.Merge.COPY || b.consumedCount == 0, "chain mode consumes nothing");
                collect(b, merge, outs, consumed, dropped);
            }
            gro.flush(b);
            collect(b, merge, outs, consumed, dropped);

            // every input leaves exactly once
            int[] seen = new int[n];
            int segments = 0;
            for (Out o : outs) {
                seen[index.get(o.p())]++;
                segments += o.segments();
            }
            consumed.forEach(p -> seen[index.get(p)]++);
            dropped.forEach(p -> seen[index.get(p)]++);
            for (int i = 0; i < n; i++) {
                assertEquals(1, seen[i], "input " + i + " left " + seen[i] + " times");
            }
            assertEquals(n - dropped.size(), segments);
            for (Packet p : dropped) {
                assertTrue(arrivals.get(index.get(p)).badCsum(), "only bad inner checksums are dropped");
                assertTrue(cfg.dropBadChecksum());
            }
            // packets open dropped (forged) are handed back in place but are no GRO input or output
            long failedOpen = outs.stream().filter(o -> o.p().result != 0
                    && o.p().result != dev.psp.engine.psp.Reason.NOT_PSP.code()).count();
            assertEquals(failedOpen, c.failedOpen);
            assertEquals(n - failedOpen, c.segmentsIn);
            assertEquals(outs.size() - failedOpen, c.packetsOut);
            assertEquals(consumed.size(), c.segmentsMerged);

            int[] lastHead = new int[flows.size()];
            java.util.Arrays.fill(lastHead, -1);
            for (Out o : outs) {
                int i = index.get(o.p());
                Arrival a = arrivals.get(i);
                if (o.segments() == 1) {
                    assertArrayEquals(clear[i], o.bytes(), "packet delivered alone changed, input " + i);
                    assertEquals(0, o.gso());
                } else {
                    assertTrue(a.flow() >= 0 && !a.forged(), "only flow segments merge");
                    Flow f = flows.get(a.flow());
                    List<byte[]> run = mergedRun(f, a.sentIdx(), o.segments(), o.bytes(), cfg);
                    byte[] expected = RefGro.merge(run, cfg.maxSegments(), cfg.maxSize());
                    assertArrayEquals(expected, o.bytes(), "super-packet from input " + i);
                    assertEquals(TcpFrames.layout(run.get(0)).payLen(), o.gso());
                    assertEquals(f.sa.spi, o.p().spi);
                }
                if (a.flow() >= 0 && !a.forged()) {
                    assertTrue(i > lastHead[a.flow()], "flow order");
                    lastHead[a.flow()] = i;
                }
            }
        }
    }

    /**
     * The sent segments a super-packet of {@code k} segments headed by {@code f.sent[head]} was
     * merged from: the next {@code k - 1} sent ones, unless another segment of the flow with the
     * expected sequence number makes a legal run ({@link RefGro}) with exactly the output's bytes:
     * a sequence number the generator rewrote (one mutation adds 1) can make a later segment
     * contiguous with it, which GRO rightly merges (e.g. MSS 1: segment 9 rewritten to 10, then
     * segment 11). Falls back to the consecutive run, which {@link RefGro} then judges.
     */
    static List<byte[]> mergedRun(Flow f, int head, int k, byte[] out, GroConfig cfg) {
        List<byte[]> consecutive = head + k <= f.sent.size() ? f.sent.subList(head, head + k) : List.of(f.sent.get(head));
        if (legalAndEqual(consecutive, k, out, cfg)) {
            return consecutive;
        }
        List<byte[]> run = new ArrayList<>();
        byte[] first = f.sent.get(head);
        run.add(first);
        TcpFrames.Layout hl = TcpFrames.layout(first);
        return extend(f, run, k, out, cfg, hl.payOff() + hl.payLen()) ? run : consecutive;
    }

    /** Depth-first over the segments that continue {@code run}; {@code at}: where the next payload sits in {@code out}. */
    private static boolean extend(Flow f, List<byte[]> run, int k, byte[] out, GroConfig cfg, int at) {
        if (run.size() == k) {
            return legalAndEqual(run, k, out, cfg);
        }
        byte[] last = run.get(run.size() - 1);
        TcpFrames.Layout l = TcpFrames.layout(last);
        int next = ByteBuffer.wrap(last).getInt(l.l4() + 4) + l.payLen();
        for (byte[] c : f.sent) {
            TcpFrames.Layout cl = TcpFrames.layout(c);
            int len = cl.payLen();
            // only a segment with the next sequence number whose payload is the output's bytes there
            if (ByteBuffer.wrap(c).getInt(cl.l4() + 4) == next && !run.contains(c) && at + len <= out.length
                    && java.util.Arrays.equals(c, cl.payOff(), cl.payOff() + len, out, at, at + len)) {
                run.add(c);
                if (extend(f, run, k, out, cfg, at + len)) {
                    return true;
                }
                run.remove(run.size() - 1);
            }
        }
        return false;
    }

    private static boolean legalAndEqual(List<byte[]> run, int k, byte[] out, GroConfig cfg) {
        if (run.size() != k) {
            return false;
        }
        try {
            return java.util.Arrays.equals(RefGro.merge(run, cfg.maxSegments(), cfg.maxSize()), out);
        } catch (AssertionError e) {
            return false;
        }
    }

    /** Outputs (a chain gathered), and what merged into them: consumed (COPY) or chained (CHAIN). */
    private static void collect(GroBatch b, GroConfig.Merge merge, List<Out> outs, List<Packet> consumed,
            List<Packet> dropped) {
        for (int i = 0; i < b.outCount; i++) {
            Packet p = b.out[i];
            outs.add(new Out(p, p.toByteArray(), b.segments[i], b.gsoSize[i]));
            int links = 0;
            int bytes = 0;
            for (Packet f = p.next; f != null; f = f.next) {
                consumed.add(f);
                links++;
                bytes += f.fragLength;
            }
            assertEquals(p.chainCount, links);
            assertEquals(p.chainBytes, bytes);
            assertEquals(merge == GroConfig.Merge.CHAIN ? b.segments[i] - 1 : 0, links,
                    "a chain holds every merged segment (CHAIN), none is linked (COPY)");
        }

        for (int i = 0; i < b.consumedCount; i++) {
            consumed.add(b.consumed[i]);
        }
        for (int i = 0; i < b.droppedCount; i++) {
            dropped.add(b.dropped[i]);
        }
    }

    /** The frame's (inner, in tunnel mode) L4 is TCP or UDP: what the decoder verifies. */
    private static boolean isTcpOrUdp(byte[] frame, Mode mode) {
        dev.psp.engine.wire.PacketHeaders h = new dev.psp.engine.wire.PacketHeaders();
        java.lang.foreign.MemorySegment s = java.lang.foreign.MemorySegment.ofArray(frame);
        return h.parse(s, 0, frame.length) == dev.psp.engine.wire.PacketHeaders.OK && !h.fragment
                && (h.l4Proto == 6 || h.l4Proto == 17);
    }

    /** Seeded GRO limits for the fuzz tests: segment and size caps, table size, flush timeout, bad-checksum policy. */
    static GroConfig randomConfig(Random r) {
        return GroConfig.defaults()
                .withMaxSegments(new int[] {64, 64, 3, 8}[r.nextInt(4)])
                .withMaxSize(new int[] {65535, 65535, 5000}[r.nextInt(3)])
                .withMaxFlows(new int[] {32, 2, 4}[r.nextInt(3)])
                .withFlushTimeoutNanos(new long[] {0, 0, 300, 1000}[r.nextInt(4)])
                .withDropBadChecksum(r.nextBoolean());
    }

    static List<Flow> makeFlows(GroRig rig, Random r, int v) {
        int nFlows = 1 + r.nextInt(4);
        List<Flow> flows = new ArrayList<>();
        List<TcpFrames.Spec> bases = new ArrayList<>();
        for (int fi = 0; fi < nFlows; fi++) {
            Flow f = new Flow();
            f.sa = rig.sa(0x100 + fi, r.nextBoolean());
            TcpFrames.Spec s;
            if (fi > 0 && r.nextInt(3) == 0) {
                s = bases.get(r.nextInt(fi)).copy(); // same 5-tuple, seq and IDs under another SA
            } else if (fi > 0 && r.nextInt(3) == 0) {
                // the first flow's twin under the same SA: same source, ports, sequence numbers and
                // IDs, only the destination's last bytes differ (the last address word compared)
                s = bases.get(0).copy();
                s.dstAddr = 100 + fi;
                f.sa = flows.get(0).sa;
            } else {
                s = new TcpFrames.Spec();
                s.ipVersion = v;
                s.addr = 1 + fi;
                s.sport = 40000 + r.nextInt(3);
                s.seq = r.nextInt();
                s.ack = r.nextInt();
                s.ipId = r.nextInt(65536);
                s.df = r.nextInt(4) != 0;
                s.options = r.nextInt(4) == 0 ? new byte[0] : TcpFrames.timestamps(r.nextInt(), r.nextInt());
            }
            bases.add(s.copy());
            boolean fixedId = v == 4 && s.df && r.nextInt(5) == 0;
            int supers = 1 + r.nextInt(3);
            for (int k = 0; k < supers; k++) {
                TcpFrames.Spec sp = s.copy();
                int mss = new int[] {536, 1000, 1448, 777, 1}[r.nextInt(5)];
                int total = 1 + r.nextInt(mss == 1 ? 20 : 12_000);
                sp.payload = new byte[total];
                r.nextBytes(sp.payload);
                sp.flags = ACK | (r.nextBoolean() ? PSH : 0) | (r.nextInt(10) == 0 ? CWR : 0)
                        | (k == supers - 1 && r.nextInt(5) == 0 ? FIN : 0);
                List<byte[]> segs = TcpFrames.segment(sp.build(), mss, fixedId);
                for (byte[] seg : segs) {
                    boolean bad = false;
                    if (r.nextInt(12) == 0) {
                        bad = mutate(seg, r);
                    }
                    f.sent.add(seg);
                    f.badCsum.add(bad);
                }
                s.seq += total;
                s.ipId += fixedId ? 0 : segs.size();
                if (s.options.length > 0) {
                    ByteBuffer.wrap(s.options).putInt(4, ByteBuffer.wrap(s.options).getInt(4) + 1 + r.nextInt(2));
                }
                if (r.nextInt(3) == 0) {
                    s.ack += r.nextInt(5000);
                }
            }
            flows.add(f);
        }
        return flows;
    }

    /** Changes one header field of a sent segment (checksums fixed) or corrupts it; true when corrupted. */
    private static boolean mutate(byte[] f, Random r) {
        TcpFrames.Layout l = TcpFrames.layout(f);
        ByteBuffer b = ByteBuffer.wrap(f);
        switch (r.nextInt(10)) {
            case 0 -> f[l.l4() + 13] |= (byte) new int[] {SYN, RST, URG, ECE, PSH, FIN, CWR}[r.nextInt(7)];
            case 1 -> b.putInt(l.l4() + 8, b.getInt(l.l4() + 8) + 1);
            case 2 -> b.putShort(l.l4() + 14, (short) (b.getShort(l.l4() + 14) + 1));
            case 3 -> f[l.l3() + (l.ipVersion() == 4 ? 8 : 7)]--;
            case 4 -> b.putShort(l.l3() + 4, (short) (b.getShort(l.l3() + 4) + (l.ipVersion() == 4 ? 3 : 0)));
            case 5 -> {
                if (l.thLen() > 20) {
                    f[l.l4() + 27] ^= 1;
                }
            }
            case 6 -> b.putInt(l.l4() + 4, b.getInt(l.l4() + 4) + 1);
            case 7 -> f[l.l3() + 1] ^= 0x10;
            default -> {
                f[f.length - 1] ^= 0x20; // bad inner checksum: not fixed
                return true;
            }
        }
        TcpFrames.fixChecksums(f);
        return false;
    }

    static List<Arrival> interleave(List<Flow> flows, Random r, int v) {
        List<List<Arrival>> queues = new ArrayList<>();
        for (int fi = 0; fi < flows.size(); fi++) {
            Flow f = flows.get(fi);
            List<Arrival> q = new ArrayList<>();
            for (int i = 0; i < f.sent.size(); i++) {
                int roll = r.nextInt(100);
                if (roll < 4) {
                    continue; // lost
                }
                Arrival a = new Arrival(fi, i, f.sent.get(i), false, f.badCsum.get(i));
                q.add(a);
                if (roll < 8) {
                    q.add(Math.min(q.size(), q.size() - 1 + 1 + r.nextInt(3)) , a); // duplicate
                }
            }
            for (int i = 0; i + 1 < q.size(); i++) {
                if (r.nextInt(100) < 5) {
                    Arrival t = q.get(i);
                    q.set(i, q.get(i + 1));
                    q.set(i + 1, t);
                }
            }
            queues.add(q);
        }
        List<Arrival> out = new ArrayList<>();
        int[] pos = new int[queues.size()];
        int left = queues.stream().mapToInt(List::size).sum();
        while (left > 0) {
            int roll = r.nextInt(100);
            if (roll < 3) {
                byte[] udp = Frames.spec().v(v).proto(17).payload(r.nextInt(200)).seed(r.nextLong()).build();
                if (v == 6) { // IPv6 requires a UDP checksum (a zero one is bad); IPv4's stays 0, none sent
                    java.lang.foreign.MemorySegment u = java.lang.foreign.MemorySegment.ofArray(udp);
                    int c = dev.psp.engine.wire.Checksum.l4(u, 14, 6, 17, 54, udp.length - 54, 6);
                    dev.psp.engine.wire.Bytes.u16(u, 54 + 6, c == 0 ? 0xffff : c);
                }
                out.add(new Arrival(-1, -1, udp, false, false));
                continue;
            }
            int fi = r.nextInt(queues.size());
            if (pos[fi] == queues.get(fi).size()) {
                continue;
            }
            Arrival a = queues.get(fi).get(pos[fi]++);
            left--;
            if (roll < 5) {
                out.add(new Arrival(a.flow(), a.sentIdx(), a.frame(), true, false)); // fails authentication
            }
            out.add(a);
        }
        return out;
    }
}
