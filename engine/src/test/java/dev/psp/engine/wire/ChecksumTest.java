package dev.psp.engine.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    @Test
    void wordWiseSumEqualsTheReferenceForEveryLengthAndOffset() {
        Random r = new Random(1071);
        byte[] b = new byte[70_000];
        MemorySegment s = MemorySegment.ofArray(b);
        for (int round = 0; round < 3000; round++) {
            r.nextBytes(b);
            if (round % 3 == 0) {
                java.util.Arrays.fill(b, (byte) 0xff); // worst case for carries
            }
            int off = r.nextInt(16);
            int len = round < 200 ? round : r.nextInt(b.length - 16);
            long seed = r.nextInt(1 << 20);
            assertEquals(Checksum.finish(Checksum.sumReference(s, off, len, seed)), Checksum.finish(Checksum.sum(s, off, len, seed)),
                    "len " + len + " off " + off);
        }
    }

    @Test
    void rfc1071Example() {
        byte[] b = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        // RFC 1071 section 3: the sum is 0xddf2, the checksum its complement
        assertEquals(~0xddf2 & 0xffff, Checksum.finish(Checksum.sum(MemorySegment.ofArray(b), 0, 8, 0)));
    }
}
