package dev.psp.engine.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * PSP IVs: 64-bit picosecond timestamps (picoseconds since the Unix epoch, modulo 2^64, so the
 * value wraps every ~213 days), strictly increasing in issue order across every thread that
 * shares the generator. One generator per key (or one per device, which is stricter) never
 * repeats an IV.
 *
 * <p>How: {@code next = max(last + 1, now)} by compare-and-set on one {@link AtomicLong}; "max" is
 * serial-number arithmetic (RFC 1982) on the 64-bit value, valid while IVs of one key span less
 * than 2^63 ps (~106 days; a key lives at most two rotation periods). A clock that steps back
 * (the default source is wall time read once, then advanced by {@link System#nanoTime()}, so it
 * does not) only makes IVs run ahead of the clock by one per packet until it catches up.
 * Restarts: {@link #saveHighWater(Path)} periodically and at shutdown, {@link #recover(Path, long)}
 * (or {@link #startAbove(long)}) at start.
 *
 * <p>IVs decode back to send times ({@link #toEpochNanos(long, long)}), and a receiver with a
 * synchronized clock estimates transit time from one ({@link #transitNanos(long, long)}).
 * Thread safe, lock free, no allocation per call.
 */
public final class IvGenerator implements dev.psp.engine.psp.IvSource {
    private final LongSupplier picosClock;
    private final AtomicLong last;

    private static final IvGenerator SHARED = new IvGenerator();

    /**
     * The process-wide generator: the default IV source of every transmit SA, so that workers
     * that install the same key can never issue the same IV.
     */
    public static IvGenerator shared() {
        return SHARED;
    }

    /** A generator on {@link #systemPicosClock()}. */
    public IvGenerator() {
        this(systemPicosClock());
    }

    /** A generator on an injected clock returning picoseconds since the epoch (mod 2^64). */
    public IvGenerator(LongSupplier picosClock) {
        this.picosClock = picosClock;
        this.last = new AtomicLong(picosClock.getAsLong() - 1);
    }

    /**
     * Monotonic picosecond clock anchored to wall time: reads the wall clock once, then advances
     * by {@link System#nanoTime()} (nanosecond resolution, times 1000), immune to wall-clock steps.
     */
    public static LongSupplier systemPicosClock() {
        Instant now = Instant.now();
        long base = now.getEpochSecond() * 1_000_000_000_000L + now.getNano() * 1000L;
        long mono = System.nanoTime();
        return () -> base + (System.nanoTime() - mono) * 1000L;
    }

    /** The next IV: strictly after every IV this generator issued before, on any thread. */
    @Override
    public long nextIv() {
        return next();
    }

    public long next() {
        long now = picosClock.getAsLong();
        while (true) {
            long prev = last.get();
            long iv = now - prev > 0 ? now : prev + 1;
            if (last.compareAndSet(prev, iv)) {
                return iv;
            }
        }
    }

    @Override
    public boolean prefersBlocks() {
        return true;
    }

    /**
     * Reserves {@code n} consecutive IVs for a burst with one CAS; returns the first (the burst
     * uses {@code first .. first + n - 1}).
     */
    @Override
    public long nextIvBlock(int n) {
        return nextBlock(n);
    }

    public long nextBlock(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        long now = picosClock.getAsLong();
        while (true) {
            long prev = last.get();
            long first = now - prev > 0 ? now : prev + 1;
            if (last.compareAndSet(prev, first + n - 1)) {
                return first;
            }
        }
    }

    /** Ensures every later IV is strictly greater than {@code mark} (a recovered high-water mark). */
    public void startAbove(long mark) {
        while (true) {
            long prev = last.get();
            if (prev - mark >= 0 || last.compareAndSet(prev, mark)) {
                return;
            }
        }
    }

    /** The highest IV issued (or reserved by {@link #startAbove}); before any, the start time minus one. */
    public long highWater() {
        return last.get();
    }

    /** Atomically writes {@link #highWater()} to {@code file} (temp file, then rename). */
    public void saveHighWater(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toUnsignedString(highWater(), 16) + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a mark written by {@link #saveHighWater}; empty when the file does not exist. */
    public static OptionalLong loadHighWater(Path file) throws IOException {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return OptionalLong.of(Long.parseUnsignedLong(s, 16));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            throw new IOException("corrupt IV high-water file " + file, e);
        }
    }

    /**
     * Restart recovery: starts above the saved mark plus {@code marginPicos} (at least the time
     * between saves, to cover IVs issued after the last save before a crash). Returns true if a
     * mark was found.
     */
    public boolean recover(Path file, long marginPicos) throws IOException {
        OptionalLong mark = loadHighWater(file);
        if (mark.isPresent()) {
            startAbove(mark.getAsLong() + marginPicos);
        }
        return mark.isPresent();
    }

    /**
     * Send time of {@code iv} in nanoseconds since the epoch, resolving the 2^64 ps wrap to the era
     * nearest {@code referenceEpochNanos} (e.g. the receive time).
     */
    public static long toEpochNanos(long iv, long referenceEpochNanos) {
        long refPicos = referenceEpochNanos * 1000L;
        return referenceEpochNanos + Math.floorDiv(iv - refPicos, 1000L);
    }

    /** Send time of {@code iv} relative to the current wall clock's era. */
    public static long toEpochNanos(long iv) {
        Instant now = Instant.now();
        return toEpochNanos(iv, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

    /**
     * Transit time (receive clock minus send timestamp) in nanoseconds; negative when the clocks
     * disagree by more than the transit time. Both on the picosecond epoch timeline.
     */
    public static long transitNanos(long iv, long nowPicos) {
        return Math.floorDiv(nowPicos - iv, 1000L);
    }

    @Override
    public String toString() {
        return "IvGenerator[highWater=" + Long.toUnsignedString(last.get(), 16) + "]";
    }
}
