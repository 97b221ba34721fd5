package dev.psp.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.TxSa;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one-pass path for segments that continue the last flow ({@code GroCoalescer.joinHot}) against
 * the general path alone ({@code fastPath(false)}): the fuzz test's random traffic (interleaved flows,
 * loss, duplicates, reordering, flag/ack/window/TTL/TOS/option/sequence changes, bad checksums,
 * forged packets, other SAs) plus near misses aimed at the fast path's own checks (DF, the reserved
 * fragment bit, IP ID, source address, destination MAC, destination port, options length), opened by
 * a decoder that verifies inner checksums (the fast path's precondition), offered in the same bursts
 * at the same clock: same outputs, same bytes, same drops and consumed descriptors, every counter equal.
 */
class GroFastPathTest {
    static Stream<Arguments> seeds() {
        List<Arguments> l = new ArrayList<>();
        for (long seed = 0; seed < 10; seed++) {
            for (int v : new int[] {4, 6}) {
                l.add(Arguments.of(seed, v, seed % 3 == 2 ? Mode.TUNNEL : Mode.TRANSPORT));
            }
        }
        return l.stream();
    }

    @ParameterizedTest(name = "seed {0} v{1} {2}")
    @MethodSource("seeds")
    void fastPathDecidesAndWritesExactlyAsTheGeneralPath(long seed, int v, Mode mode) {
        fastAgainstGeneral(new Random(seed * 104_729 + v), v, mode, true);
    }

    /**
     * One case of {@link #fastPathDecidesAndWritesExactlyAsTheGeneralPath}, its choices from {@code r}
     * (also driven by {@link GroCoalescerFuzzTest}); {@code requireHotJoins}: fail when segments merged
     * but none through the fast path (the seeded cases must exercise it; a fuzzed one need not).
     */
    static void fastAgainstGeneral(Random r, int v, Mode mode, boolean requireHotJoins) {
        GroConfig cfg = GroFuzzTest.randomConfig(r).withRecomputeChecksum(r.nextInt(4) != 0)
                .withMerge(r.nextBoolean() ? GroConfig.Merge.CHAIN : GroConfig.Merge.COPY);
        try (GroRig rig = new GroRig(mode, true)) {
            List<GroFuzzTest.Flow> flows = GroFuzzTest.makeFlows(rig, r, v);
            for (GroFuzzTest.Flow f : flows) {
                for (int i = 0; i < f.sent.size(); i++) {
                    if (r.nextInt(6) == 0 && !f.badCsum.get(i)) {
                        nearMiss(f.sent.get(i), r); // checksums fixed: a corrupted one would be repaired
                    }
                }
            }
            List<GroFuzzTest.Arrival> arrivals = GroFuzzTest.interleave(flows, r, v);
            GroCoalescer fast = new GroCoalescer(cfg, new GroCounters());
            GroCoalescer slow = new GroCoalescer(cfg, new GroCounters()).fastPath(false);
            GroDifferential.run(r, flows, arrivals, rig.sa(0x7777, false), (a, sa) -> open(rig, a, sa), fast, slow,
                    (fb, sb, index) -> {
                        assertEquals(fb.consumedCount, sb.consumedCount);
                        for (int i = 0; i < fb.consumedCount; i++) {
                            assertEquals(index.get(fb.consumed[i]), index.get(sb.consumed[i]));
                        }
                    });
            assertEquals(0, slow.hotJoins);
            if (requireHotJoins && slow.counters().segmentsMerged > 0) {
                assertTrue(fast.hotJoins > 0, "the fast path merged nothing (IPv" + v + "): the test does not exercise it");
            }
        }
    }

    /**
     * A difference in any single option byte (timestamps: the two-word compare; timestamps + SACK:
     * the word loop) refuses the merge on both paths: segments 0 and 1 merge, segment 2 (one option
     * bit flipped) and segment 3 each leave alone, counted as option refusals.
     */
    @ParameterizedTest(name = "v{0} options {1}")
    @CsvSource({"4, 1", "4, 2", "6, 1", "6, 2"})
    void everyOptionByteTakesPartInTheMergeDecision(int v, int opts) {
        for (boolean fastPath : v == 4 ? new boolean[] {true, false} : new boolean[] {false}) {
            int thLen = 0;
            for (int at = 20; thLen == 0 || at < thLen; at++) {
                try (GroRig rig = new GroRig(Mode.TRANSPORT, true)) {
                    List<byte[]> segs = TcpFrames.segment(GroCoalescerTest.flow(v, 17 + at, opts, 4000, TcpFrames.ACK).build(),
                            1000, false);
                    byte[] s2 = segs.get(2);
                    TcpFrames.Layout l = TcpFrames.layout(s2);
                    thLen = l.thLen();
                    s2[l.l4() + at] ^= 1;
                    TcpFrames.fixChecksums(s2);
                    TxSa sa = rig.sa(0x300, false);
                    Packet[] in = new Packet[segs.size()];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
                    }
                    GroCounters c = new GroCounters();
                    GroCoalescer gro = new GroCoalescer(GroConfig.defaults(), c).fastPath(fastPath);
                    GroBatch b = gro.newBatch(8);
                    String what = "option byte " + (at - 20) + " of " + (thLen - 20) + ", fast path " + fastPath;
                    assertEquals(3, gro.coalesce(in, in.length, b, 0), what);
                    assertEquals(2, b.segments[0], what);
                    assertEquals(2, c.refusedOptions, what);
                }
            }
            assertTrue(thLen > 28, "options present");
        }
    }

    /** Seals and opens an arrival: forged ones fail authentication, bad inner checksums fail the decoder's check. */
    private static Packet open(GroRig rig, GroFuzzTest.Arrival a, TxSa sa) {
        if (a.forged()) {
            return rig.sealForgeOpen(a.frame(), sa);
        }
        if (a.badCsum()) {
            return rig.sealOpenRc(a.frame(), sa, GroRig.ROOM_64K, Reason.RX_INNER_CSUM_BAD.code());
        }
        return rig.sealOpen(a.frame(), sa, GroRig.ROOM_64K);
    }

    /** Changes one field the fast path compares itself (checksums fixed): the general path must decide. */
    private static void nearMiss(byte[] f, Random r) {
        TcpFrames.Layout l = TcpFrames.layout(f);
        ByteBuffer b = ByteBuffer.wrap(f);
        boolean v4 = l.ipVersion() == 4;
        switch (r.nextInt(7)) {
            case 0 -> {
                if (v4) {
                    f[l.l3() + 6] ^= 0x40; // DF
                }
            }
            case 1 -> {
                if (v4) {
                    f[l.l3() + 6] ^= (byte) 0x80; // the reserved fragment bit
                }
            }
            case 2 -> {
                if (v4) {
                    b.putShort(l.l3() + 4, (short) (b.getShort(l.l3() + 4) + 1)); // IP ID
                }
            }
            case 3 -> f[l.l3() + (v4 ? 12 : 8) + r.nextInt(v4 ? 4 : 16)] ^= 1; // source address
            case 4 -> f[r.nextInt(6)] ^= 2; // destination MAC
            case 5 -> f[l.l4() + 2] ^= 1; // destination port
            default -> {
                if (l.thLen() == 32) {
                    f[l.l4() + (r.nextBoolean() ? 20 : 28) + r.nextInt(4)] ^= 4; // an option byte: first word only, last only
                }
            }
        }
        TcpFrames.fixChecksums(f);
    }
}
