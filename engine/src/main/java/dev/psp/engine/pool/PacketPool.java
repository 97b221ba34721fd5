package dev.psp.engine.pool;

import dev.psp.engine.psp.Packet;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Fixed-size packet slots in one off-heap slab, shaped like a DPDK mempool of mbufs: slot {@code i}
 * is {@code [i * slotSize, (i + 1) * slotSize)} of the slab, with {@link #headroom()} bytes in front
 * of the frame for encapsulation, {@link #dataRoom()} bytes of frame and {@link #tailroom()} bytes
 * behind it for the ICV. Every slot has one {@link Packet} descriptor, made once and reused; it
 * carries its home pool ({@link Packet#poolId}) and {@link Packet#slot}.
 *
 * <p>Ownership: one <em>owner</em> thread calls {@link #alloc}, {@link #allocBulk}, {@link #free},
 * {@link #freeBulk}, {@link #reclaim} and {@link #inUse}; the free list is a plain int stack. Any
 * other thread hands a packet back with {@link #release}, which is lock-free and goes through a
 * bounded MPSC queue the owner drains when its stack runs short. A packet always returns to the
 * pool it came from ({@link #home(Packet)}). Ownership moves with a happens-before edge (thread
 * start/join), e.g. to the thread that closes a pipeline.
 *
 * <p>Failures are values: an empty pool allocates nothing (0 / null); a double free, a free of a
 * foreign or unpooled descriptor is counted ({@link #doubleFrees()}, {@link #foreignFrees()}) and
 * ignored. {@link #close()} frees the slab; every descriptor is then unusable.
 */
public final class PacketPool implements AutoCloseable {
    /** The most fragments a chain's free walks (GRO's largest super-packet: {@code GroConfig} max segments 65535). */
    public static final int MAX_CHAIN = 65535;

    public static final int DEFAULT_HEADROOM = 256;
    public static final int DEFAULT_TAILROOM = 64;
    /** Jumbo frame data room (9216, as NICs size it). */
    public static final int JUMBO_DATA_ROOM = 9216;
    /** Data room for TSO super-packets: a 64 KiB IP packet plus L2 header. */
    public static final int TSO_DATA_ROOM = 65536 + 64;
    static final int SLOT_ALIGN = 64;
    /** Most pools alive at once (the id space of {@link Packet#poolId}). */
    public static final int MAX_POOLS = 1024;

    private static final AtomicReferenceArray<PacketPool> REGISTRY = new AtomicReferenceArray<>(MAX_POOLS);
    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int FREE = 0;
    private static final int IN_USE = 1;
    private static final int RETURNING = 2;

    private final int id;
    private final int capacity;
    private final int headroom;
    private final int dataRoom;
    private final long slotSize;
    private final Arena arena;
    private final MemorySegment slab;
    private final Packet[] packets;
    private final int[] state;
    private final int[] stack;
    private int top;
    private final ManyToOneConcurrentArrayQueue<Packet> returns;
    private final Consumer<Packet> reclaimOne = this::reclaimOne;
    private final AtomicLong doubleFrees = new AtomicLong();
    private final AtomicLong foreignFrees = new AtomicLong();
    private boolean closed;

    private PacketPool(int capacity, int headroom, int dataRoom, int tailroom) {
        if (capacity <= 0 || headroom < 0 || dataRoom <= 0 || tailroom < 0) {
            throw new IllegalArgumentException("bad pool geometry: capacity " + capacity + ", headroom " + headroom
                    + ", data room " + dataRoom + ", tailroom " + tailroom);
        }
        this.capacity = capacity;
        this.headroom = headroom;
        this.dataRoom = dataRoom;
        long raw = (long) headroom + dataRoom + tailroom;
        this.slotSize = (raw + SLOT_ALIGN - 1) / SLOT_ALIGN * SLOT_ALIGN;
        this.id = register(this);
        this.arena = packetArena();
        try {
            this.slab = arena.allocate(slotSize * capacity, SLOT_ALIGN);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            REGISTRY.set(id, null);
            throw e;
        }
        this.packets = new Packet[capacity];
        this.state = new int[capacity];
        this.stack = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            Packet p = new Packet();
            p.poolId = id;
            p.slot = i;
            packets[i] = p;
            reset(p);
            // lowest slot on top: allocation walks the slab forwards
            stack[i] = capacity - 1 - i;
        }
        this.top = capacity;
        this.returns = new ManyToOneConcurrentArrayQueue<>(capacity);
    }

    /**
     * A new arena for packet memory, as every pool allocates its slab: shared, since a pooled packet
     * may be touched by any thread. Other packet buffers (benchmark rings, TSO segment slabs) use it
     * too, so they pay what pooled packets pay per segment access (a confined arena adds an
     * owner-thread check to every access).
     */
    public static Arena packetArena() {
        return Arena.ofShared();
    }

    /** A pool of {@code capacity} jumbo slots with the default headroom and tailroom. */
    public static PacketPool create(int capacity) {
        return create(capacity, JUMBO_DATA_ROOM);
    }

    /** A pool of {@code capacity} slots of {@code dataRoom} bytes with the default headroom and tailroom. */
    public static PacketPool create(int capacity, int dataRoom) {
        return create(capacity, DEFAULT_HEADROOM, dataRoom, DEFAULT_TAILROOM);
    }

    /** A pool with an explicit slot geometry; each slot is rounded up to 64 bytes. */
    public static PacketPool create(int capacity, int headroom, int dataRoom, int tailroom) {
        return new PacketPool(capacity, headroom, dataRoom, tailroom);
    }

    private static int register(PacketPool pool) {
        for (int i = 0; i < MAX_POOLS; i++) {
            if (REGISTRY.get(i) == null && REGISTRY.compareAndSet(i, null, pool)) {
                return i;
            }
        }
        throw new IllegalStateException("more than " + MAX_POOLS + " packet pools alive");
    }

    /** The pool a pooled packet came from, or null for an unpooled descriptor or a closed pool. */
    public static PacketPool home(Packet p) {
        int pid = p.poolId;
        return pid < 0 || pid >= MAX_POOLS ? null : REGISTRY.get(pid);
    }

    /** Hands {@code p} back to its home pool from any thread; false (nothing done) when it has none. */
    public static boolean releaseHome(Packet p) {
        PacketPool pool = home(p);
        return pool != null && pool.release(p);
    }

    private void reset(Packet p) {
        long base = (long) p.slot * slotSize;
        p.wrap(slab, base, base + slotSize, base + headroom, 0);
        p.sa = null;
        p.flowHash = 0;
        p.tsSeconds = 0;
        p.tsNanos = 0;
    }

    /**
     * Takes exactly {@code n} packets into {@code out[0..n)}, or none: returns {@code n}, or 0 when
     * fewer than {@code n} are free (then {@code out} is untouched). Each packet is reset to an empty
     * frame at the start of its data room. Owner thread only.
     */
    public int allocBulk(Packet[] out, int n) {
        if (n <= 0) {
            return 0;
        }
        if (top < n) {
            reclaim();
            if (top < n) {
                return 0;
            }
        }
        for (int i = 0; i < n; i++) {
            int s = stack[--top];
            STATE.setRelease(state, s, IN_USE);
            Packet p = packets[s];
            reset(p);
            out[i] = p;
        }
        return n;
    }

    /** One packet, or null when the pool is empty. Owner thread only. */
    public Packet alloc() {
        if (top == 0) {
            reclaim();
            if (top == 0) {
                return null;
            }
        }
        int s = stack[--top];
        STATE.setRelease(state, s, IN_USE);
        Packet p = packets[s];
        reset(p);
        return p;
    }

    /**
     * Returns {@code p} to the free list; a double or foreign free is counted and ignored (and then
     * nothing of its chain is touched). A chain head ({@link Packet#next}, e.g. a zero-copy GRO
     * super-packet) frees its whole chain, like DPDK's {@code rte_pktmbuf_free}: each descriptor
     * once, to its home pool (a fragment from another pool goes back to it as by {@link #release}).
     * Owner thread only.
     */
    public boolean free(Packet p) {
        return freeWithChain(p, true) > 0;
    }

    /**
     * The one free path: {@code p} first, by the owner ({@code owner}: straight onto the free list)
     * or by {@link #release}; when that fails (double or foreign free, counted) nothing of its chain
     * is touched. Then each fragment once, to its home pool: onto this pool's free list when the
     * owner frees one of this pool's, else released. Every link is read before the descriptor
     * holding it is freed (another thread may reclaim and reuse it at once). Returns the
     * descriptors freed, {@code p} and fragments; 0 when {@code p} was not.
     */
    private int freeWithChain(Packet p, boolean owner) {
        Packet f = p == null ? null : p.next;
        if (!(owner ? freeOne(p) : releaseOne(p))) {
            return 0;
        }
        int freed = 1;
        // at most MAX_CHAIN links: a chain whose links loop (a caller's bug) would be walked forever;
        // past its first round every fragment is a counted double free, and the walk ends
        for (int links = 0; f != null && links < MAX_CHAIN; links++) {
            Packet nx = f.next;
            if (owner && owns(f) ? push(f) : releaseFragment(f)) {
                freed++;
            }
            f = nx;
        }
        return freed;
    }

    /** One chain fragment back to its home pool from any thread (never its own {@code next}: the caller walks). */
    private boolean releaseFragment(Packet f) {
        PacketPool h = home(f);
        if (h == null) {
            foreignFrees.incrementAndGet();
            return false;
        }
        return h.releaseOne(f);
    }

    private boolean freeOne(Packet p) {
        if (!owns(p)) {
            foreignFrees.incrementAndGet();
            return false;
        }
        return push(p);
    }

    /** One of this pool's packets ({@link #owns}) onto the free list, unless it is not in use (counted). Owner thread only. */
    private boolean push(Packet p) {
        if (!STATE.compareAndSet(state, p.slot, IN_USE, FREE)) {
            doubleFrees.incrementAndGet();
            return false;
        }
        stack[top++] = p.slot;
        return true;
    }

    /**
     * {@link #free} for {@code pkts[0..n)}; returns how many descriptors were actually freed, chain
     * fragments included. Owner thread only.
     */
    public int freeBulk(Packet[] pkts, int n) {
        int freed = 0;
        for (int i = 0; i < n; i++) {
            freed += freeWithChain(pkts[i], true);
        }
        return freed;
    }

    /**
     * Hands {@code p} back from any thread (lock-free, no allocation). It becomes allocatable once the
     * owner reclaims it. A double or foreign release is counted and ignored (its chain untouched). A
     * chain head releases its whole chain, each descriptor once to its home pool.
     */
    public boolean release(Packet p) {
        return freeWithChain(p, false) > 0;
    }

    private boolean releaseOne(Packet p) {
        if (!owns(p)) {
            foreignFrees.incrementAndGet();
            return false;
        }
        if (!STATE.compareAndSet(state, p.slot, IN_USE, RETURNING)) {
            doubleFrees.incrementAndGet();
            return false;
        }
        // cannot fail: each slot is RETURNING at most once and the queue holds every slot
        if (!returns.offer(p)) {
            throw new IllegalStateException("return queue overflow");
        }
        return true;
    }

    /** Moves every released packet onto the free list; returns how many. Owner thread only. */
    public int reclaim() {
        return returns.drain(reclaimOne);
    }

    private void reclaimOne(Packet p) {
        STATE.setRelease(state, p.slot, FREE);
        stack[top++] = p.slot;
    }

    private boolean owns(Packet p) {
        return p != null && p.poolId == id && p.slot >= 0 && p.slot < capacity && packets[p.slot] == p;
    }

    /** Packets allocated and not yet freed or reclaimed, after reclaiming pending releases. Owner thread only. */
    public int inUse() {
        reclaim();
        return capacity - top;
    }

    /** Packets on the free list now (released ones not yet reclaimed are not counted). Owner thread only. */
    public int available() {
        return top;
    }

    public int capacity() {
        return capacity;
    }

    public int id() {
        return id;
    }

    public int headroom() {
        return headroom;
    }

    public int dataRoom() {
        return dataRoom;
    }

    /** Tailroom behind a full data room (the slot's rounding to 64 bytes included). */
    public int tailroom() {
        return (int) (slotSize - headroom - dataRoom);
    }

    public long slotSize() {
        return slotSize;
    }

    /** The descriptor of slot {@code i} (tests and tools). */
    public Packet packet(int i) {
        return packets[i];
    }

    /** Frees and releases that hit a packet not in use (double free, or use after free). */
    public long doubleFrees() {
        return doubleFrees.get();
    }

    /** Frees and releases of a packet from another pool or no pool. */
    public long foreignFrees() {
        return foreignFrees.get();
    }

    /** Frees the slab and the pool id; idempotent. The caller guarantees no thread still uses a packet. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        REGISTRY.compareAndSet(id, this, null);
        arena.close();
    }

    @Override
    public String toString() {
        return "PacketPool[id=" + id + ", capacity=" + capacity + ", slot=" + slotSize + " (headroom " + headroom
                + ", data " + dataRoom + ", tailroom " + tailroom() + ")]";
    }
}
