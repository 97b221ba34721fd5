package dev.psp.engine.pipeline;

import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;

/**
 * Where a pipeline's packets come from. Called on the pipeline's source thread only, which owns
 * the pool while the pipeline runs.
 */
public interface Source extends AutoCloseable {
    /** {@link #poll} result: no more packets, ever. */
    int END = -1;

    /**
     * Fills {@code out[0..k)} with up to {@code max} packets allocated from {@code pool} (frame bytes
     * and capture timestamp set); returns {@code k}, 0 when nothing is ready now (for example the pool
     * is empty until the sink releases packets; the caller retries), or {@link #END}.
     */
    int poll(PacketPool pool, Packet[] out, int max);

    /** Records read but not handed on (too big for a slot, wrong link type); never silent. */
    default long skipped() {
        return 0;
    }

    @Override
    default void close() throws Exception {}

    /** Allocates up to {@code max} packets: all of them if free, else one, else none. */
    static int allocUpTo(PacketPool pool, Packet[] out, int max) {
        if (max <= 0) {
            return 0;
        }
        int k = pool.allocBulk(out, max);
        if (k == 0) {
            Packet p = pool.alloc();
            if (p == null) {
                return 0;
            }
            out[0] = p;
            k = 1;
        }
        return k;
    }
}
