package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of the receive path: sealed packets with random bit flips, truncations,
 * extensions and field rewrites. Nothing throws, every packet is either delivered authentic (and
 * then byte-identical to what was sealed, which only an untouched packet can be) or counted under
 * exactly one counter.
 */
class MutationFuzzTest {

    @Test
    void mutatedPacketsAreCountedNeverDeliveredWrong() {
        Random r = new Random(20261125);
        try (CodecHarness h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1)) {
            PspDecoder dec = h.decoder(Mode.AUTO);
            int delivered = 0;
            int total = 4000;
            for (int i = 0; i < total; i++) {
                int version = r.nextInt(4);
                Mode mode = r.nextBoolean() ? Mode.TRANSPORT : Mode.TUNNEL;
                byte[] frame = Frames.spec().v(r.nextBoolean() ? 4 : 6).proto(r.nextBoolean() ? 6 : 17)
                        .payload(r.nextInt(600)).seed(r.nextLong()).build();
                TxSa sa = h.install(TxSa.builder().mode(mode).cryptOffset(r.nextInt(3)).vc(r.nextBoolean(), r.nextLong())
                        .udpChecksum(r.nextBoolean()).ivSource(new CounterIvSource(i + 1)), 0x1000 + i, version);
                Packet p = h.load(frame);
                p.sa = sa;
                assertEquals(0, h.encoder.seal(p));
                byte[] sealed = p.toByteArray();
                byte[] m = mutate(sealed, r);
                boolean untouched = java.util.Arrays.equals(m, sealed);
                Packet q = h.load(m);
                long before = sum(h.rxCounters);
                int rc = dec.open(q);
                assertEquals(before + 1, sum(h.rxCounters), "every packet lands in exactly one counter");
                if (rc == 0) {
                    delivered++;
                    assertTrue(q.authenticated);
                    if (untouched) {
                        assertArrayEquals(frame, q.toByteArray());
                    }
                }
            }
            assertTrue(delivered < total, "some mutations must be rejected");
        }
    }

    private static long sum(PspCounters c) {
        return c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough;
    }

    private static byte[] mutate(byte[] b, Random r) {
        byte[] m = b.clone();
        switch (r.nextInt(6)) {
            case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> m = java.util.Arrays.copyOf(m, r.nextInt(m.length));
            case 2 -> m = java.util.Arrays.copyOf(m, m.length + 1 + r.nextInt(40));
            case 3 -> {
                int off = 14 + r.nextInt(Math.min(90, m.length - 14));
                m[off] = (byte) r.nextInt(256);
            }
            case 4 -> {
                for (int k = 0; k < 5; k++) {
                    m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
            }
            default -> { } // untouched
        }
        return m;
    }
}
