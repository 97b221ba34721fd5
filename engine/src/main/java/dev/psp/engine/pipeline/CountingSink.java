package dev.psp.engine.pipeline;

import dev.psp.engine.psp.Packet;

/** Discards every packet and counts it. Fields are written by the sink thread; exact after drain. */
public final class CountingSink implements Sink {
    private long packets;
    private long bytes;
    private long rejected;

    @Override
    public void deliver(Packet p) {
        packets++;
        bytes += p.length;
    }

    @Override
    public void reject(Packet p) {
        rejected++;
    }

    public long packets() {
        return packets;
    }

    public long bytes() {
        return bytes;
    }

    public long rejected() {
        return rejected;
    }
}
