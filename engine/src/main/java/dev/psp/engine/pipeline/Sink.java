package dev.psp.engine.pipeline;

import dev.psp.engine.psp.Packet;

/**
 * Where a pipeline's packets go. Called on the pipeline's sink thread only. The packet belongs to
 * the pipeline: it is released to its pool when the call returns, so copy what you keep.
 * Packets of one flow arrive in order; packets of different flows may interleave.
 */
public interface Sink extends AutoCloseable {

    /** A packet processed successfully ({@link Packet#result} 0) or passed through unchanged (NOT_PSP). */
    void deliver(Packet p);

    /** A packet that failed, with its {@link dev.psp.engine.psp.Reason} code in {@link Packet#result}; already counted. */
    default void reject(Packet p) {}

    /** The end of a batch from the output ring: a hint to flush. */
    default void endOfBatch() {}

    @Override
    default void close() throws Exception {}
}
