package dev.psp.engine.pipeline;

import dev.psp.engine.psp.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Test sink: copies every delivered frame, in arrival order; optionally slow. Read after drain. */
final class CollectingSink implements Sink {
    final List<byte[]> frames = new ArrayList<>();
    final List<Integer> results = new ArrayList<>();
    int rejected;
    long parkNanosPerPacket;
    volatile long seen;
    boolean closed;

    CollectingSink slow(long parkNanos) {
        parkNanosPerPacket = parkNanos;
        return this;
    }

    @Override
    public void deliver(Packet p) {
        if (parkNanosPerPacket > 0) {
            LockSupport.parkNanos(parkNanosPerPacket);
        }
        frames.add(p.toByteArray());
        results.add(p.result);
        seen++;
    }

    @Override
    public void reject(Packet p) {
        rejected++;
        seen++;
    }

    @Override
    public void close() {
        closed = true;
    }
}
