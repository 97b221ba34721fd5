package dev.psp.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.TxSa;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Two coalescers fed the same random traffic ({@link GroFuzzTest#makeFlows}/{@link GroFuzzTest#interleave}),
 * each arrival sealed and opened once per side, in the same random bursts at the same clock, then a
 * final flush: after every call both batches hold the same outputs (same input index, segment count,
 * gso size, partial flag, authentication; same frame bytes when authenticated, same length when a
 * forged packet passed through still sealed under its own IV) and the same drops; at the end every
 * counter is equal. What differs by design (COPY consumes descriptors, CHAIN links them) is left to
 * {@code perBurst}.
 */
final class GroDifferential {
    private GroDifferential() {}

    /** Seals and opens one arrival under {@code sa}. */
    interface Opener {
        Packet open(GroFuzzTest.Arrival a, TxSa sa);
    }

    /** Extra checks after each call, with the input index of each descriptor. */
    interface BurstCheck {
        void check(GroBatch a, GroBatch b, Map<Packet, Integer> index);
    }

    static void run(Random r, List<GroFuzzTest.Flow> flows, List<GroFuzzTest.Arrival> arrivals, TxSa other,
            Opener open, GroCoalescer a, GroCoalescer b, BurstCheck perBurst) {
        int n = arrivals.size();
        Packet[] aIn = new Packet[n];
        Packet[] bIn = new Packet[n];
        Map<Packet, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            GroFuzzTest.Arrival x = arrivals.get(i);
            TxSa sa = x.flow() >= 0 ? flows.get(x.flow()).sa : other;
            aIn[i] = open.open(x, sa);
            bIn[i] = open.open(x, sa);
            index.put(aIn[i], i);
            index.put(bIn[i], i);
        }
        GroBatch ab = a.newBatch(16);
        GroBatch bb = b.newBatch(16);
        long now = r.nextLong() >>> 2;
        int at = 0;
        while (at <= n) {
            int k = Math.min(n - at, 1 + r.nextInt(16));
            if (at == n) {
                a.flush(ab);
                b.flush(bb);
            } else {
                Packet[] b1 = new Packet[k];
                Packet[] b2 = new Packet[k];
                System.arraycopy(aIn, at, b1, 0, k);
                System.arraycopy(bIn, at, b2, 0, k);
                now += r.nextInt(400);
                a.coalesce(b1, k, ab, now);
                b.coalesce(b2, k, bb, now);
            }
            at += Math.max(k, 1);
            assertEquals(ab.outCount, bb.outCount);
            assertEquals(ab.droppedCount, bb.droppedCount);
            for (int i = 0; i < ab.outCount; i++) {
                Packet ap = ab.out[i];
                Packet bp = bb.out[i];
                String what = "output " + i + " (input " + index.get(ap) + ")";
                assertEquals(index.get(ap), index.get(bp), what);
                assertEquals(ab.segments[i], bb.segments[i], what);
                assertEquals(ab.gsoSize[i], bb.gsoSize[i], what);
                assertEquals(ab.csumPartial[i], bb.csumPartial[i], what);
                assertEquals(ap.authenticated, bp.authenticated, what);
                if (ap.authenticated) {
                    assertArrayEquals(ap.toByteArray(), bp.toByteArray(), what);
                } else {
                    assertEquals(ap.frameLength(), bp.frameLength(), what);
                }
            }
            for (int i = 0; i < ab.droppedCount; i++) {
                assertEquals(index.get(ab.dropped[i]), index.get(bb.dropped[i]));
            }
            perBurst.check(ab, bb, index);
        }
        assertEquals(a.counters().toMap(), b.counters().toMap(), "every counter, refusal reasons and flushes included");
    }
}
