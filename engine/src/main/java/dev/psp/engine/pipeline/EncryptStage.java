package dev.psp.engine.pipeline;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.TxSa;

/**
 * A worker's encrypt stage: its own {@link AeadEngine}, {@link PspEncoder}, counters and telemetry.
 * Packets that arrive without a {@link Packet#sa} get the worker's default SA (installed on the
 * worker's engine). Telemetry counts sealed packets by SPI and inner 5-tuple hash.
 */
public final class EncryptStage implements WorkerStage {

    /** Installs the transmit SA on a worker's engine. SAs sharing a key must share one thread-safe IV source. */
    @FunctionalInterface
    public interface SaInstaller {
        TxSa install(AeadEngine engine, int worker);
    }

    private final AeadEngine engine;
    private final PspCounters counters = new PspCounters();
    private final PspEncoder encoder;
    private final FlowTelemetry telemetry;
    private final TxSa sa;

    public EncryptStage(AeadEngine engine, TxSa sa, int burst, int telemetryCapacity) {
        this.engine = engine;
        this.sa = sa;
        this.encoder = new PspEncoder(engine, counters, burst);
        this.telemetry = new FlowTelemetry(telemetryCapacity);
    }

    /** A factory making one engine from {@code backend} and one SA per worker. */
    public static WorkerStage.Factory factory(AeadBackend backend, SaInstaller installer) {
        return (worker, burst) -> {
            AeadEngine e = backend.newEngine();
            try {
                return new EncryptStage(e, installer.install(e, worker), burst, FlowTelemetry.DEFAULT_CAPACITY);
            } catch (RuntimeException ex) {
                e.close();
                throw ex;
            }
        };
    }

    @Override
    public int process(Packet[] pkts, int n) {
        TxSa def = sa;
        for (int i = 0; i < n; i++) {
            if (pkts[i].sa == null) {
                pkts[i].sa = def;
            }
        }
        int ok = encoder.sealBurst(pkts, n);
        FlowTelemetry t = telemetry;
        for (int i = 0; i < ok; i++) {
            Packet p = pkts[i];
            t.record(FlowTelemetry.Kind.INNER_FLOW_HASH, FlowTelemetry.key(p.sa.spi, p.flowHash), p.length);
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

    @Override
    public void close() {
        engine.close();
    }
}
