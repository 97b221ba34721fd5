package dev.psp.engine.perf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tallies every raw-AEAD baseline keeps (no codec counters to check against): packets in and
 * out, failures by kind, payload bytes. One thread.
 */
abstract class RawTally implements Workload {
    protected long tallyIn;
    protected long tallyOut;
    protected long authFail;
    protected long error;
    protected long payloadOut;

    @Override
    public long packetsIn() {
        return tallyIn;
    }

    @Override
    public long packetsOut() {
        return tallyOut;
    }

    @Override
    public long payloadBytesOut() {
        return payloadOut;
    }

    @Override
    public Map<String, Long> drops() {
        Map<String, Long> m = new LinkedHashMap<>();
        if (authFail != 0) {
            m.put("auth-fail", authFail);
        }
        if (error != 0) {
            m.put("crypto-error", error);
        }
        return m;
    }

    @Override
    public String counterMismatch() {
        return tallyIn == tallyOut + authFail + error ? null
                : "packets in " + tallyIn + " != out " + tallyOut + " + drops " + (authFail + error);
    }

    @Override
    public void resetCounts() {
        tallyIn = tallyOut = authFail = error = payloadOut = 0;
    }
}
