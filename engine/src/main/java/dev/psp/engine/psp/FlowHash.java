package dev.psp.engine.psp;

import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;

/**
 * A 32-bit hash of a parsed packet's 5-tuple (addresses, protocol, ports): the same flow always
 * hashes the same, for UDP source-port entropy and RSS worker choice. Not cryptographic.
 */
public final class FlowHash {
    private FlowHash() {}

    /**
     * The hash of an IPv4 packet with ports: {@code addrs} = source and destination address (one
     * big-endian 8-byte load at IP header + 12), {@code ports} = source and destination port. Equal
     * to {@link #of} for such a packet.
     */
    public static int ofIpv4(int proto, long addrs, int ports) {
        // two independent multiplies and a fold: a short dependency chain on the per-packet path
        // (the shim's psp_shim_flow_hash computes the same)
        long x = (addrs ^ 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L
                + (((ports & 0xffffffffL) << 8 | proto) ^ 0x94D049BB133111EBL) * 0xD6E8FEB86659FD93L;
        return avalanche(x);
    }

    public static int of(PacketHeaders h) {
        MemorySegment s = h.segment;
        int acc = 0x9E3779B9 ^ h.l4Proto;
        if (h.ipVersion == 4) {
            long addrs = Bytes.u64(s, h.l3Off + 12); // source and destination, one load
            if (h.hasPorts) {
                return ofIpv4(h.l4Proto, addrs, (h.srcPort << 16) | h.dstPort);
            }
            acc = mix(acc, (int) (addrs >>> 32));
            acc = mix(acc, (int) addrs);
        } else if (h.ipVersion == 6) {
            if (h.hasPorts) {
                return ofIpv6(h.l4Proto, s, h.l3Off + 8, (h.srcPort << 16) | h.dstPort);
            }
            acc = addresses6(acc, s, h.l3Off + 8);
        }
        if (h.hasPorts) {
            acc = mix(acc, (h.srcPort << 16) | h.dstPort);
        }
        return fmix(acc);
    }

    /**
     * The hash of an IPv6 packet with ports: the 32 address bytes (source, then destination) at
     * {@code addrs} in {@code s}, {@code ports} = source and destination port. Equal to {@link #of}
     * for such a packet.
     */
    public static int ofIpv6(int proto, MemorySegment s, long addrs, int ports) {
        // as ofIpv4: independent multiplies, one per 8 address bytes and one for ports and protocol,
        // summed and finished (was a murmur chain over the 8 address words: 3 ns more per IPv6 seal)
        // each word's high half folded into its low half first: a product's top bits see only the
        // operand's top bits, and four such sums collide where the words differ only up there
        long x = (fold(Bytes.u64(s, addrs)) ^ 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L
                + (fold(Bytes.u64(s, addrs + 8)) ^ 0xC2B2AE3D27D4EB4FL) * 0x94D049BB133111EBL
                + (fold(Bytes.u64(s, addrs + 16)) ^ 0x165667B19E3779F9L) * 0xD6E8FEB86659FD93L
                + (fold(Bytes.u64(s, addrs + 24)) ^ 0x27D4EB2F165667C5L) * 0xFF51AFD7ED558CCDL
                + (((ports & 0xffffffffL) << 8 | proto) ^ 0x94D049BB133111EBL) * 0xC4CEB9FE1A85EC53L;
        return avalanche(x);
    }

    /** An address word with its high half folded into its low half (see {@link #ofIpv6}). */
    private static long fold(long w) {
        return w ^ w >>> 32;
    }

    /**
     * The 32-bit hash of a sum of products: multiplying carries input bits only upward, so the sum
     * goes through MurmurHash3's 64-bit finalizer (fold, multiply, fold, multiply, fold), after which
     * every input bit reaches the low bits (source port, RSS worker). One fold and one multiply were
     * not enough (FlowHashTest's high-byte flows used 40% of the source ports).
     */
    private static int avalanche(long x) {
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        return (int) (x ^ x >>> 33);
    }

    private static int addresses6(int acc, MemorySegment s, long addrs) {
        for (int i = 0; i < 8; i++) {
            acc = mix(acc, Bytes.u32(s, addrs + 4L * i));
        }
        return acc;
    }

    private static int mix(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
