package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.crypto.FrameSealer;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.ShimAeadBackend;
import dev.psp.ffm.NativeShim;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shim's whole-frame seal ({@code psp_shim_seal_frames}, used by {@link PspEncoder#sealBurst}
 * for common-shape frames) against the Java encoder on the JDK backend: bursts of random frames
 * (the common shape and every near miss of {@link FastPathDifferentialTest#frame}), random SAs
 * (versions, VC, crypt offsets, source-port policies, S/D, UDP checksum), tight head- and tailroom,
 * mixed in one burst: the same result per packet, the same bytes, the same record fields and flow
 * hash, and the encoder's own count shows the shim took every common-shape frame an eligible SA
 * sealed; with and without inner checksum emulation. Skipped (with the reason) when the shim cannot
 * load.
 */
class FrameSealerDifferentialTest {
    private static final int SLOT = 10_240;
    private static final int BURST = 32;

    static List<Arguments> backendsAndChecksums() {
        List<Arguments> l = new ArrayList<>();
        for (String name : List.of(ShimAeadBackend.IPSEC_MB_NAME, ShimAeadBackend.OPENSSL_NAME)) {
            l.add(Arguments.of(name, false, false));
            l.add(Arguments.of(name, true, false));
            l.add(Arguments.of(name, true, true));
        }
        l.add(Arguments.of(AeadBackends.jdk().name(), false, true)); // every frame left NOT_DONE: runs without the shim
        return l;
    }

    /**
     * {@code takeBacks}: the engine's frame sealer is wrapped so that a third of the frames handed
     * to it (all of them on the JDK backend, which has none) come back {@link FrameSealer#NOT_DONE},
     * untouched: the encoder must encapsulate and seal those itself, to the same bytes.
     */
    @ParameterizedTest(name = "{0} innerChecksums={1} takeBacks={2}")
    @MethodSource("backendsAndChecksums")
    void shimFramesEqualTheJavaEncoder(String name, boolean innerChecksums, boolean takeBacks) {
        AeadBackend b = AeadBackends.byName(name);
        Assumptions.assumeTrue(b.isAvailable(), () -> name + " unavailable: " + b.unavailabilityCause());
        Random r = new Random(name.hashCode() + (innerChecksums ? 1 : 0) + (takeBacks ? 2 : 0));
        long eligibleSealed = 0;
        NotDoneEngine wrapped = takeBacks ? new NotDoneEngine(b.newEngine(), new SplittableRandom(r.nextLong())) : null;
        try (CodecHarness jdk = new CodecHarness(AeadBackends.jdk(), RoundTripTest.MK0, RoundTripTest.MK1, 0);
             CodecHarness shim = takeBacks ? new CodecHarness(wrapped, RoundTripTest.MK0, RoundTripTest.MK1, 0)
                     : new CodecHarness(b, RoundTripTest.MK0, RoundTripTest.MK1, 0);
             Arena arena = Arena.ofConfined()) {
            MemorySegment jbuf = arena.allocate((long) SLOT * BURST, 64);
            MemorySegment sbuf = arena.allocate((long) SLOT * BURST, 64);
            PspDecoder dec = shim.decoder(Mode.TRANSPORT);
            jdk.encoder.innerChecksums(innerChecksums);
            shim.encoder.innerChecksums(innerChecksums);
            for (int round = 0; round < 150; round++) {
                jbuf.fill((byte) 0); // different bytes around the frames on the two sides: a path that reads outside its frame disagrees
                sbuf.fill((byte) 0xa5);
                Packet[] jp = new Packet[BURST];
                Packet[] sp = new Packet[BURST];
                byte[][] frames = new byte[BURST][];
                boolean[] eligible = new boolean[BURST];
                int n = 1 + r.nextInt(BURST);
                for (int i = 0; i < n; i++) {
                    SaChoice c = SaChoice.draw(r);
                    long iv0 = r.nextLong() >>> 1;
                    int spi = 0x1000 + round * BURST + i;
                    TxSa js = jdk.install(c.builder(iv0), spi, c.version());
                    TxSa ss = shim.install(c.builder(iv0), spi, c.version());
                    byte[] frame = FastPathDifferentialTest.frame(r);
                    frames[i] = frame;
                    int head = r.nextInt(6) == 0 ? r.nextInt(48) : 256;
                    int tail = r.nextInt(6) == 0 ? r.nextInt(24) : 256;
                    jp[i] = place(jbuf, i, frame, head, tail);
                    sp[i] = place(sbuf, i, frame, head, tail);
                    jp[i].sa = js;
                    sp[i].sa = ss;
                    eligible[i] = ss.frameWord != -1 && FastPathDifferentialTest.isFastShape(frame); // IPv4 or IPv6
                }
                Packet[] jOrder = jp.clone();
                Packet[] sOrder = sp.clone();
                int jok = jdk.encoder.sealBurst(jp, n);
                int sok = shim.encoder.sealBurst(sp, n);
                assertEquals(jok, sok, "round " + round + " sealed");
                for (int i = 0; i < n; i++) {
                    Packet a = jOrder[i];
                    Packet o = sOrder[i];
                    String at = name + " round " + round + " packet " + i;
                    assertEquals(a.result, o.result, at + " result");
                    if (a.result != 0) {
                        continue;
                    }
                    eligibleSealed += eligible[i] ? 1 : 0;
                    assertSameSeal(a, o, at);
                    assertEquals(0, dec.open(o), at + " opens");
                }
            }
            assertEquals(jdk.txCounters.txPackets, shim.txCounters.txPackets, "tx-packets");
            assertEquals(jdk.txCounters.txBytes, shim.txCounters.txBytes, "tx-bytes");
            assertEquals(jdk.txCounters.reasonMap(), shim.txCounters.reasonMap(), "drop reasons");
            assertEquals(0, jdk.encoder.framesHandedOver, "the JDK backend has no frame sealer");
            if (takeBacks) {
                assertEquals(eligibleSealed, shim.encoder.framesHandedOver + wrapped.notDone,
                        "common-shape frames: encapsulated by the shim, or handed back and sealed by the encoder");
                assertTrue(wrapped.notDone > 100, "frames handed back: " + wrapped.notDone);
            } else {
                assertEquals(eligibleSealed, shim.encoder.framesHandedOver, "common-shape frames the shim encapsulated");
            }
        }
        assertTrue(eligibleSealed > 300, "the generator must exercise the shim path: " + eligibleSealed);
    }

    /**
     * An engine whose {@link FrameSealer} keeps some frames from the real one (all when there is
     * none) and reports them {@link FrameSealer#NOT_DONE}, never touching them.
     */
    static final class NotDoneEngine implements AeadEngine {
        final AeadEngine inner;
        final SplittableRandom r;
        long notDone;
        /** Run at the start of every frame-sealer call (tests pull the rug there). */
        Runnable beforeSeal = () -> { };

        NotDoneEngine(AeadEngine inner, SplittableRandom r) {
            this.inner = inner;
            this.r = r;
        }

        @Override
        public AeadBackend backend() {
            return inner.backend();
        }

        @Override
        public AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len) {
            return inner.prepareKey(reuse, key, off, len);
        }

        @Override
        public int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return inner.seal(key, seg, off, aadLen, textLen);
        }

        @Override
        public int sealSplit(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen, MemorySegment src, long srcOff, int srcLen) {
            return inner.sealSplit(key, seg, off, aadLen, textLen, src, srcOff, srcLen);
        }

        @Override
        public int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return inner.open(key, seg, off, aadLen, textLen);
        }

        @Override
        public int sealBurst(AeadBurst burst) {
            return inner.sealBurst(burst);
        }

        @Override
        public int openBurst(AeadBurst burst) {
            return inner.openBurst(burst);
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public FrameSealer frameSealer(int capacity) {
            FrameSealer real = inner.frameSealer(capacity);
            int[] map = new int[capacity];
            return new FrameSealer() {
                int count;

                @Override
                public int capacity() {
                    return capacity;
                }

                @Override
                public void clear(boolean innerChecksums) {
                    count = 0;
                    if (real != null) {
                        real.clear(innerChecksums);
                    }
                }

                @Override
                public int add(AeadKey key, long frameAddress, int frameLength, long iv, long saWord, int sport, long vc) {
                    if (count == capacity) {
                        return -1;
                    }
                    int d = -1;
                    if (real != null && r.nextInt(3) != 0) {
                        d = real.add(key, frameAddress, frameLength, iv, saWord, sport, vc);
                        if (d < 0) {
                            return -1;
                        }
                    }
                    map[count] = d;
                    return count++;
                }

                @Override
                public int seal() {
                    beforeSeal.run();
                    return real == null ? 0 : real.seal();
                }

                @Override
                public int status(int i) {
                    if (map[i] < 0) {
                        notDone++;
                        return NOT_DONE;
                    }
                    return real.status(map[i]);
                }

                @Override
                public int hash(int i) {
                    return real.hash(map[i]);
                }
            };
        }
    }

    @Test
    void shimFlowHashIsTheJavaOne() {
        Assumptions.assumeTrue(NativeShim.isAvailable(), () -> "shim unavailable: " + NativeShim.unavailabilityCause());
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            int proto = r.nextBoolean() ? 6 : 17;
            long addrs = r.nextLong();
            int ports = r.nextInt();
            assertEquals(FlowHash.ofIpv4(proto, addrs, ports), NativeShim.flowHash(proto, addrs, ports));
        }
    }

    @Test
    void shimFlowHash6IsTheJavaOne() {
        Assumptions.assumeTrue(NativeShim.isAvailable(), () -> "shim unavailable: " + NativeShim.unavailabilityCause());
        SplittableRandom r = new SplittableRandom(8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(32, 8);
            for (int i = 0; i < 10_000; i++) {
                for (int w = 0; w < 4; w++) {
                    a.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8L * w, r.nextLong());
                }
                int proto = r.nextBoolean() ? 6 : 17;
                int ports = r.nextInt();
                assertEquals(FlowHash.ofIpv6(proto, a, 0, ports), NativeShim.flowHash6(proto, a.address(), ports));
            }
        }
    }

    /**
     * A frame handed back NOT_DONE whose take-back throws (its shared arena closed by another
     * party during the call) must not leave the IV it was handed over with pending: the encoder's
     * next packet, under another SA, gets that SA's own next IV.
     */
    @Test
    void aTakeBackThatThrowsLeavesNoIvBehind() {
        NotDoneEngine wrapped = new NotDoneEngine(AeadBackends.jdk().newEngine(), new SplittableRandom(1));
        try (CodecHarness h = new CodecHarness(wrapped, RoundTripTest.MK0, RoundTripTest.MK1, 0)) {
            TxSa first = h.install(sa(2, 0, 0, false, false, false, false, false, 5_000), 0x2001, 0);
            TxSa second = h.install(sa(2, 0, 0, false, false, false, false, false, 900_000), 0x2002, 0);
            Arena shared = Arena.ofShared();
            MemorySegment buf = shared.allocate(SLOT, 64);
            byte[] frame = commonShapeFrame();
            Packet p = place(buf, 0, frame, 256, 256);
            p.sa = first;
            Packet other = h.load(frame); // a second segment, checked last: p's is checked again at take-back
            other.sa = first;
            wrapped.beforeSeal = shared::close;
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> h.encoder.sealBurst(new Packet[] {p, other}, 2), "the take-back reads a closed segment");
            wrapped.beforeSeal = () -> { };
            Packet q = h.load(frame);
            q.sa = second;
            assertEquals(0, h.encoder.seal(q));
            assertEquals(900_000, Bytes.u64(q.segment, q.aeadOff + PspHeader.IV_OFFSET), "the second SA's own first IV");
        }
    }

    /** An IPv4/UDP frame of the common shape with 64 bytes of payload. */
    private static byte[] commonShapeFrame() {
        Random r = new Random(3);
        while (true) {
            byte[] f = FastPathDifferentialTest.frame(r);
            if (FastPathDifferentialTest.isCommonShape(f) && f.length < 2000) {
                return f;
            }
        }
    }

    /** The shim's checksum ({@code psp_shim_csum}: AVX2 and scalar tails) against {@link Checksum#sum}: every length to 2,100 bytes at every alignment mod 8, and jumbo and 64 KB runs. */
    @Test
    void shimChecksumIsTheJavaOne() {
        Assumptions.assumeTrue(NativeShim.isAvailable(), () -> "shim unavailable: " + NativeShim.unavailabilityCause());
        SplittableRandom r = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(70_000, 64);
            for (long i = 0; i < m.byteSize(); i++) {
                m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (r.nextInt(8) == 0 ? 0xff : r.nextInt(256)));
            }
            for (int len = 0; len <= 2100; len++) {
                int off = len % 8;
                long seed = r.nextLong(1L << 40);
                assertEquals(Checksum.finish(Checksum.sum(m, off, len, seed)),
                        Checksum.finish(NativeShim.checksum(m.address() + off, len, seed)), "length " + len + " at " + off);
            }
            for (int len : new int[] {8948, 9000, 65_507, 65_535, 69_999}) {
                assertEquals(Checksum.finish(Checksum.sum(m, 1, len, 0)), Checksum.finish(NativeShim.checksum(m.address() + 1, len, 0)),
                        "length " + len);
            }
            MemorySegment ones = arena.allocate(65_536, 64).fill((byte) 0xff); // every lane at its largest
            assertEquals(Checksum.finish(Checksum.sum(ones, 0, 65_536, 0)), Checksum.finish(NativeShim.checksum(ones.address(), 65_536, 0)));
        }
    }

    /** {@code o} was sealed as {@code a} was (a sealed packet): bytes and every record field. */
    static void assertSameSeal(Packet a, Packet o, String at) {
        assertArrayEquals(a.toByteArray(), o.toByteArray(), at + " bytes");
        assertEquals(a.offset - a.base, o.offset - o.base, at + " offset");
        assertEquals(a.aeadOff - a.offset, o.aeadOff - o.offset, at + " aeadOff");
        assertEquals(a.udpOff - a.offset, o.udpOff - o.offset, at + " udpOff");
        assertEquals(a.l3Off - a.offset, o.l3Off - o.offset, at + " l3Off");
        assertEquals(a.ipVersion, o.ipVersion, at + " ipVersion");
        assertEquals(a.aadLen, o.aadLen, at + " aadLen");
        assertEquals(a.textLen, o.textLen, at + " textLen");
        assertEquals(a.flowHash, o.flowHash, at + " flow hash");
    }

    /** A random transmit SA's settings (source-port policy kind 0..4, see {@link #sa}). */
    record SaChoice(int version, int co, boolean vc, int kind, boolean udpCsum, boolean tunnel, boolean s, boolean d) {
        static SaChoice draw(Random r) {
            int version = r.nextInt(4);
            int co = r.nextInt(8) == 0 ? 63 : r.nextInt(12);
            boolean vc = r.nextBoolean();
            int kind = r.nextInt(5);
            boolean udpCsum = r.nextInt(6) == 0;
            boolean tunnel = r.nextInt(8) == 0;
            boolean s = r.nextBoolean();
            boolean d = r.nextBoolean();
            return new SaChoice(version, co, vc, kind, udpCsum, tunnel, s, d);
        }

        TxSa.Builder builder(long iv0) {
            return sa(kind, version, co, vc, s, d, udpCsum, tunnel, iv0);
        }
    }

    static TxSa.Builder sa(int sportKind, int version, int co, boolean vc, boolean s, boolean d, boolean udpCsum,
                                   boolean tunnel, long iv0) {
        SourcePortPolicy sport = switch (sportKind) {
            case 0 -> SourcePortPolicy.referenceXor();
            case 1 -> SourcePortPolicy.fixed(5555);
            default -> SourcePortPolicy.flowHash();
        };
        return TxSa.builder().mode(tunnel ? Mode.TUNNEL : Mode.TRANSPORT).cryptOffset(co).vc(vc, 0x1122334455667788L)
                .sourcePort(sport).sBit(s).dBit(d).udpChecksum(udpCsum).ivSource(new CounterIvSource(iv0));
    }

    static Packet place(MemorySegment buf, int slot, byte[] frame, int head, int tail) {
        long at = (long) slot * SLOT + 256;
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, buf, at, frame.length);
        return new Packet().wrap(buf, at - head, Math.min(at + frame.length + tail, buf.byteSize()), at, frame.length);
    }
}
