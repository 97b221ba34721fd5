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
}
