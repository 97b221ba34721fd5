package dev.psp.engine.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BytesTest {
    @Test
    void moveIsAnOverlapSafeMemmoveForEveryLengthAndShift() {
        Random r = new Random(3);
        byte[] bounce = new byte[512];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2048);
            for (int len = 0; len <= 600; len++) {
                for (int shift : new int[] {-64, -40, -24, -9, -8, -1, 1, 7, 8, 16, 24, 40, 64}) {
                    byte[] init = new byte[2048];
                    r.nextBytes(init);
                    MemorySegment.copy(init, 0, s, ValueLayout.JAVA_BYTE, 0, 2048);
                    int from = 700;
                    int to = from + shift;
                    byte[] expected = init.clone();
                    System.arraycopy(init, from, expected, to, len); // arraycopy is overlap-safe
                    Bytes.move(s, from, to, len, bounce);
                    assertArrayEquals(expected, s.toArray(ValueLayout.JAVA_BYTE), "len " + len + " shift " + shift);
                }
            }
        }
    }

    /** {@link Bytes#moveHeader}: every length 32..56, moved back and forth by 1..40 bytes (overlapping or not), equals a copy through an array and touches nothing else. */
    @Test
    void moveHeaderIsAnOverlapSafeMove() {
        Random r = new Random(54);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(256, 8);
            for (int len = 32; len <= 56; len++) {
                for (int shift = -40; shift <= 40; shift++) {
                    byte[] before = new byte[256];
                    r.nextBytes(before);
                    MemorySegment.copy(MemorySegment.ofArray(before), 0, m, 0, 256);
                    int from = 100;
                    Bytes.moveHeader(m.address() + from, m.address() + from + shift, len);
                    byte[] want = before.clone();
                    System.arraycopy(before, from, want, from + shift, len);
                    assertArrayEquals(want, m.toArray(ValueLayout.JAVA_BYTE),
                            "len " + len + " shift " + shift);
                }
            }
        }
    }
}
