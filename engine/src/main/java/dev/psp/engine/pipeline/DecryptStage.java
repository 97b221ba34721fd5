package dev.psp.engine.pipeline;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.RxKeys;

/**
 * A worker's decrypt stage: its own {@link AeadEngine}, {@link KeyDerivation}, {@link RxKeys},
 * {@link PspDecoder}, counters and telemetry. Telemetry is keyed by what the crypt offset leaves in
 * the clear (recorded by the decoder's validation parse, before decryption), and counted only for packets that then authenticate (a forged packet
 * cannot create or inflate a flow).
 */
public final class DecryptStage implements WorkerStage {
    private final AeadEngine engine;
    private final KeyDerivation kdf;
    private final RxKeys keys;
    private final PspCounters counters = new PspCounters();
    private final PspDecoder decoder;
    private final FlowTelemetry telemetry;

    /** Takes ownership of {@code engine}, {@code kdf} and {@code keys} (closed with the stage). */
    public DecryptStage(AeadEngine engine, KeyDerivation kdf, RxKeys keys, Mode mode, int burst, int telemetryCapacity) {
        this.engine = engine;
        this.kdf = kdf;
        this.keys = keys;
        this.decoder = new PspDecoder(engine, keys, counters, mode, burst).recordClearFields(true);
        this.telemetry = new FlowTelemetry(telemetryCapacity);
    }

    /**
     * A factory making, per worker, an engine from {@code backend} and a KDF over the master keys
     * (32 bytes each, either may be null; copied per worker).
     *
     * @param keyCacheSize 0 to derive the key per packet, else a power of two of cached keys
     * @param versions     bit mask of accepted PSP versions (bit n = version n)
     */
    public static WorkerStage.Factory factory(AeadBackend backend, byte[] masterKey0, byte[] masterKey1, Mode mode,
                                              int keyCacheSize, int versions) {
        byte[] mk0 = masterKey0 == null ? null : masterKey0.clone();
        byte[] mk1 = masterKey1 == null ? null : masterKey1.clone();
        return (worker, burst) -> {
            AeadEngine e = backend.newEngine();
            KeyDerivation kdf = new KeyDerivation(mk0, mk1);
            RxKeys keys = new RxKeys(kdf, e, keyCacheSize, burst, versions);
            return new DecryptStage(e, kdf, keys, mode, burst, FlowTelemetry.DEFAULT_CAPACITY);
        };
    }

    @Override
    public int process(Packet[] pkts, int n) {
        int ok = decoder.openBurst(pkts, n);
        // delivered packets come first; their clear fields were recorded by the decoder's one parse
        FlowTelemetry t = telemetry;
        for (int i = 0; i < ok; i++) {
            Packet p = pkts[i];
            if (p.clearPorts >= 0) {
                t.record(FlowTelemetry.Kind.INNER_PORTS, FlowTelemetry.key(p.spi, (int) p.clearPorts), p.length);
            } else {
                t.record(FlowTelemetry.Kind.OUTER_SOURCE_PORT, FlowTelemetry.key(p.spi, p.outerSourcePort), p.length);
            }
        }
        return ok;
    }

    @Override
    public PspCounters counters() {
        return counters;
    }

    @Override
    public FlowTelemetry telemetry() {
        return telemetry;
    }

    public RxKeys keys() {
        return keys;
    }

    @Override
    public void close() {
        keys.close();
        engine.close();
        kdf.destroy();
    }
}
