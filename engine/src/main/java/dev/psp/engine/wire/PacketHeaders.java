package dev.psp.engine.wire;

import java.lang.foreign.MemorySegment;

/**
 * A reusable parse of one Ethernet frame: Ethernet II with stacked 802.1Q/802.1ad tags, IPv4 with
 * options, IPv6 with extension headers (hop-by-hop, routing, destination options, fragment, AH:
 * skipped to the L4 header), and the L4 ports for TCP and UDP. Offsets are absolute segment
 * offsets. Lengths come from the IP header, never from the capture frame: bytes between
 * {@link #ipEnd} and the frame end are link-layer padding. One instance per thread; {@link #parse}
 * overwrites every field.
 */
public final class PacketHeaders {
    public static final int ETH_HEADER = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88A8;
    public static final int PROTO_IPV4 = 4;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_IPV6 = 41;

    /** Parse results. */
    public static final int OK = 0;
    public static final int NOT_IP = 1;
    public static final int TRUNCATED = 2;
    public static final int BAD_IP = 3;

    public MemorySegment segment;
    public long frameOff;
    public int frameLen;
    /** Offset of the (innermost) EtherType field. */
    public long etherTypeOff;
    public int etherType;
    public long l3Off;
    /** 4, 6, or 0 when not IP. */
    public int ipVersion;
    /** IPv4 IHL*4, or 40 for IPv6 (extension headers not included). */
    public int ipHeaderLen;
    /** End of the IP packet per its length field. */
    public long ipEnd;
    /** Offset of the byte that names the L4 protocol (IPv4 protocol or last IPv6 next header). */
    public long protoFieldOff;
    public int l4Proto;
    public long l4Off;
    /** True for a non-first fragment or a fragment with more to come. */
    public boolean fragment;
    /** True when {@link #srcPort}/{@link #dstPort} were read (TCP/UDP, unfragmented, long enough). */
    public boolean hasPorts;
    public int srcPort;
    public int dstPort;

    /** Parses the frame at {@code seg[off..off+len)}; returns {@link #OK} or a reason. */
    public int parse(MemorySegment seg, long off, int len) {
        segment = seg;
        frameOff = off;
        frameLen = len;
        ipVersion = 0;
        hasPorts = false;
        fragment = false;
        l4Proto = -1;
        long end = off + len;
        long p = off + 12;
        if (len < ETH_HEADER) {
            return TRUNCATED;
        }
        int type = Bytes.u16(seg, p);
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
            p += 4;
            if (p + 2 > end) {
                return TRUNCATED;
            }
            type = Bytes.u16(seg, p);
        }
        etherTypeOff = p;
        etherType = type;
        l3Off = p + 2;
        if (type == ETHERTYPE_IPV4) {
            return parseIpv4(seg, end);
        } else if (type == ETHERTYPE_IPV6) {
            return parseIpv6(seg, end);
        }
        return NOT_IP;
    }

    /** Parses a bare IP packet starting at {@code l3} (version from its first nibble). */
    public int parseIp(MemorySegment seg, long l3, long end) {
        segment = seg;
        ipVersion = 0;
        hasPorts = false;
        fragment = false;
        l4Proto = -1;
        l3Off = l3;
        if (l3 >= end) {
            return TRUNCATED;
        }
        int v = Bytes.u8(seg, l3) >>> 4;
        if (v == 4) {
            return parseIpv4(seg, end);
        } else if (v == 6) {
            return parseIpv6(seg, end);
        }
        return NOT_IP;
    }

    private int parseIpv4(MemorySegment seg, long end) {
        if (l3Off + 20 > end) {
            return TRUNCATED;
        }
        long w0 = Bytes.u64(seg, l3Off); // version/IHL, TOS, total length, ID, flags/fragment offset
        int vihl = (int) (w0 >>> 56);
        if ((vihl >>> 4) != 4) {
            return BAD_IP;
        }
        int ihl = (vihl & 0x0f) * 4;
        int total = (int) (w0 >>> 32) & 0xffff;
        if (ihl < 20 || total < ihl) {
            return BAD_IP;
        }
        if (l3Off + total > end) {
            return TRUNCATED;
        }
        ipVersion = 4;
        ipHeaderLen = ihl;
        ipEnd = l3Off + total;
        protoFieldOff = l3Off + 9;
        l4Proto = Bytes.u8(seg, protoFieldOff);
        l4Off = l3Off + ihl;
        int frag = (int) w0 & 0xffff;
        fragment = (frag & 0x3fff) != 0;
        readPorts(seg, (frag & 0x1fff) != 0);
        return OK;
    }

    private int parseIpv6(MemorySegment seg, long end) {
        if (l3Off + 40 > end) {
            return TRUNCATED;
        }
        if ((Bytes.u8(seg, l3Off) >>> 4) != 6) {
            return BAD_IP;
        }
        int plen = Bytes.u16(seg, l3Off + 4);
        if (l3Off + 40 + plen > end) {
            return TRUNCATED;
        }
        ipVersion = 6;
        ipHeaderLen = 40;
        ipEnd = l3Off + 40 + plen;
        long nhOff = l3Off + 6;
        int nh = Bytes.u8(seg, nhOff);
        long p = l3Off + 40;
        boolean nonFirstFragment = false;
        for (int guard = 0; guard < 16; guard++) {
            if (!isExtension(nh)) {
                protoFieldOff = nhOff;
                l4Proto = nh;
                l4Off = p;
                readPorts(seg, nonFirstFragment);
                return OK;
            }
            if (p + 8 > ipEnd) {
                return BAD_IP;
            }
            int extLen = extensionLength(seg, nh, p);
            if (nh == 44) {
                fragment = true;
                nonFirstFragment = (Bytes.u16(seg, p + 2) & 0xfff8) != 0;
            }
            if (p + extLen > ipEnd) {
                return BAD_IP;
            }
            nhOff = p;
            nh = Bytes.u8(seg, p);
            p += extLen;
        }
        return BAD_IP;
    }

    /** Whether IPv6 next header {@code nh} is an extension header this parser walks (else the upper layer). */
    private static boolean isExtension(int nh) {
        return switch (nh) {
            case 0, 43, 60, 135, 139, 140, 44, 51 -> true;
            default -> false;
        };
    }

    /**
     * Length of the IPv6 extension header {@code nh} at {@code p} ({@link #isExtension}; its first 8
     * bytes readable): hop-by-hop, routing, destination options, mobility, HIP, shim6 in 8-byte
     * units past the first 8, fragment 8, AH in 4-byte units past the first 8.
     */
    private static int extensionLength(MemorySegment seg, int nh, long p) {
        return switch (nh) {
            case 44 -> 8;
            case 51 -> (Bytes.u8(seg, p + 1) + 2) * 4;
            default -> (Bytes.u8(seg, p + 1) + 1) * 8;
        };
    }

    /**
     * Offset of the destination address an upper-layer checksum's pseudo-header takes for the IPv6
     * packet at {@code l3} whose upper-layer header is at {@code l4} (RFC 8200 section 8.1): with a
     * Routing header whose Segments Left is not zero, the final destination, that is the last
     * address of a type 0 or type 2 header or Segment List[0] of a Segment Routing Header (RFC 8754,
     * type 4); otherwise the fixed header's Destination Address ({@code l3 + 24}). The extension
     * headers between are walked as {@link #parse} walks them; a routing header too short for what
     * it claims, Segments Left beyond its address count, a chain that does not end at {@code l4},
     * and other routing types (type 3 RPL carries compressed addresses) keep the fixed header's
     * address. Nothing is walked when {@code l4 == l3 + 40}.
     */
    public static long pseudoDestination(MemorySegment seg, long l3, long l4) {
        long fixed = l3 + 24;
        if (l4 == l3 + 40) {
            return fixed;
        }
        int nh = Bytes.u8(seg, l3 + 6);
        long p = l3 + 40;
        for (int guard = 0; guard < 16 && p + 8 <= l4 && isExtension(nh); guard++) {
            int extLen = extensionLength(seg, nh, p);
            if (p + extLen > l4) {
                return fixed;
            }
            if (nh == 43) {
                return routingFinalDestination(seg, p, extLen, fixed);
            }
            nh = Bytes.u8(seg, p);
            p += extLen;
        }
        return fixed;
    }

    /** The final destination named by the Routing header at {@code rh} ({@code len} bytes), or {@code fixed}. */
    private static long routingFinalDestination(MemorySegment seg, long rh, int len, long fixed) {
        int type = Bytes.u8(seg, rh + 2);
        int segmentsLeft = Bytes.u8(seg, rh + 3);
        if (segmentsLeft == 0) {
            return fixed; // the fixed header already holds the final destination
        }
        int addresses = (len - 8) / 16;
        if (type == 0 || type == 2) { // RFC 2460 type 0, RFC 6275 type 2: the last address
            return addresses >= 1 && segmentsLeft <= addresses ? rh + 8 + 16L * (addresses - 1) : fixed;
        } else if (type == 4) { // RFC 8754 SRH: Segment List[0]; Last Entry + 1 segments, TLVs after them
            int segments = Bytes.u8(seg, rh + 4) + 1;
            return segments <= addresses && segmentsLeft <= segments ? rh + 8 : fixed;
        }
        return fixed;
    }

    private void readPorts(MemorySegment seg, boolean nonFirstFragment) {
        if ((l4Proto == PROTO_TCP || l4Proto == PROTO_UDP) && !nonFirstFragment && l4Off + 4 <= ipEnd) {
            int ports = Bytes.u32(seg, l4Off);
            srcPort = ports >>> 16;
            dstPort = ports & 0xffff;
            hasPorts = true;
        }
    }

    /** Bytes of L4 payload per the IP header: from {@link #l4Off} to {@link #ipEnd}. */
    public int l4Length() {
        return (int) (ipEnd - l4Off);
    }

    /** Link-layer padding after the IP packet. */
    public int paddingLength() {
        return (int) (frameOff + frameLen - ipEnd);
    }
}
