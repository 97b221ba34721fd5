package dev.psp.engine.perf;

import java.util.Map;

/**
 * One worker's benchmark loop body: a pre-built ring of packets, processed one burst per call.
 * Created, used and closed by a single thread (no shared writes). Failures are counted, never
 * thrown; {@link #counterMismatch()} cross-checks the workload's own tallies against the codec's
 * counters.
 */
interface Workload extends AutoCloseable {

    /** Restores the next {@code burst} packets from their templates and processes them; returns how many were delivered. */
    int runBurst();

    /** Packets submitted since the last {@link #resetCounts}. */
    long packetsIn();

    /** Packets delivered (sealed / opened) since the last {@link #resetCounts}. */
    long packetsOut();

    /** L4 payload bytes of the delivered packets since the last {@link #resetCounts}. */
    long payloadBytesOut();

    /** Packets GRO delivered (super-packets and segments left alone) since the last {@link #resetCounts}; 0 without GRO. */
    default long groPacketsOut() {
        return 0;
    }

    /** Failed packets by reason since the last {@link #resetCounts}. */
    Map<String, Long> drops();

    /** Null when packets in = packets out + counted drops and the codec counters agree, else why not. */
    String counterMismatch();

    void resetCounts();

    @Override
    void close();
}
