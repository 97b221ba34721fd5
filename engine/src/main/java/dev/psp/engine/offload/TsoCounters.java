package dev.psp.engine.offload;

import java.util.LinkedHashMap;
import java.util.Map;

/** TSO/GSO counters for one worker (single writer, merged on read). */
public final class TsoCounters {
    /** Super-packets handed to the segmenter that needed segmenting. */
    public long superPacketsIn;
    /** Segments sealed and emitted. */
    public long segmentsOut;
    /** Super-packets refused whole (not TCP/UDP, fragment, too many segments, bad headers). */
    public long refused;

    public void addTo(TsoCounters t) {
        t.superPacketsIn += superPacketsIn;
        t.segmentsOut += segmentsOut;
        t.refused += refused;
    }

    public void reset() {
        superPacketsIn = segmentsOut = refused = 0;
    }

    public Map<String, Long> toMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("tso-super-packets-in", superPacketsIn);
        m.put("tso-segments-out", segmentsOut);
        m.put("tso-refused", refused);
        return m;
    }
}
