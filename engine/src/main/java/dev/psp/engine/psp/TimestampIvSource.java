package dev.psp.engine.psp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The spec's IV: a 64-bit picosecond timestamp, strictly increasing per key across every thread
 * that shares this source. Time comes from a monotonic clock anchored once to the wall clock, so
 * wall-clock steps never repeat an IV; when the clock stalls the value still advances by one.
 * {@link #startAbove(long)} resumes above a recovered high-water mark after a restart.
 * Picoseconds since the Unix epoch overflow 64 bits, so the value is that count modulo 2^64
 * (it wraps every 213.5 days, far beyond a key's two-rotation lifetime); comparisons are unsigned.
 */
public final class TimestampIvSource implements IvSource {
    private final long anchorPicos;
    private final long anchorNanos;
    private final AtomicLong last = new AtomicLong();

    public TimestampIvSource() {
        this.anchorPicos = System.currentTimeMillis() * 1_000_000_000L;
        this.anchorNanos = System.nanoTime();
    }

    /** Never hand out a value at or below {@code highWaterMark}. */
    public TimestampIvSource startAbove(long highWaterMark) {
        last.accumulateAndGet(highWaterMark, (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
        return this;
    }

    /** The largest IV handed out so far (persist it to survive restarts). */
    public long highWaterMark() {
        return last.get();
    }

    @Override
    public long nextIv() {
        long now = anchorPicos + (System.nanoTime() - anchorNanos) * 1000L;
        while (true) {
            long prev = last.get();
            long next = Long.compareUnsigned(now, prev) > 0 ? now : prev + 1;
            if (last.compareAndSet(prev, next)) {
                return next;
            }
        }
    }

    /**
     * Decodes an IV made by this class back to wall-clock nanoseconds since the epoch, choosing the
     * 2^64-picosecond period closest to {@code nowEpochNanos}.
     */
    public static long toEpochNanos(long iv, long nowEpochNanos) {
        long nowPicos = nowEpochNanos * 1000L; // wraps like the IV does
        long deltaPicos = iv - nowPicos;       // signed distance modulo 2^64
        return nowEpochNanos + deltaPicos / 1000L;
    }
}
