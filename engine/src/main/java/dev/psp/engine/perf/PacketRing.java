package dev.psp.engine.perf;

import dev.psp.engine.pool.PacketPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A worker's ring of packet buffers over one off-heap segment, and a twin segment of templates
 * with the same layout: slot {@code i} is {@code [i*slotSize, (i+1)*slotSize)} in both.
 * Each benchmark iteration copies a template frame back over its slot (the encoder and decoder
 * work in place), so that copy is part of every measured loop, PSP and raw baselines alike. The
 * memory comes from {@link PacketPool#packetArena}, as pooled packets' does.
 */
final class PacketRing implements AutoCloseable {
    static final int HEADROOM = 256;
    static final int TAILROOM = 256;

    final Arena arena = PacketPool.packetArena();
    final int slots;
    final int slotSize;
    final MemorySegment buffers;
    final MemorySegment templates;
    /** Frame (or record) start within the slot, its length, its flow and its L4 payload bytes. */
    final int[] offset;
    final int[] length;
    final int[] flow;
    final int[] payload;

    PacketRing(int slots, int maxFrame) {
        this.slots = slots;
        this.slotSize = (HEADROOM + maxFrame + TAILROOM + 63) & ~63;
        this.buffers = arena.allocate((long) slots * slotSize, 64);
        this.templates = arena.allocate((long) slots * slotSize, 64);
        this.offset = new int[slots];
        this.length = new int[slots];
        this.flow = new int[slots];
        this.payload = new int[slots];
    }

    long base(int i) {
        return (long) i * slotSize;
    }

    /** The slot whose buffer starts at {@code base} (the inverse of {@link #base}). */
    int slotOf(long base) {
        return (int) (base / slotSize);
    }

    /** Copies slot {@code i}'s template over its buffer. */
    void restore(int i) {
        long at = base(i) + offset[i];
        MemorySegment.copy(templates, at, buffers, at, length[i]);
    }

    /** Saves slot {@code i}'s buffer bytes {@code [off, off+len)} (slot-relative) as its template. */
    void save(int i, int off, int len) {
        offset[i] = off;
        length[i] = len;
        long at = base(i) + off;
        MemorySegment.copy(buffers, at, templates, at, len);
    }

    @Override
    public void close() {
        arena.close();
    }
}
