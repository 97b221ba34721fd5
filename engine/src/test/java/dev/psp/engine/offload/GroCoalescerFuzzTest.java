package dev.psp.engine.offload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.psp.engine.FuzzRandom;
import dev.psp.engine.psp.Mode;
import java.util.Random;

/**
 * Jazzer fuzzing of GRO, the inputs driving the seeded tests' generators through a
 * {@link FuzzRandom}: {@link GroFuzzTest#randomTraffic} (interleaved flows with reordering, loss,
 * duplicates, flag and option changes, forged and bad-checksum segments, against a reference merge)
 * and {@link GroFastPathTest#fastAgainstGeneral} (the hot join against the general path, with near
 * misses). Family, mode and merge come from the input too.
 *
 * <p>In the default suite it replays its seeds (a fork of its own, with the other Jazzer tests);
 * coverage-guided: {@code bash scripts/fuzz.sh} (every target, one JVM each).
 */
class GroCoalescerFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void neverMergesWrongly(FuzzedDataProvider data) {
        Random r = new FuzzRandom(data);
        int v = r.nextBoolean() ? 4 : 6;
        Mode mode = r.nextInt(3) == 0 ? Mode.TUNNEL : Mode.TRANSPORT;
        GroFuzzTest.randomTraffic(r, v, mode, r.nextBoolean() ? GroConfig.Merge.CHAIN : GroConfig.Merge.COPY);
    }

    @FuzzTest(maxDuration = "10s")
    void hotJoinAgreesWithGeneral(FuzzedDataProvider data) {
        Random r = new FuzzRandom(data);
        int v = r.nextBoolean() ? 4 : 6;
        Mode mode = r.nextInt(3) == 0 ? Mode.TUNNEL : Mode.TRANSPORT;
        GroFastPathTest.fastAgainstGeneral(r, v, mode, false);
    }
}
