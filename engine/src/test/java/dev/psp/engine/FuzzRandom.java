package dev.psp.engine;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.Random;

/**
 * A {@link Random} whose bits are a Jazzer input's, so the seeded tests' generators (which take a
 * {@code Random}) make their choices from the fuzzer's bytes and coverage guidance steers them.
 * Once the input runs out, a fixed LCG takes over, so a generator that redraws until something
 * works still finishes.
 */
public final class FuzzRandom extends Random {
    private final transient FuzzedDataProvider data;
    private long fallback = 0x9E3779B97F4A7C15L;

    public FuzzRandom(FuzzedDataProvider data) {
        super(0);
        this.data = data;
    }

    @Override
    protected int next(int bits) {
        int v;
        if (data != null && data.remainingBytes() >= 4) {
            v = data.consumeInt();
        } else {
            fallback = fallback * 6364136223846793005L + 1442695040888963407L;
            v = (int) (fallback >>> 32);
        }
        return v >>> (32 - bits);
    }
}
