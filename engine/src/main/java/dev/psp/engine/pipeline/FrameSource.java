package dev.psp.engine.pipeline;

import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** Replays a list of frames (tests and tools), copying each into a pool slot; too-large frames are skipped and counted. */
public final class FrameSource implements Source {
    private final List<byte[]> frames;
    private int next;
    private long skipped;

    public FrameSource(List<byte[]> frames) {
        this.frames = List.copyOf(frames);
    }

    @Override
    public int poll(PacketPool pool, Packet[] out, int max) {
        while (true) {
            int left = frames.size() - next;
            if (left <= 0) {
                return END;
            }
            int k = Source.allocUpTo(pool, out, Math.min(max, left));
            if (k == 0) {
                return 0;
            }
            int filled = 0;
            for (int i = 0; i < k && next < frames.size(); i++) {
                byte[] f = frames.get(next++);
                Packet p = out[i];
                if (f.length > p.limit - p.offset) {
                    skipped++;
                    pool.free(p);
                    continue;
                }
                MemorySegment.copy(MemorySegment.ofArray(f), 0, p.segment, p.offset, f.length);
                p.length = f.length;
                out[filled++] = p;
            }
            if (filled > 0) {
                return filled;
            }
        }
    }

    @Override
    public long skipped() {
        return skipped;
    }
}
