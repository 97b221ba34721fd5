package dev.psp.engine.pipeline;

import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;

/**
 * A deterministic generator of Ethernet/IPv4/UDP (or TCP) frames, written straight into pool slots.
 * Packet {@code i} belongs to flow {@code i % flows} and is that flow's packet number
 * {@code i / flows}; its frame is a pure function of {@code i} ({@link #frame(long)}), so a test can
 * regenerate what went in. Flow {@code f} is 10.0.f/16 port 1024+f to 10.1.0.1 port 9000. The
 * payload starts with the flow (u32) and its packet number (u32).
 *
 * <p>Sizes (whole frames, FCS excluded) cycle through a list, or the simple IMIX (7:4:1 of 60, 590,
 * 1514 bytes: 64, 594 and 1518 on the wire with the FCS, as {@code perf.TrafficGenerator}'s). {@link #truncateEvery} injects broken frames (cut inside the IP header) for
 * failure-accounting tests. Not thread safe.
 */
public final class SyntheticSource implements Source {
    /** Simple IMIX frame sizes without the FCS: 7 x 60, 4 x 590, 1 x 1514 (64/594/1518 with it). */
    public static final int[] IMIX = {60, 60, 60, 60, 60, 60, 60, 590, 590, 590, 590, 1514};
    public static final int DST_PORT = 9000;
    static final int TRUNCATED_LENGTH = 30;

    private final long count;
    private final int flows;
    private final int[] sizes;
    private boolean tcp;
    private long truncateEvery;
    private long next;
    private long skipped;

    /** {@code count} packets over {@code flows} flows (at most 64000) with frame sizes from {@code sizes}. */
    public SyntheticSource(long count, int flows, int... sizes) {
        if (flows < 1 || flows > 64000 || sizes.length == 0 || count < 0) {
            throw new IllegalArgumentException("need count >= 0, 1..64000 flows and at least one size");
        }
        this.count = count;
        this.flows = flows;
        this.sizes = sizes.clone();
    }

    public static SyntheticSource imix(long count, int flows) {
        return new SyntheticSource(count, flows, IMIX);
    }

    /** TCP instead of UDP (20-byte header, ACK|PSH, valid checksum). */
    public SyntheticSource tcp(boolean v) {
        tcp = v;
        return this;
    }

    /** Cuts every {@code k}-th packet (index {@code k-1}, {@code 2k-1}, ...) to 30 bytes; 0 = never. */
    public SyntheticSource truncateEvery(long k) {
        truncateEvery = k;
        return this;
    }

    public long count() {
        return count;
    }

    public int flows() {
        return flows;
    }

    public int flowOf(long index) {
        return (int) (index % flows);
    }

    /** True when packet {@code index} is one of the deliberately broken frames. */
    public boolean truncated(long index) {
        return truncateEvery > 0 && index % truncateEvery == truncateEvery - 1;
    }

    private int headerLength() {
        return PacketHeaders.ETH_HEADER + 20 + (tcp ? 20 : 8);
    }

    /** Frame size of packet {@code index} (before truncation): the size list, mixed by index. */
    public int size(long index) {
        long m = (index * 0x9E3779B97F4A7C15L) >>> 33;
        return Math.max(headerLength() + 8, sizes[(int) (m % sizes.length)]);
    }

    /** The frame of packet {@code index}, as {@link #poll} writes it (tests). */
    public byte[] frame(long index) {
        byte[] b = new byte[size(index)];
        int len = write(MemorySegment.ofArray(b), 0, index);
        return java.util.Arrays.copyOf(b, len);
    }

    @Override
    public int poll(PacketPool pool, Packet[] out, int max) {
        while (true) {
            long left = count - next;
            if (left <= 0) {
                return END;
            }
            int k = Source.allocUpTo(pool, out, (int) Math.min(max, left));
            if (k == 0) {
                return 0;
            }
            int filled = 0;
            for (int i = 0; i < k && next < count; i++) {
                long index = next++;
                Packet p = out[i];
                if (size(index) > p.limit - p.offset) {
                    skipped++;
                    pool.free(p);
                    continue;
                }
                p.length = write(p.segment, p.offset, index);
                out[filled++] = p;
            }
            if (filled > 0) {
                return filled;
            }
        }
    }

    /** Writes packet {@code index} at {@code s[off..]}; returns its length. */
    int write(MemorySegment s, long off, long index) {
        int flow = flowOf(index);
        long seq = index / flows;
        int size = size(index);
        int l4Len = size - PacketHeaders.ETH_HEADER - 20;
        // Ethernet
        Bytes.u32(s, off, 0x02000000);
        Bytes.u16(s, off + 4, 0x0002);
        Bytes.u32(s, off + 6, 0x02000000);
        Bytes.u16(s, off + 10, 0x0001);
        Bytes.u16(s, off + 12, PacketHeaders.ETHERTYPE_IPV4);
        // IPv4
        long ip = off + PacketHeaders.ETH_HEADER;
        Bytes.u16(s, ip, 0x4500);
        Bytes.u16(s, ip + 2, 20 + l4Len);
        Bytes.u16(s, ip + 4, (int) seq & 0xffff);
        Bytes.u16(s, ip + 6, 0x4000);
        Bytes.u8(s, ip + 8, 64);
        Bytes.u8(s, ip + 9, tcp ? PacketHeaders.PROTO_TCP : PacketHeaders.PROTO_UDP);
        Bytes.u16(s, ip + 10, 0);
        Bytes.u32(s, ip + 12, 0x0A000000 | flow);
        Bytes.u32(s, ip + 16, 0x0A010001);
        Checksum.ipv4Header(s, ip, 20);
        // L4
        long l4 = ip + 20;
        Bytes.u16(s, l4, 1024 + flow);
        Bytes.u16(s, l4 + 2, DST_PORT);
        long payload;
        if (tcp) {
            Bytes.u32(s, l4 + 4, (int) seq);
            Bytes.u32(s, l4 + 8, 0);
            Bytes.u16(s, l4 + 12, 0x5018);
            Bytes.u16(s, l4 + 14, 0xffff);
            Bytes.u32(s, l4 + 16, 0);
            payload = l4 + 20;
        } else {
            Bytes.u16(s, l4 + 4, l4Len);
            Bytes.u16(s, l4 + 6, 0);
            payload = l4 + 8;
        }
        Bytes.u32(s, payload, flow);
        Bytes.u32(s, payload + 4, (int) seq);
        byte b = (byte) (index * 7);
        for (long j = payload + 8; j < off + size; j++) {
            s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, j, b++);
        }
        if (tcp) {
            Bytes.u16(s, l4 + 16, Checksum.l4(s, ip, 4, PacketHeaders.PROTO_TCP, l4, l4Len, 16));
        }
        return truncated(index) ? TRUNCATED_LENGTH : size;
    }

    @Override
    public long skipped() {
        return skipped;
    }
}
