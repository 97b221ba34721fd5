package dev.psp.engine.device;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Device counters, shared by the device and its policy objects. Thread safe (one
 * {@link LongAdder} each, so workers bumping drops do not contend). Exported by name through
 * {@link #toMap()} for text or JSON output.
 */
public final class DeviceStats {
    public static final String KEY_ROTATIONS = "key-rotations";
    public static final String STALE_EVENTS = "stale-events";
    public static final String RX_ASSOC = "rx-assoc";
    public static final String TX_ASSOC = "tx-assoc";
    public static final String TX_DEL = "tx-del";
    public static final String REPLAY_DROPS = "replay-drops";
    public static final String ALLOW_LIST_DROPS = "allow-list-drops";
    public static final String REPLAY_UNTRACKED = "replay-untracked";

    final LongAdder keyRotations = new LongAdder();
    final LongAdder staleEvents = new LongAdder();
    final LongAdder rxAssoc = new LongAdder();
    final LongAdder txAssoc = new LongAdder();
    final LongAdder txDel = new LongAdder();
    final LongAdder replayDrops = new LongAdder();
    final LongAdder allowListDrops = new LongAdder();
    final LongAdder replayUntracked = new LongAdder();

    public long keyRotations() {
        return keyRotations.sum();
    }

    public long staleEvents() {
        return staleEvents.sum();
    }

    public long rxAssoc() {
        return rxAssoc.sum();
    }

    public long txAssoc() {
        return txAssoc.sum();
    }

    public long replayDrops() {
        return replayDrops.sum();
    }

    public long allowListDrops() {
        return allowListDrops.sum();
    }

    /** A snapshot, in a fixed order: name to value. */
    public Map<String, Long> toMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(KEY_ROTATIONS, keyRotations.sum());
        m.put(STALE_EVENTS, staleEvents.sum());
        m.put(RX_ASSOC, rxAssoc.sum());
        m.put(TX_ASSOC, txAssoc.sum());
        m.put(TX_DEL, txDel.sum());
        m.put(REPLAY_DROPS, replayDrops.sum());
        m.put(REPLAY_UNTRACKED, replayUntracked.sum());
        m.put(ALLOW_LIST_DROPS, allowListDrops.sum());
        return m;
    }

    @Override
    public String toString() {
        return "DeviceStats" + toMap();
    }
}
