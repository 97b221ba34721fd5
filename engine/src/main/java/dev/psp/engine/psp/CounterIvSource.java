package dev.psp.engine.psp;

/**
 * The reference tools' IV: a counter starting at 1 per run. It repeats nonces across runs under
 * the same key, so it is only for {@code --reference-mode} and tests. Not thread safe.
 */
public final class CounterIvSource implements IvSource {
    private long next;

    public CounterIvSource(long first) {
        this.next = first;
    }

    public CounterIvSource() {
        this(1);
    }

    @Override
    public long nextIv() {
        return next++;
    }
}
