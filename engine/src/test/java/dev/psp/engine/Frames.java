package dev.psp.engine;

import java.nio.ByteBuffer;
import java.util.Random;

/** Builds test frames: Ethernet [VLAN] IPv4 [options] / IPv6 [extension headers], TCP/UDP/other, payload. */
public final class Frames {
    private Frames() {}

    public static final class Spec {
        public int ipVersion = 4;
        public int proto = 17;
        public int payload = 100;
        public int srcPort = 40000;
        public int dstPort = 443;
        public int ipv4OptionWords = 0;
        public boolean ipv6HopByHop = false;
        public boolean ipv6DestOpts = false;
        public int vlanTags = 0;
        public int padding = 0;
        public long seed = 1;

        public Spec v(int v) { ipVersion = v; return this; }
        public Spec proto(int p) { proto = p; return this; }
        public Spec payload(int n) { payload = n; return this; }
        public Spec ports(int s, int d) { srcPort = s; dstPort = d; return this; }
        public Spec options(int words) { ipv4OptionWords = words; return this; }
        public Spec ext(boolean hbh, boolean dst) { ipv6HopByHop = hbh; ipv6DestOpts = dst; return this; }
        public Spec vlan(int n) { vlanTags = n; return this; }
        public Spec pad(int n) { padding = n; return this; }
        public Spec seed(long s) { seed = s; return this; }
        public byte[] build() { return Frames.build(this); }
    }

    public static Spec spec() {
        return new Spec();
    }

    public static byte[] build(Spec s) {
        Random r = new Random(s.seed);
        int l4h = s.proto == 6 ? 20 : s.proto == 17 ? 8 : 0;
        int l4 = l4h + s.payload;
        int ext = s.ipVersion == 6 ? (s.ipv6HopByHop ? 8 : 0) + (s.ipv6DestOpts ? 16 : 0) : 0;
        int ipHdr = s.ipVersion == 4 ? 20 + 4 * s.ipv4OptionWords : 40 + ext;
        int l2 = 14 + 4 * s.vlanTags;
        ByteBuffer b = ByteBuffer.allocate(l2 + ipHdr + l4 + s.padding);
        b.put(new byte[] {0, (byte) 0x88, (byte) 0x99, (byte) 0xaa, (byte) 0xbb, 0, 0, 0x22, 0x33, 0x44, 0x55, 0});
        for (int i = 0; i < s.vlanTags; i++) {
            b.putShort((short) (i == 0 && s.vlanTags > 1 ? 0x88a8 : 0x8100)).putShort((short) (100 + i));
        }
        b.putShort((short) (s.ipVersion == 4 ? 0x0800 : 0x86dd));
        int ip = b.position();
        if (s.ipVersion == 4) {
            b.put((byte) (0x40 | (5 + s.ipv4OptionWords))).put((byte) 0).putShort((short) (ipHdr + l4))
                    .putShort((short) r.nextInt(65536)).putShort((short) 0x4000).put((byte) 64).put((byte) s.proto)
                    .putShort((short) 0).putInt(0x0a000001 + r.nextInt(100)).putInt(0x0a000101 + r.nextInt(100));
            for (int i = 0; i < s.ipv4OptionWords; i++) {
                b.putInt(i == s.ipv4OptionWords - 1 ? 0x01010100 : 0x01010101); // NOPs then EOL
            }
            long sum = 0;
            for (int i = 0; i < ipHdr; i += 2) {
                sum += b.getShort(ip + i) & 0xffff;
            }
            while ((sum >>> 16) != 0) {
                sum = (sum & 0xffff) + (sum >>> 16);
            }
            b.putShort(ip + 10, (short) ~sum);
        } else {
            int first = s.ipv6HopByHop ? 0 : s.ipv6DestOpts ? 60 : s.proto;
            b.putInt(0x60000000 | r.nextInt(1 << 20)).putShort((short) (ext + l4)).put((byte) first).put((byte) 64);
            b.putLong(0x20010db800000000L).putLong(1 + r.nextInt(100)).putLong(0x20010db800000000L).putLong(0x100 + r.nextInt(100));
            if (s.ipv6HopByHop) {
                b.put((byte) (s.ipv6DestOpts ? 60 : s.proto)).put((byte) 0).put(new byte[] {1, 4, 0, 0, 0, 0});
            }
            if (s.ipv6DestOpts) {
                b.put((byte) s.proto).put((byte) 1).put(new byte[] {1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            }
        }
        if (s.proto == 6) {
            b.putShort((short) s.srcPort).putShort((short) s.dstPort).putInt(r.nextInt()).putInt(r.nextInt())
                    .putShort((short) 0x5018).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        } else if (s.proto == 17) {
            b.putShort((short) s.srcPort).putShort((short) s.dstPort).putShort((short) l4).putShort((short) 0);
        }
        byte[] pl = new byte[s.payload];
        r.nextBytes(pl);
        b.put(pl);
        byte[] pad = new byte[s.padding];
        r.nextBytes(pad);
        b.put(pad);
        return b.array();
    }
}
