package dev.psp.engine.pipeline;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;

/**
 * A worker's decrypt stage: its own {@link AeadEngine}, {@link KeyDerivation}, {@link RxKeys},
 * {@link PspDecoder}, counters and telemetry. Telemetry is keyed before opening by what the crypt
 * offset leaves in the clear, and counted only for packets that then authenticate (a forged packet
 * cannot create or inflate a flow).
 */
public final class DecryptStage implements WorkerStage {
    private final AeadEngine engine;
    private final KeyDerivation kdf;
    private final RxKeys keys;
    private final PspCounters counters = new PspCounters();
    private final PspDecoder decoder;
    private final Mode mode;
    private final FlowTelemetry telemetry;
    private final PacketHeaders headers = new PacketHeaders();
    private Packet[] orig;
    private long[] flowKeys;
    private FlowTelemetry.Kind[] flowKinds;

    /** Takes ownership of {@code engine}, {@code kdf} and {@code keys} (closed with the stage). */
    public DecryptStage(AeadEngine engine, KeyDerivation kdf, RxKeys keys, Mode mode, int burst, int telemetryCapacity) {
        this.engine = engine;
        this.kdf = kdf;
        this.keys = keys;
        this.mode = mode;
        this.decoder = new PspDecoder(engine, keys, counters, mode, burst);
        this.telemetry = new FlowTelemetry(telemetryCapacity);
        this.orig = new Packet[burst];
        this.flowKeys = new long[burst];
        this.flowKinds = new FlowTelemetry.Kind[burst];
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
        if (orig.length < n) {
            orig = new Packet[n];
            flowKeys = new long[n];
            flowKinds = new FlowTelemetry.Kind[n];
        }
        for (int i = 0; i < n; i++) {
            orig[i] = pkts[i];
            flowKinds[i] = classify(pkts[i], i);
        }
        int ok = decoder.openBurst(pkts, n);
        FlowTelemetry t = telemetry;
        for (int i = 0; i < n; i++) {
            Packet p = orig[i];
            if (p.result == 0 && flowKinds[i] != null) {
                t.record(flowKinds[i], flowKeys[i], p.length);
            }
            orig[i] = null;
        }
        return ok;
    }

    /**
     * Names the flow by the fields left in the clear: SPI + inner ports when the crypt offset (or a
     * GMAC version) leaves them clear, else SPI + outer UDP source port; null when not PSP.
     */
    private FlowTelemetry.Kind classify(Packet p, int i) {
        PacketHeaders h = headers;
        MemorySegment s = p.segment;
        if (h.parse(s, p.offset, p.length) != PacketHeaders.OK || h.l4Proto != PacketHeaders.PROTO_UDP
                || !h.hasPorts || h.dstPort != PspHeader.UDP_PORT || h.fragment) {
            return null;
        }
        long psp = h.l4Off + PspHeader.UDP_HEADER;
        long icv = h.ipEnd - PspHeader.ICV_LENGTH;
        if (icv - psp < PspHeader.BASE_LENGTH) {
            return null;
        }
        int spi = PspHeader.spi(s, psp);
        int version = PspHeader.version(s, psp);
        long clearEnd = PspHeader.isGmac(version)
                ? icv
                : Math.min(icv, psp + PspHeader.BASE_LENGTH + (long) PspHeader.cryptOffset(s, psp) * PspHeader.CRYPT_OFFSET_UNIT);
        long inner = psp + PspHeader.headerLength(s, psp);
        int nh = PspHeader.nextHeader(s, psp);
        boolean tunnel = mode == Mode.TUNNEL
                || (mode == Mode.AUTO && (nh == PacketHeaders.PROTO_IPV4 || nh == PacketHeaders.PROTO_IPV6));
        long ports = -1;
        if (!tunnel) {
            if (nh == PacketHeaders.PROTO_TCP || nh == PacketHeaders.PROTO_UDP) {
                ports = inner;
            }
        } else if (inner + 1 <= clearEnd) {
            int v = Bytes.u8(s, inner) >>> 4;
            if (v == 4 && inner + 20 <= clearEnd) {
                int proto = Bytes.u8(s, inner + 9);
                if (proto == PacketHeaders.PROTO_TCP || proto == PacketHeaders.PROTO_UDP) {
                    ports = inner + (Bytes.u8(s, inner) & 0x0f) * 4L;
                }
            } else if (v == 6 && inner + 40 <= clearEnd) {
                int proto = Bytes.u8(s, inner + 6);
                if (proto == PacketHeaders.PROTO_TCP || proto == PacketHeaders.PROTO_UDP) {
                    ports = inner + 40;
                }
            }
        }
        if (ports >= 0 && ports + 4 <= clearEnd) {
            flowKeys[i] = FlowTelemetry.key(spi, Bytes.u32(s, ports));
            return FlowTelemetry.Kind.INNER_PORTS;
        }
        flowKeys[i] = FlowTelemetry.key(spi, h.srcPort);
        return FlowTelemetry.Kind.OUTER_SOURCE_PORT;
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
