package dev.psp.engine.crypto;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.psp.engine.wire.Bytes;
import dev.psp.ffm.NativeShim;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * AES-GCM through the native shim {@code libpspshim.so}: one downcall per burst with
 * structure-of-arrays descriptors ({@link NativeShim#VEC}) in per-engine off-heap buffers and a
 * status per record. Two instances: {@link #ipsecMb()} (intel-ipsec-mb, precomputed GCM key data)
 * and {@link #openSsl()} (OpenSSL EVP, one context per key). Single seal/open is a burst of one.
 * Heap records are staged through an off-heap scratch, one at a time, after the burst's off-heap
 * records.
 */
public final class ShimAeadBackend implements AeadBackend {
    public static final String IPSEC_MB_NAME = "shim-ipsecmb";
    public static final String OPENSSL_NAME = "shim-openssl";

    private final String name;
    private final int impl;
    private volatile String cause;
    private volatile boolean probed;

    private ShimAeadBackend(String name, int impl) {
        this.name = name;
        this.impl = impl;
    }

    public static ShimAeadBackend ipsecMb() {
        return new ShimAeadBackend(IPSEC_MB_NAME, NativeShim.IMPL_IPSEC_MB);
    }

    public static ShimAeadBackend openSsl() {
        return new ShimAeadBackend(OPENSSL_NAME, NativeShim.IMPL_OPENSSL);
    }

    @Override
    public String name() {
        return name;
    }

    private String probe() {
        if (!probed) {
            String c;
            if (!NativeShim.isAvailable()) {
                c = NativeShim.unavailabilityCause();
            } else if (NativeShim.available(impl) != 1) {
                c = NativeShim.loadedFrom() + " lacks this implementation: " + NativeShim.version(impl);
            } else {
                c = null;
            }
            cause = c;
            probed = true;
        }
        return cause;
    }

    @Override
    public boolean isAvailable() {
        return probe() == null;
    }

    @Override
    public String unavailabilityCause() {
        return probe();
    }

    @Override
    public String version() {
        return NativeShim.isAvailable() ? NativeShim.version(impl) : "n/a";
    }

    @Override
    public AeadEngine newEngine() {
        if (!isAvailable()) {
            throw new IllegalStateException(name + " backend unavailable: " + unavailabilityCause());
        }
        return new Engine(this);
    }

    /** The one mapping from the shim's per-record status to {@link AeadEngine} codes. */
    static int toAeadStatus(int nativeStatus) {
        if (nativeStatus == 0) {
            return AeadEngine.OK;
        }
        return nativeStatus == -NativeShim.EBADMSG ? AeadEngine.AUTH_FAIL : AeadEngine.ERROR;
    }

    static final class ShimKey extends AeadKey {
        final Engine owner;
        /** The owner's implementation: any engine of the same one can use the handle (one load per check). */
        final int impl;
        long handle;
        int len;

        ShimKey(Engine owner, long handle, int len) {
            this.owner = owner;
            this.impl = owner.impl;
            this.handle = handle;
            this.len = len;
        }

        @Override
        public int length() {
            return len;
        }

        @Override
        public void destroy() {
            if (handle != 0) {
                NativeShim.keyFree(owner.engine, handle); // wipes before freeing
                handle = 0;
                owner.keys.remove(this);
            }
        }
    }

    static final class Engine implements AeadEngine {
        private static final int INITIAL_CAPACITY = 64;
        private static final long ERR = 0;
        private static final long KEY = 16;
        private static final long RECORD = 64;

        private final ShimAeadBackend backend;
        /** {@code backend.impl}, held here for the per-packet key check. */
        private final int impl;
        private final Arena arena = Arena.ofShared();
        /** [err int | key staging | record staging for heap segments]. */
        private final MemorySegment scratch;
        final long engine;
        final List<ShimKey> keys = new ArrayList<>();
        /** Set by {@link #close()}: the native engine and the descriptors are freed; every record is refused. */
        private boolean closed;

        // SoA arrays are 8-byte aligned by allocation; unaligned layouts skip the per-access alignment check.
        private static final java.lang.foreign.ValueLayout.OfLong SOA_LONG = java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
        private static final java.lang.foreign.ValueLayout.OfInt SOA_INT = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

        // Structure-of-arrays burst descriptor, sized to the largest burst seen.
        private Arena soaArena;
        private int capacity;
        private MemorySegment vec;
        private MemorySegment bases;
        private MemorySegment aadLens;
        private MemorySegment textLens;
        private MemorySegment keyHandles;
        private MemorySegment statuses;
        private MemorySegment srcs;
        private MemorySegment srcLens;
        private MemorySegment textSums;
        // Filled with plain array stores per record, then copied to the native SoA in one bulk copy
        // per array per burst (per-element segment stores cost more than the crypto at 64 B).
        private long[] jBases;
        private int[] jAad;
        private int[] jText;
        private long[] jKeys;
        private long[] jSrcs;
        private int[] jSrcLens;
        private int[] jStatus;
        private long[] jSums;
        private int[] burstIndex = new int[0];
        private int[] heapIndex = new int[0];

        Engine(ShimAeadBackend backend) {
            this.backend = backend;
            this.impl = backend.impl;
            scratch = arena.allocate(padded(RECORD + JdkAeadBackend.MAX_RECORD), LINE_PAIR);
            engine = NativeShim.engineNew(backend.impl, scratch.address() + ERR);
            if (engine == 0) {
                int err = scratch.get(JAVA_INT, ERR);
                arena.close();
                throw new IllegalStateException(backend.name + ": psp_shim_engine_new failed: " + NativeShim.errnoName(err));
            }
            ensureCapacity(INITIAL_CAPACITY);
        }

        private void ensureCapacity(int n) {
            if (n <= capacity) {
                return;
            }
            if (soaArena != null) {
                soaArena.close();
            }
            soaArena = Arena.ofShared();
            vec = soaArena.allocate(padded(NativeShim.VEC.byteSize()), LINE_PAIR);
            bases = soaArena.allocate(padded(8L * n), LINE_PAIR);
            aadLens = soaArena.allocate(padded(4L * n), LINE_PAIR);
            textLens = soaArena.allocate(padded(4L * n), LINE_PAIR);
            keyHandles = soaArena.allocate(padded(8L * n), LINE_PAIR);
            statuses = soaArena.allocate(padded(4L * n), LINE_PAIR);
            srcs = soaArena.allocate(padded(8L * n), LINE_PAIR);
            srcLens = soaArena.allocate(padded(4L * n), LINE_PAIR);
            textSums = soaArena.allocate(padded(8L * n), LINE_PAIR);
            vec.set(JAVA_LONG, NativeShim.VEC_BASE_OFFSET, bases.address());
            vec.set(JAVA_LONG, NativeShim.VEC_AAD_LEN_OFFSET, aadLens.address());
            vec.set(JAVA_LONG, NativeShim.VEC_TEXT_LEN_OFFSET, textLens.address());
            vec.set(JAVA_LONG, NativeShim.VEC_KEY_OFFSET, keyHandles.address());
            vec.set(JAVA_LONG, NativeShim.VEC_STATUS_OFFSET, statuses.address());
            vec.set(JAVA_LONG, NativeShim.VEC_SRC_OFFSET, srcs.address());
            vec.set(JAVA_LONG, NativeShim.VEC_SRC_LEN_OFFSET, srcLens.address());
            vec.set(JAVA_LONG, NativeShim.VEC_TEXT_SUM_OFFSET, textSums.address());
            burstIndex = new int[n];
            heapIndex = new int[n];
            jBases = new long[n];
            jAad = new int[n];
            jText = new int[n];
            jKeys = new long[n];
            jSrcs = new long[n];
            jSrcLens = new int[n];
            jStatus = new int[n];
            jSums = new long[n];
            capacity = n;
        }

        @Override
        public AeadBackend backend() {
            return backend;
        }

        @Override
        public AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len) {
            AeadRecords.requireKeyLength(len);
            MemorySegment.copy(key, off, scratch, KEY, len);
            try {
                long keyAddr = scratch.address() + KEY;
                if (reuse instanceof ShimKey sk && sk.owner == this && sk.handle != 0) {
                    int rc = NativeShim.keyRekey(engine, sk.handle, keyAddr, len);
                    if (rc != 0) {
                        throw new IllegalStateException(backend.name + ": psp_shim_key_rekey failed: " + NativeShim.errnoName(rc));
                    }
                    sk.len = len;
                    return sk;
                }
                long h = NativeShim.keyNew(engine, keyAddr, len, scratch.address() + ERR);
                if (h == 0) {
                    throw new IllegalStateException(backend.name + ": psp_shim_key_new failed: "
                            + NativeShim.errnoName(scratch.get(JAVA_INT, ERR)));
                }
                ShimKey k = new ShimKey(this, h, len);
                keys.add(k);
                return k;
            } finally {
                scratch.asSlice(KEY, 32).fill((byte) 0);
            }
        }

        private long handleOf(AeadKey key) {
            return key instanceof ShimKey k && k.impl == impl ? k.handle : 0;
        }

        @Override
        public int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return one(key, seg, off, aadLen, textLen, true);
        }

        @Override
        public int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
            return one(key, seg, off, aadLen, textLen, false);
        }

        private int one(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen, boolean seal) {
            long h = handleOf(key);
            if (h == 0 || closed || !AeadRecords.valid(seg, off, aadLen, textLen)) {
                return ERROR;
            }
            if (seg.isNative()) {
                return callOne(h, seg.address() + off, aadLen, textLen, seal);
            }
            int total = aadLen + textLen + TAG_LENGTH;
            if (total > JdkAeadBackend.MAX_RECORD) {
                return ERROR;
            }
            MemorySegment.copy(seg, off, scratch, RECORD, seal ? aadLen + textLen : total);
            int rc = callOne(h, scratch.address() + RECORD, aadLen, textLen, seal);
            if (rc == OK) {
                MemorySegment.copy(scratch, RECORD + aadLen, seg, off + aadLen, seal ? textLen + TAG_LENGTH : textLen);
            }
            return rc;
        }

        private int callOne(long h, long rec, int aadLen, int textLen, boolean seal) {
            bases.set(JAVA_LONG, 0, rec);
            aadLens.set(JAVA_INT, 0, aadLen);
            textLens.set(JAVA_INT, 0, textLen);
            keyHandles.set(JAVA_LONG, 0, h);
            srcLens.set(JAVA_INT, 0, 0);
            vec.set(JAVA_INT, NativeShim.VEC_NUM_OFFSET, 1);
            vec.set(JAVA_INT, NativeShim.VEC_FLAGS_OFFSET, 0);
            int rc = seal ? NativeShim.sealBurst(engine, vec.address()) : NativeShim.openBurst(engine, vec.address());
            return rc < 0 ? ERROR : toAeadStatus(statuses.get(JAVA_INT, 0));
        }

        private static void materialize(AeadBurst burst, int i) {
            int sl = burst.sourceLength(i);
            if (sl > 0) {
                MemorySegment.copy(burst.source(i), burst.sourceOffset(i), burst.segment(i),
                        burst.offset(i) + burst.aadLength(i) + burst.textLength(i) - sl, sl);
            }
        }

        @Override
        public int sealSplit(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen,
                             MemorySegment src, long srcOff, int srcLen) {
            AeadBurst one = single;
            one.clear();
            one.addSplit(key, seg, off, aadLen, textLen, src, srcOff, srcLen);
            burst(one, true);
            return one.status(0);
        }

        private final AeadBurst single = new AeadBurst(1);
        private Frames frames;

        @Override
        public FrameSealer frameSealer(int capacity) {
            if (frames == null || frames.capacity() < capacity) {
                frames = new Frames(capacity);
            }
            return frames;
        }

        private Tso tso;

        /**
         * Descriptors the shim writes every burst get whole cache-line pairs of their own: engines
         * of different workers allocate from the same native heap, and a line shared between two of
         * them would bounce between cores (the adjacent-line prefetcher pairs lines: 128 bytes).
         */
        private static final long LINE_PAIR = 128;

        private static long padded(long size) {
            return (size + LINE_PAIR - 1) & -LINE_PAIR;
        }

        /**
         * A whole-call result {@code rc} of the shim: the count of records that succeeded, or a
         * negative errno for a refused call, in which case every one of the {@code n} statuses at
         * {@code statusArray} becomes {@code failStatus} (the shim wrote none). Returns the count.
         */
        private static int checkedCall(int rc, long statusArray, int n, int failStatus) {
            if (rc >= 0) {
                return rc;
            }
            for (int i = 0; i < n; i++) {
                Bytes.NATIVE.set(SOA_INT, statusArray + 4L * i, failStatus);
            }
            return 0;
        }

        @Override
        public TsoSealer tsoSealer(int capacity) {
            if (tso == null || tso.cap < capacity) {
                tso = new Tso(capacity);
            }
            return tso;
        }

        /** {@code struct psp_shim_tso} and its arrays in this engine's memory, written directly (as {@link Frames}). */
        final class Tso implements TsoSealer {
            private static final long NUM = NativeShim.tsoOffset("num");
            private static final long FLAGS = NativeShim.tsoOffset("flags");
            private static final long TMPL = NativeShim.tsoOffset("tmpl");
            private static final long HDR_LEN = NativeShim.tsoOffset("hdr_len");
            private static final long REC_OFF = NativeShim.tsoOffset("rec_off");
            private static final long AAD_LEN = NativeShim.tsoOffset("aad_len");
            private static final long TEXT_LEN = NativeShim.tsoOffset("text_len");
            private static final long SRC_LEN = NativeShim.tsoOffset("src_len");
            private static final long IP_OFF = NativeShim.tsoOffset("ip_off");
            private static final long OUTER_IP_OFF = NativeShim.tsoOffset("outer_ip_off");
            private static final long L4_OFF = NativeShim.tsoOffset("l4_off");
            private static final long CSUM_OFF = NativeShim.tsoOffset("csum_off");
            private static final long IP_SUM = NativeShim.tsoOffset("ip_sum");
            private static final long OUTER_SUM = NativeShim.tsoOffset("outer_sum");
            private static final long L4_SUM = NativeShim.tsoOffset("l4_sum");
            private static final long TCP_WORD12 = NativeShim.tsoOffset("tcp_word12");
            private static final long KEY_AT = NativeShim.tsoOffset("key");

            private final int cap;
            private final MemorySegment desc;
            private final long dst;
            private final long src;
            private final long iv;
            private final long id;
            private final long seq;
            private final long tcpFlags;
            private final long status;
            private int count;
            /** True after a {@link #begin} that succeeded: {@link #add} queues segments only against its template and key. */
            private boolean begun;

            Tso(int cap) {
                this.cap = cap;
                desc = arena.allocate(padded(NativeShim.TSO.byteSize()), LINE_PAIR);
                MemorySegment arrays = arena.allocate(padded(cap * 40L), LINE_PAIR);
                long at = arrays.address();
                dst = at;
                src = at + 8L * cap;
                iv = at + 16L * cap;
                id = at + 24L * cap;
                seq = at + 28L * cap;
                tcpFlags = at + 32L * cap;
                status = at + 36L * cap;
                desc.set(JAVA_LONG, NativeShim.tsoOffset("dst"), dst);
                desc.set(JAVA_LONG, NativeShim.tsoOffset("src"), src);
                desc.set(JAVA_LONG, NativeShim.tsoOffset("iv"), iv);
                desc.set(JAVA_LONG, NativeShim.tsoOffset("id"), id);
                desc.set(JAVA_LONG, NativeShim.tsoOffset("seq"), seq);
                desc.set(JAVA_LONG, NativeShim.tsoOffset("tcp_flags"), tcpFlags);
                desc.set(JAVA_LONG, NativeShim.tsoOffset("status"), status);
            }

            @Override
            public int capacity() {
                return cap;
            }

            @Override
            public boolean begin(AeadKey k, int flags, long template, int hdrLen, int recOff, int aadLen, int textLen,
                                 int srcLen, int ipOff, int outerIpOff, int l4Off, int csumOff, long ipSum, long outerSum,
                                 long l4Sum, int tcpWord12) {
                count = 0;
                begun = false;
                long h = handleOf(k);
                if (h == 0 || closed) {
                    return false;
                }
                MemorySegment d = desc;
                d.set(JAVA_INT, FLAGS, flags);
                d.set(JAVA_LONG, TMPL, template);
                d.set(JAVA_INT, HDR_LEN, hdrLen);
                d.set(JAVA_INT, REC_OFF, recOff);
                d.set(JAVA_INT, AAD_LEN, aadLen);
                d.set(JAVA_INT, TEXT_LEN, textLen);
                d.set(JAVA_INT, SRC_LEN, srcLen);
                d.set(JAVA_INT, IP_OFF, ipOff);
                d.set(JAVA_INT, OUTER_IP_OFF, outerIpOff);
                d.set(JAVA_INT, L4_OFF, l4Off);
                d.set(JAVA_INT, CSUM_OFF, csumOff);
                d.set(JAVA_LONG, IP_SUM, ipSum);
                d.set(JAVA_LONG, OUTER_SUM, outerSum);
                d.set(JAVA_LONG, L4_SUM, l4Sum);
                d.set(JAVA_INT, TCP_WORD12, tcpWord12);
                d.set(JAVA_LONG, KEY_AT, h);
                begun = true;
                return true;
            }

            @Override
            public int add(long dstAddress, long srcAddress, long ivValue, int ipId, int sequence, int flagsByte) {
                int i = count;
                if (i == cap || !begun || closed) { // closed: the arrays are freed
                    return -1;
                }
                MemorySegment m = Bytes.NATIVE;
                long i8 = 8L * i;
                long i4 = 4L * i;
                m.set(SOA_LONG, dst + i8, dstAddress);
                m.set(SOA_LONG, src + i8, srcAddress);
                m.set(SOA_LONG, iv + i8, ivValue);
                m.set(SOA_INT, id + i4, ipId);
                m.set(SOA_INT, seq + i4, sequence);
                m.set(SOA_INT, tcpFlags + i4, flagsByte);
                count = i + 1;
                return i;
            }

            @Override
            public int seal() {
                int n = count;
                if (n == 0 || closed) {
                    return 0;
                }
                desc.set(JAVA_INT, NUM, n);
                return checkedCall(NativeShim.sealTso(engine, desc.address()), status, n, -NativeShim.EINVAL);
            }

            @Override
            public int status(int i) {
                java.util.Objects.checkIndex(i, count);
                return !closed && Bytes.NATIVE.get(SOA_INT, status + 4L * i) == 0 ? OK : ERROR;
            }
        }

        /**
         * {@code struct psp_shim_frames} and its arrays in this engine's memory, written directly
         * (absolute addresses through {@link Bytes#NATIVE}: fixed arrays of known capacity, indexes
         * checked against it), so a frame costs a few plain stores and no staging copy.
         */
        final class Frames implements FrameSealer {
            private final int cap;
            private final MemorySegment desc;
            private final long frame;
            private final long frameLen;
            private final long iv;
            private final long sa;
            private final long vc;
            private final long sport;
            private final long key;
            private final long status;
            private final long hash;
            private int count;

            Frames(int cap) {
                this.cap = cap;
                desc = arena.allocate(padded(NativeShim.FRAMES.byteSize()), LINE_PAIR);
                MemorySegment arrays = arena.allocate(padded(cap * 56L), LINE_PAIR);
                long at = arrays.address();
                frame = at;
                iv = at + 8L * cap;
                sa = at + 16L * cap;
                vc = at + 24L * cap;
                key = at + 32L * cap;
                frameLen = at + 40L * cap;
                sport = at + 44L * cap;
                status = at + 48L * cap;
                hash = at + 52L * cap;
                desc.set(JAVA_LONG, NativeShim.FRAMES_FRAME_OFFSET, frame);
                desc.set(JAVA_LONG, NativeShim.FRAMES_FRAME_LEN_OFFSET, frameLen);
                desc.set(JAVA_LONG, NativeShim.FRAMES_IV_OFFSET, iv);
                desc.set(JAVA_LONG, NativeShim.FRAMES_SA_OFFSET, sa);
                desc.set(JAVA_LONG, NativeShim.FRAMES_VC_OFFSET, vc);
                desc.set(JAVA_LONG, NativeShim.FRAMES_SPORT_OFFSET, sport);
                desc.set(JAVA_LONG, NativeShim.FRAMES_KEY_OFFSET, key);
                desc.set(JAVA_LONG, NativeShim.FRAMES_STATUS_OFFSET, status);
                desc.set(JAVA_LONG, NativeShim.FRAMES_HASH_OFFSET, hash);
            }

            @Override
            public int capacity() {
                return cap;
            }

            @Override
            public void clear(boolean innerChecksums) {
                count = 0;
                if (!closed) {
                    desc.set(JAVA_INT, NativeShim.FRAMES_FLAGS_OFFSET, innerChecksums ? NativeShim.FRAMES_INNER_CSUM : 0);
                }
            }

            @Override
            public int add(AeadKey k, long frameAddress, int frameLength, long ivValue, long saWord, int sourcePort, long cookie) {
                long h = handleOf(k);
                int i = count;
                if (i == cap || h == 0 || closed) { // closed: the arrays are freed
                    return -1;
                }
                MemorySegment m = Bytes.NATIVE;
                long i8 = 8L * i;
                long i4 = 4L * i;
                m.set(SOA_LONG, frame + i8, frameAddress);
                m.set(SOA_LONG, iv + i8, ivValue);
                m.set(SOA_LONG, sa + i8, saWord);
                m.set(SOA_LONG, vc + i8, cookie);
                m.set(SOA_LONG, key + i8, h);
                m.set(SOA_INT, frameLen + i4, frameLength);
                m.set(SOA_INT, sport + i4, sourcePort);
                count = i + 1;
                return i;
            }

            @Override
            public int seal() {
                int n = count;
                if (n == 0 || closed) {
                    return 0;
                }
                desc.set(JAVA_INT, NativeShim.FRAMES_NUM_OFFSET, n);
                return checkedCall(NativeShim.sealFrames(engine, desc.address()), status, n, -NativeShim.ENOTSUP);
            }

            @Override
            public int status(int i) {
                java.util.Objects.checkIndex(i, count);
                if (closed) {
                    return NOT_DONE; // closed before seal: the frame was not touched
                }
                int st = Bytes.NATIVE.get(SOA_INT, status + 4L * i);
                return st == 0 ? OK : st == -NativeShim.ENOTSUP ? NOT_DONE : ERROR;
            }

            @Override
            public int hash(int i) {
                java.util.Objects.checkIndex(i, count);
                return closed ? 0 : Bytes.NATIVE.get(SOA_INT, hash + 4L * i);
            }
        }

        @Override
        public int sealBurst(AeadBurst burst) {
            return burst(burst, true);
        }

        @Override
        public int openBurst(AeadBurst burst) {
            return burst(burst, false);
        }

        private int burst(AeadBurst burst, boolean seal) {
            int n = burst.count();
            if (closed) {
                for (int i = 0; i < n; i++) {
                    burst.status(i, ERROR);
                }
                return 0;
            }
            ensureCapacity(n);
            int m = 0;
            int heap = 0;
            boolean stage = burst.stageSplitHeads();
            MemorySegment live = null; // found alive and accessible in this burst: records mostly share a pool's segment
            for (int i = 0; i < n; i++) {
                MemorySegment seg = burst.segment(i);
                long off = burst.offset(i);
                int aadLen = burst.aadLength(i);
                int textLen = burst.textLength(i);
                long h = handleOf(burst.key(i));
                int sl = burst.sourceLength(i);
                MemorySegment src = burst.source(i);
                if (h == 0 || !AeadRecords.inBounds(seg, off, aadLen, textLen) || (seg != live && !AeadRecords.accessible(seg))
                        || (sl != 0 && (sl > textLen || !AeadRecords.validSource(src, burst.sourceOffset(i), sl)))) {
                    burst.status(i, ERROR);
                    continue;
                }
                live = seg;
                if (!seg.isNative()) {
                    materialize(burst, i);
                    heapIndex[heap++] = i;
                } else {
                    if (sl > 0 && !src.isNative()) {
                        materialize(burst, i); // the shim streams only from native memory
                        sl = 0;
                    } else if (sl > 0 && (src.isReadOnly() || burst.sourceOffset(i) < textLen - sl)) {
                        stage = false; // no room in front of this source: stream the burst's splits
                    }
                    jBases[m] = seg.address() + off;
                    jAad[m] = aadLen;
                    jText[m] = textLen;
                    jKeys[m] = h;
                    jSrcLens[m] = sl;
                    jSrcs[m] = sl > 0 ? src.address() + burst.sourceOffset(i) : 0L;
                    burstIndex[m++] = i;
                }
            }
            int ok = 0;
            if (m > 0) {
                MemorySegment.copy(jBases, 0, bases, SOA_LONG, 0, m);
                MemorySegment.copy(jAad, 0, aadLens, SOA_INT, 0, m);
                MemorySegment.copy(jText, 0, textLens, SOA_INT, 0, m);
                MemorySegment.copy(jKeys, 0, keyHandles, SOA_LONG, 0, m);
                MemorySegment.copy(jSrcLens, 0, srcLens, SOA_INT, 0, m);
                MemorySegment.copy(jSrcs, 0, srcs, SOA_LONG, 0, m);
                vec.set(JAVA_INT, NativeShim.VEC_NUM_OFFSET, m);
                boolean sums = !seal && burst.sumTexts();
                vec.set(JAVA_INT, NativeShim.VEC_FLAGS_OFFSET,
                        seal && stage ? NativeShim.F_SPLIT_STAGE : sums ? NativeShim.F_TEXT_SUM : 0);
                int rc = seal ? NativeShim.sealBurst(engine, vec.address()) : NativeShim.openBurst(engine, vec.address());
                MemorySegment.copy(statuses, SOA_INT, 0, jStatus, 0, m);
                if (sums) {
                    MemorySegment.copy(textSums, SOA_LONG, 0, jSums, 0, m);
                }
                for (int j = 0; j < m; j++) {
                    int st = rc < 0 ? ERROR : toAeadStatus(jStatus[j]);
                    burst.status(burstIndex[j], st);
                    if (sums && st == OK) {
                        burst.textSum(burstIndex[j], jSums[j]);
                    }
                    ok += st == OK ? 1 : 0;
                }
            }
            for (int j = 0; j < heap; j++) {
                int i = heapIndex[j];
                int st = one(burst.key(i), burst.segment(i), burst.offset(i), burst.aadLength(i), burst.textLength(i), seal);
                burst.status(i, st);
                ok += st == OK ? 1 : 0;
            }
            return ok;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (ShimKey k : List.copyOf(keys)) {
                k.destroy();
            }
            NativeShim.engineFree(engine);
            scratch.fill((byte) 0);
            arena.close();
            soaArena.close();
        }
    }
}
