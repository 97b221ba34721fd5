package dev.psp.engine.psp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The spec's counters for one worker: plain fields written by one thread (no shared writes),
 * merged on read with {@link #addTo}. Bytes count from the first byte after the IV to the last
 * byte of payload (VC included, 16-byte header and ICV excluded).
 */
public final class PspCounters {
    public long txPackets;
    public long txBytes;
    public long txError;
    public long rxPackets;
    public long rxBytes;
    public long rxAuthFail;
    public long rxError;
    public long rxBad;
    /** Packets that were not PSP and passed through decrypt unchanged. */
    public long rxPassthrough;
    /** Per-{@link Reason} detail. */
    public final long[] reasons = new long[Reason.values().length];

    /** Counts a failure (or pass-through) under its spec counter and its reason. */
    public void count(int reasonCode) {
        reasons[reasonCode]++;
        switch (Reason.of(reasonCode).counter) {
            case TX_ERROR -> txError++;
            case RX_ERROR -> rxError++;
            case RX_BAD -> rxBad++;
            case RX_AUTH_FAIL -> rxAuthFail++;
            case RX_PASSTHROUGH -> rxPassthrough++;
            case NONE -> { }
        }
    }

    /**
     * Takes a packet the decoder delivered ({@link Packet#result} 0) or passed through
     * ({@link Reason#NOT_PSP}) back out of rx-packets / rx-bytes or rx-passthrough and counts it under
     * {@code reasonCode} instead: a stage after the decoder (the file writer) dropped it.
     */
    public void undeliver(Packet p, int reasonCode) {
        if (p.result == 0) {
            rxPackets--;
            rxBytes -= rxBytes(p);
        } else if (p.result == Reason.NOT_PSP.code()) {
            rxPassthrough--;
            reasons[Reason.NOT_PSP.code()]--;
        } else {
            throw new IllegalArgumentException("not a delivered packet: result " + p.result);
        }
        p.result = reasonCode;
        count(reasonCode);
    }

    /** The bytes a delivered packet adds to rx-bytes (after the IV up to the ICV, VC included). */
    static long rxBytes(Packet p) {
        return p.aadLen - PspHeader.BASE_LENGTH + p.textLen;
    }

    public void addTo(PspCounters total) {
        total.txPackets += txPackets;
        total.txBytes += txBytes;
        total.txError += txError;
        total.rxPackets += rxPackets;
        total.rxBytes += rxBytes;
        total.rxAuthFail += rxAuthFail;
        total.rxError += rxError;
        total.rxBad += rxBad;
        total.rxPassthrough += rxPassthrough;
        for (int i = 0; i < reasons.length; i++) {
            total.reasons[i] += reasons[i];
        }
    }

    public void reset() {
        txPackets = txBytes = txError = rxPackets = rxBytes = rxAuthFail = rxError = rxBad = rxPassthrough = 0;
        java.util.Arrays.fill(reasons, 0);
    }

    /** The spec's counters by their spec names, in spec order, then the pass-through count. */
    public Map<String, Long> toMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("tx-packets", txPackets);
        m.put("tx-bytes", txBytes);
        m.put("tx-error", txError);
        m.put("rx-packets", rxPackets);
        m.put("rx-bytes", rxBytes);
        m.put("rx-auth-fail", rxAuthFail);
        m.put("rx-error", rxError);
        m.put("rx-bad", rxBad);
        m.put("rx-passthrough", rxPassthrough);
        return m;
    }

    /** Non-zero reason counts, by reason name. */
    public Map<String, Long> reasonMap() {
        return reasonMap(reasons);
    }

    /** Non-zero counts of a per-reason array (indexed by {@link Reason#code()}), by reason name, OK left out. */
    public static Map<String, Long> reasonMap(long[] byReason) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Reason r : Reason.values()) {
            if (r != Reason.OK && byReason[r.code()] != 0) {
                m.put(r.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), byReason[r.code()]);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
