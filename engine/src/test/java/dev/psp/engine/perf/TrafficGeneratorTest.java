package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrafficGeneratorTest {
    private static final long OFF = 128;

    /** The pipeline's synthetic source and psp bench offer the same simple IMIX (one without the FCS). */
    @Test
    void thePipelineSourceHasTheSameImix() {
        int[] expanded = new int[TrafficGenerator.IMIX_CYCLE];
        int k = 0;
        for (int i = 0; i < TrafficGenerator.IMIX_FRAME_SIZES.length; i++) {
            for (int w = 0; w < TrafficGenerator.IMIX_WEIGHTS[i]; w++) {
                expanded[k++] = TrafficGenerator.IMIX_FRAME_SIZES[i] - TrafficGenerator.FCS_LENGTH;
            }
        }
        assertArrayEquals(expanded, dev.psp.engine.pipeline.SyntheticSource.IMIX);
    }

    @ParameterizedTest
    @CsvSource({"4,17", "4,6", "6,17", "6,6"})
    void framesParseWithRightLengthsAndChecksums(int ipVersion, int proto) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(10_000);
            TrafficGenerator g = new TrafficGenerator(42, 8, ipVersion, proto);
            PacketHeaders h = new PacketHeaders();
            for (int payload : new int[] {0, 1, 3, 64, 511, 1400, 8900}) {
                for (int flow = 0; flow < 8; flow++) {
                    int len = g.write(seg, OFF, payload, flow);
                    int l4h = proto == 17 ? 8 : 20;
                    int iph = ipVersion == 4 ? 20 : 40;
                    assertEquals(14 + iph + l4h + payload, len);
                    assertEquals(len, g.frameLength(payload));
                    assertEquals(PacketHeaders.OK, h.parse(seg, OFF, len));
                    assertEquals(ipVersion, h.ipVersion);
                    assertEquals(proto, h.l4Proto);
                    assertEquals(OFF + len, h.ipEnd, "no link padding");
                    assertEquals(l4h + payload, h.l4Length());
                    assertTrue(h.hasPorts);
                    assertTrue(!h.fragment);
                    if (ipVersion == 4) {
                        assertTrue(Checksum.ipv4HeaderValid(seg, h.l3Off, 20));
                    }
                    assertTrue(Checksum.l4Valid(seg, h.l3Off, ipVersion, proto, h.l4Off, h.l4Length()),
                            "L4 checksum, payload " + payload);
                    if (proto == 17) {
                        assertEquals(l4h + payload, seg.get(dev.psp.engine.wire.Bytes.U16, h.l4Off + 4) & 0xffff);
                    }
                }
            }
        }
    }

    /** {@code writeTcpSegment}: the sequence number, ACK or PSH|ACK, and with timestamps the NOP NOP TS option behind a 32-byte header. */
    @ParameterizedTest
    @CsvSource({"4,false", "4,true", "6,false", "6,true"})
    void tcpStreamSegments(int ipVersion, boolean timestamps) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(10_000);
            TrafficGenerator g = new TrafficGenerator(42, 8, ipVersion, 6, timestamps);
            PacketHeaders h = new PacketHeaders();
            int l4h = timestamps ? 32 : 20;
            for (boolean push : new boolean[] {false, true}) {
                int len = g.writeTcpSegment(seg, OFF, 1448, 3, 0xfffffff0, push, 77);
                assertEquals(14 + (ipVersion == 4 ? 20 : 40) + l4h + 1448, len);
                assertEquals(len, g.frameLength(1448));
                assertEquals(PacketHeaders.OK, h.parse(seg, OFF, len));
                assertEquals(l4h + 1448, h.l4Length());
                assertEquals(0xfffffff0, seg.get(dev.psp.engine.wire.Bytes.U32, h.l4Off + 4));
                assertEquals((l4h / 4) << 12 | (push ? 0x18 : 0x10), seg.get(dev.psp.engine.wire.Bytes.U16, h.l4Off + 12) & 0xffff);
                if (timestamps) {
                    assertEquals(0x0101080a, seg.get(dev.psp.engine.wire.Bytes.U32, h.l4Off + 20));
                    assertEquals(77, seg.get(dev.psp.engine.wire.Bytes.U32, h.l4Off + 24));
                }
                assertTrue(Checksum.l4Valid(seg, h.l3Off, ipVersion, 6, h.l4Off, h.l4Length()));
            }
            TrafficGenerator udp = new TrafficGenerator(42, 8, ipVersion, 17, true);
            assertEquals(8, udp.l4HeaderLength(), "timestamps are a TCP option");
            assertThrows(IllegalStateException.class, () -> udp.writeTcpSegment(seg, OFF, 10, 0, 1, false, 0));
        }
    }

    @Test
    void flowsHaveDistinctFiveTuples() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2048);
            TrafficGenerator g = new TrafficGenerator(1, 300);
            PacketHeaders h = new PacketHeaders();
            Set<String> tuples = new HashSet<>();
            for (int f = 0; f < 300; f++) {
                int len = g.write(seg, 0, 100, f);
                h.parse(seg, 0, len);
                tuples.add(seg.get(ValueLayout.JAVA_LONG_UNALIGNED, h.l3Off + 12) + ":" + h.srcPort + ":" + h.dstPort);
            }
            assertEquals(300, tuples.size());
        }
    }

    @Test
    void sameSeedSameFrames() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(2048);
            MemorySegment b = arena.allocate(2048);
            new TrafficGenerator(9, 4, 6, 6).write(a, 0, 1000, 3);
            new TrafficGenerator(9, 4, 6, 6).write(b, 0, 1000, 3);
            assertArrayEquals(a.toArray(ValueLayout.JAVA_BYTE), b.toArray(ValueLayout.JAVA_BYTE));
            new TrafficGenerator(10, 4, 6, 6).write(b, 0, 1000, 3);
            assertTrue(!java.util.Arrays.equals(a.toArray(ValueLayout.JAVA_BYTE), b.toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    @Test
    void imixIsSevenFourOneOfClassicFrameSizes() {
        TrafficGenerator g = new TrafficGenerator(5, 1);
        int[] sizes = g.imixPayloadSizes(120);
        assertEquals(120, sizes.length);
        int small = 0;
        int mid = 0;
        int large = 0;
        for (int s : sizes) {
            int frameWithFcs = g.frameLength(s) + TrafficGenerator.FCS_LENGTH;
            switch (frameWithFcs) {
                case 64 -> small++;
                case 594 -> mid++;
                case 1518 -> large++;
                default -> throw new AssertionError("frame size " + frameWithFcs);
            }
        }
        assertEquals(70, small);
        assertEquals(40, mid);
        assertEquals(10, large);
        // IPv6 + TCP headers do not fit a 64-byte frame: empty payload
        assertEquals(0, new TrafficGenerator(5, 1, 6, 6).imixPayload(64));
    }
}
