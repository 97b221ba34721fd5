package dev.psp.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlowTelemetryTest {

    @Test
    void countsPacketsAndBytesPerFlowAndKind() {
        FlowTelemetry t = new FlowTelemetry(16);
        t.record(FlowTelemetry.Kind.INNER_PORTS, FlowTelemetry.key(7, 0x04000050), 100);
        t.record(FlowTelemetry.Kind.INNER_PORTS, FlowTelemetry.key(7, 0x04000050), 50);
        // same 64-bit key, other kind: another flow
        t.record(FlowTelemetry.Kind.OUTER_SOURCE_PORT, FlowTelemetry.key(7, 0x04000050), 10);
        t.record(FlowTelemetry.Kind.INNER_PORTS, FlowTelemetry.key(8, 0x04000050), 1);
        assertEquals(3, t.size());
        FlowTelemetry.Merged m = new FlowTelemetry.Merged();
        t.addTo(m);
        List<FlowTelemetry.FlowStat> all = m.all();
        assertEquals(new FlowTelemetry.FlowStat(FlowTelemetry.Kind.INNER_PORTS, 7, 0x04000050, 2, 150), all.get(0));
        assertEquals(161, m.totalBytes());
        assertEquals(4, m.totalPackets());
    }

    @Test
    void fullTableCountsNewFlowsInOverflow() {
        FlowTelemetry t = new FlowTelemetry(8); // holds 6 flows
        for (int f = 0; f < 10; f++) {
            for (int k = 0; k <= f; k++) {
                t.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(1, f), 10);
            }
        }
        assertEquals(6, t.size());
        assertEquals(7 + 8 + 9 + 10, t.overflowPackets());
        assertEquals(10 * t.overflowPackets(), t.overflowBytes());
        // existing flows still counted after the table filled
        t.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(1, 0), 10);
        FlowTelemetry.Merged m = new FlowTelemetry.Merged();
        t.addTo(m);
        assertEquals(55 + 1, m.totalPackets());
        assertEquals(6, m.flowCount());
    }

    @Test
    void mergeAddsWorkersAndTopNOrdersByPackets() {
        FlowTelemetry a = new FlowTelemetry(16);
        FlowTelemetry b = new FlowTelemetry(16);
        for (int i = 0; i < 5; i++) {
            a.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(1, 100), 1);
        }
        for (int i = 0; i < 3; i++) {
            b.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(1, 100), 1);
            b.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(1, 200), 1);
        }
        b.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(1, 300), 1);
        FlowTelemetry.Merged m = new FlowTelemetry.Merged();
        a.addTo(m);
        b.addTo(m);
        List<FlowTelemetry.FlowStat> top = m.top(2);
        assertEquals(2, top.size());
        assertEquals(100, top.get(0).value());
        assertEquals(8, top.get(0).packets());
        assertEquals(200, top.get(1).value());
        assertEquals(3, m.top(10).size());
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new FlowTelemetry(100));
    }
}
