package dev.psp.engine.pipeline;

import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;

/**
 * What one pipeline worker does to a burst: seal or open in place. Each worker owns its stage
 * (engine, codec, counters, telemetry); nothing in it is shared with another worker.
 */
public interface WorkerStage extends AutoCloseable {

    /**
     * Processes {@code pkts[0..n)} in place; returns how many succeeded, those first in order, the
     * rest after them in order with {@link Packet#result} set and counted in {@link #counters()}.
     */
    int process(Packet[] pkts, int n);

    PspCounters counters();

    FlowTelemetry telemetry();

    /** Wipes keys and frees native state; called once, after the worker stopped. */
    @Override
    void close();

    /** Makes the stage for worker {@code worker}, which will hand it bursts of at most {@code burst} packets. */
    @FunctionalInterface
    interface Factory {
        WorkerStage create(int worker, int burst);
    }
}
