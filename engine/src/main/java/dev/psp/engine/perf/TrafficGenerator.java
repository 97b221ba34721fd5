package dev.psp.engine.perf;

import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Synthetic Ethernet II / IPv4-or-IPv6 / TCP-or-UDP frames for benchmarks and tests, written into
 * a caller's segment. Flow {@code f} (0..flows-1) varies the source and destination addresses and
 * ports, so a flow hash or per-flow SA sees distinct 5-tuples. Payload bytes come from a seeded
 * generator: the same seed gives the same frames. IP and L4 checksums are valid. Not thread safe.
 *
 * <p>IMIX is the classic "simple IMIX": Ethernet frames of 64, 594 and 1518 bytes in the ratio
 * 7:4:1, sizes counting the 4-byte FCS (which is not written). So the IP packets are 46, 576 and
 * 1500 bytes; when the headers do not fit in a 64-byte frame (IPv6 + TCP) the payload is empty and
 * the frame is longer than 60 bytes.
 */
public final class TrafficGenerator {
    public static final int FCS_LENGTH = 4;
    /** Simple IMIX frame sizes (FCS included) and their weights. */
    public static final int[] IMIX_FRAME_SIZES = {64, 594, 1518};
    public static final int[] IMIX_WEIGHTS = {7, 4, 1};
    /** Packets in one IMIX cycle (7 + 4 + 1). */
    public static final int IMIX_CYCLE = 12;

    private final SplittableRandom random;
    private final int flows;
    private final int ipVersion;
    private final int l4Proto;
    /** TCP segments carry the timestamp option (NOP, NOP, TS: a 32-byte header), as Linux bulk TCP does. */
    private final boolean tcpTimestamps;

    /**
     * @param ipVersion 4 or 6
     * @param l4Proto {@link PacketHeaders#PROTO_UDP} or {@link PacketHeaders#PROTO_TCP}
     */
    public TrafficGenerator(long seed, int flows, int ipVersion, int l4Proto) {
        this(seed, flows, ipVersion, l4Proto, false);
    }

    /**
     * As {@link #TrafficGenerator(long, int, int, int)}; {@code tcpTimestamps}: every TCP header carries
     * the timestamp option behind two NOPs (32 bytes, the shape of Linux bulk TCP), TSval as given to
     * {@link #writeTcpSegment} (0 from {@link #write}), TSecr fixed per flow. Ignored for UDP.
     */
    public TrafficGenerator(long seed, int flows, int ipVersion, int l4Proto, boolean tcpTimestamps) {
        if (flows < 1 || flows > 65536) {
            throw new IllegalArgumentException("flows must be 1..65536, got " + flows);
        }
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("IP version must be 4 or 6, got " + ipVersion);
        }
        if (l4Proto != PacketHeaders.PROTO_UDP && l4Proto != PacketHeaders.PROTO_TCP) {
            throw new IllegalArgumentException("L4 protocol must be UDP (17) or TCP (6), got " + l4Proto);
        }
        this.random = new SplittableRandom(seed);
        this.flows = flows;
        this.ipVersion = ipVersion;
        this.l4Proto = l4Proto;
        this.tcpTimestamps = tcpTimestamps && l4Proto == PacketHeaders.PROTO_TCP;
    }

    /** UDP over IPv4, the common case. */
    public TrafficGenerator(long seed, int flows) {
        this(seed, flows, 4, PacketHeaders.PROTO_UDP);
    }

    public int ipHeaderLength() {
        return ipVersion == 4 ? 20 : 40;
    }

    public int l4HeaderLength() {
        return l4Proto == PacketHeaders.PROTO_UDP ? 8 : tcpTimestamps ? 32 : 20;
    }

    /** Ethernet + IP + L4 header bytes in front of the payload. */
    public int headerLength() {
        return PacketHeaders.ETH_HEADER + ipHeaderLength() + l4HeaderLength();
    }

    /** Frame length (no FCS) for an L4 payload of {@code payloadLen} bytes. */
    public int frameLength(int payloadLen) {
        return headerLength() + payloadLen;
    }

    /** L4 payload for an IMIX frame size (FCS included), at least 0. */
    public int imixPayload(int frameSizeWithFcs) {
        return Math.max(0, frameSizeWithFcs - FCS_LENGTH - headerLength());
    }

    /**
     * L4 payload sizes for {@code count} packets of simple IMIX: whole 7:4:1 cycles, each cycle's
     * order shuffled by the seed. {@code count} is rounded up to a multiple of {@link #IMIX_CYCLE}.
     */
    public int[] imixPayloadSizes(int count) {
        int cycles = Math.max(1, (count + IMIX_CYCLE - 1) / IMIX_CYCLE);
        int[] out = new int[cycles * IMIX_CYCLE];
        int[] cycle = new int[IMIX_CYCLE];
        int k = 0;
        for (int s = 0; s < IMIX_FRAME_SIZES.length; s++) {
            for (int w = 0; w < IMIX_WEIGHTS[s]; w++) {
                cycle[k++] = imixPayload(IMIX_FRAME_SIZES[s]);
            }
        }
        for (int c = 0; c < cycles; c++) {
            for (int i = IMIX_CYCLE - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = cycle[i];
                cycle[i] = cycle[j];
                cycle[j] = t;
            }
            System.arraycopy(cycle, 0, out, c * IMIX_CYCLE, IMIX_CYCLE);
        }
        return out;
    }

    /**
     * Writes one frame of flow {@code flow % flows} with {@code payloadLen} bytes of L4 payload at
     * {@code seg[off..]}; returns the frame length. The segment must have room for it.
     */
    public int write(MemorySegment seg, long off, int payloadLen, int flow) {
        return write(seg, off, payloadLen, flow, -1L, 0x18, 0);
    }

    /**
     * Writes one TCP segment of a stream: as {@link #write(MemorySegment, long, int, int)} but with
     * sequence number {@code seq} and ACK, plus PSH when {@code push} (as a sender marks the last
     * segment of a write), so that consecutive calls with {@code seq} advanced by the payload make
     * segments a receiver's GRO can merge. TCP generators only. {@code tsVal}: the timestamp
     * option's TSval when the generator writes timestamps (segments sent together share one, and GRO
     * merges only segments whose options are equal), else unused.
     */
    public int writeTcpSegment(MemorySegment seg, long off, int payloadLen, int flow, int seq, boolean push, int tsVal) {
        if (l4Proto != PacketHeaders.PROTO_TCP) {
            throw new IllegalStateException("a UDP generator writes no TCP segments");
        }
        return write(seg, off, payloadLen, flow, seq & 0xffff_ffffL, push ? 0x18 : 0x10, tsVal);
    }

    /** {@code seq} < 0: a random sequence number (drawn after the payload, as it always was). */
    private int write(MemorySegment seg, long off, int payloadLen, int flow, long seq, int tcpFlags, int tsVal) {
        if (payloadLen < 0) {
            throw new IllegalArgumentException("payload length must be >= 0, got " + payloadLen);
        }
        int f = Math.floorMod(flow, flows);
        int ipLen = ipHeaderLength();
        int l4Len = l4HeaderLength() + payloadLen;
        int frameLen = frameLength(payloadLen);
        if (ipLen + l4Len > 0xffff + (ipVersion == 6 ? 40 : 0)) {
            throw new IllegalArgumentException("payload too big for one IP packet: " + payloadLen);
        }
        // Ethernet: locally administered MACs, the flow in the low bytes
        Bytes.u32(seg, off, 0x0200_0000);
        Bytes.u16(seg, off + 4, 0x0100 | (f & 0xff));
        Bytes.u32(seg, off + 6, 0x0200_0000);
        Bytes.u16(seg, off + 10, 0x0200 | (f & 0xff));
        Bytes.u16(seg, off + 12, ipVersion == 4 ? PacketHeaders.ETHERTYPE_IPV4 : PacketHeaders.ETHERTYPE_IPV6);
        long l3 = off + PacketHeaders.ETH_HEADER;
        if (ipVersion == 4) {
            Bytes.u8(seg, l3, 0x45);
            Bytes.u8(seg, l3 + 1, 0);
            Bytes.u16(seg, l3 + 2, ipLen + l4Len);
            Bytes.u16(seg, l3 + 4, f & 0xffff);        // identification
            Bytes.u16(seg, l3 + 6, 0x4000);            // DF
            Bytes.u8(seg, l3 + 8, 64);
            Bytes.u8(seg, l3 + 9, l4Proto);
            Bytes.u32(seg, l3 + 12, 0x0a00_0000 | f);  // 10.0.x.y
            Bytes.u32(seg, l3 + 16, 0x0a80_0000 | f);  // 10.128.x.y
            Checksum.ipv4Header(seg, l3, 20);
        } else {
            Bytes.u32(seg, l3, (6 << 28) | (f & 0xfffff));
            Bytes.u16(seg, l3 + 4, l4Len);
            Bytes.u8(seg, l3 + 6, l4Proto);
            Bytes.u8(seg, l3 + 7, 64);
            Bytes.u64(seg, l3 + 8, 0xfd00_0000_0000_0000L);  // fd00::1:f
            Bytes.u64(seg, l3 + 16, 0x0001_0000_0000_0000L | f);
            Bytes.u64(seg, l3 + 24, 0xfd00_0000_0000_0000L);  // fd00::2:f
            Bytes.u64(seg, l3 + 32, 0x0002_0000_0000_0000L | f);
        }
        long l4 = l3 + ipLen;
        int sport = 1024 + (f % 60000);
        int dport = l4Proto == PacketHeaders.PROTO_UDP ? 4791 : 443;
        Bytes.u16(seg, l4, sport);
        Bytes.u16(seg, l4 + 2, dport);
        long payload = l4 + l4HeaderLength();
        fillPayload(seg, payload, payloadLen);
        int csumField;
        if (l4Proto == PacketHeaders.PROTO_UDP) {
            Bytes.u16(seg, l4 + 4, l4Len);
            csumField = 6;
        } else {
            Bytes.u32(seg, l4 + 4, seq < 0 ? random.nextInt() : (int) seq);
            Bytes.u32(seg, l4 + 8, 0);                 // ack
            Bytes.u16(seg, l4 + 12, (l4HeaderLength() / 4) << 12 | tcpFlags); // data offset 5, or 8 with timestamps
            Bytes.u16(seg, l4 + 14, 0xffff);           // window
            Bytes.u16(seg, l4 + 18, 0);                // urgent
            if (tcpTimestamps) {
                Bytes.u32(seg, l4 + 20, 0x0101_080a);  // NOP, NOP, timestamps (kind 8, length 10)
                Bytes.u32(seg, l4 + 24, tsVal);
                Bytes.u32(seg, l4 + 28, 0x1000 + f);   // TSecr
            }
            csumField = 16;
        }
        Bytes.u16(seg, l4 + csumField, Checksum.l4(seg, l3, ipVersion, l4Proto, l4, l4Len, csumField));
        return frameLen;
    }

    private void fillPayload(MemorySegment seg, long off, int len) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            Bytes.u64(seg, off + i, random.nextLong());
        }
        for (; i < len; i++) {
            Bytes.u8(seg, off + i, random.nextInt(256));
        }
    }
}
