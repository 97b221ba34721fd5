package dev.psp.engine.offload;

import dev.psp.engine.psp.Packet;
import java.util.Arrays;

/**
 * The result of one {@link GroCoalescer} call, as parallel arrays over one set of preallocated
 * slots (no allocation per call). {@code out[0..outCount)} are the packets to deliver, in order:
 * super-packets (with {@code segments[i] > 1} and {@code gsoSize[i]} the payload size of each
 * original segment, as Linux's {@code gso_size}), and packets delivered alone ({@code segments[i] == 1},
 * bytes untouched). {@code consumed[0..consumedCount)} are, in {@link GroConfig.Merge#COPY} mode,
 * descriptors whose payload was copied into a super-packet: the caller owns them again (recycle to
 * the pool). In {@link GroConfig.Merge#CHAIN} mode {@code consumed} stays empty: a super-packet's
 * merged descriptors are on its chain ({@link Packet#next}), owned by the super-packet until the
 * caller frees it (freeing the head to its pool frees the whole chain, each slot once), and its
 * frame is {@link Packet#frameLength()} bytes, gathered from the chain ({@link Packet#copyFrameTo},
 * {@code PcapWriter.write(Packet)}). {@code dropped[0..droppedCount)}
 * failed their inner checksum ({@link GroConfig#dropBadChecksum}): also the caller's to recycle.
 * Every call overwrites the batch. Not thread safe.
 */
public final class GroBatch {
    public final Packet[] out;
    /** Payload bytes per original segment (MSS) for a super-packet; 0 for a packet delivered alone. */
    public final int[] gsoSize;
    /** Original segments in {@code out[i]} (1 for a packet delivered alone). */
    public final int[] segments;
    /**
     * True when {@code out[i]}'s TCP checksum field holds only the pseudo-header sum (Linux
     * CHECKSUM_PARTIAL: start at the TCP header, offset 16); the payload was verified on the way in.
     */
    public final boolean[] csumPartial;
    public int outCount;

    public final Packet[] consumed;
    public int consumedCount;

    public final Packet[] dropped;
    public int droppedCount;

    /** A batch for bursts of up to {@code maxBurst} packets with up to {@code maxFlows} flows held. */
    public GroBatch(int maxBurst, int maxFlows) {
        int outCap = maxBurst + maxFlows;
        out = new Packet[outCap];
        gsoSize = new int[outCap];
        segments = new int[outCap];
        csumPartial = new boolean[outCap];
        consumed = new Packet[maxBurst];
        dropped = new Packet[maxBurst];
    }

    /** Largest burst {@link GroCoalescer#coalesce} accepts into this batch. */
    public int maxBurst() {
        return consumed.length;
    }

    void clear() {
        Arrays.fill(out, 0, outCount, null);
        Arrays.fill(consumed, 0, consumedCount, null);
        Arrays.fill(dropped, 0, droppedCount, null);
        outCount = 0;
        consumedCount = 0;
        droppedCount = 0;
    }
}
