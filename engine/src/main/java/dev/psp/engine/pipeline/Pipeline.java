package dev.psp.engine.pipeline;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.FlowHash;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The packet pipeline: source thread → one single-producer Disruptor ring per worker → N workers
 * ({@code psp-worker-N}) → one multi-producer output ring → sink thread. Ring entries carry
 * {@link Packet} descriptors of pool slots, never bytes.
 *
 * <p>RSS: the source thread hashes each frame's 5-tuple ({@link FlowHash}; 0 when unparsable) into
 * {@link Packet#flowHash} and sends it to worker {@code (flowHash & 0x7fffffff) % N}, so a flow
 * always meets the same worker and stays in order through it and the output ring. Each worker owns
 * its {@link WorkerStage} (engine, codec, counters, telemetry) and calls it once per batch (the
 * Disruptor batch, capped at {@code burst}), then publishes the batch to the output ring in one claim.
 *
 * <p>Backpressure, no loss: a full worker ring blocks the source, a full output ring blocks the
 * workers, an empty pool makes the source wait for the sink's releases. Nothing is dropped silently:
 * {@code in == delivered + passedThrough + dropped} ({@link Stats#conserved()}), drops by reason.
 *
 * <p>Lifecycle: {@link #start()}, then {@link #awaitDrain()} (a finite source) or {@link #close()}
 * (stops the source first). Both process everything in flight before halting the processors;
 * {@code close()} then closes the stages, sink and source, and reclaims every released slot (the
 * closing thread becomes the pool's owner). Statistics are written by the pipeline threads and exact
 * once drained; before that they are a best-effort snapshot.
 */
public final class Pipeline implements AutoCloseable {

    /** A ring entry: one packet descriptor. */
    static final class PacketEvent {
        Packet packet;
    }

    private final int workers;
    private final int burst;
    private final boolean passThrough;
    private final PacketPool pool;
    private final boolean ownsPool;
    private final Source source;
    private final Sink sink;
    private final WorkerStage.Factory stageFactory;
    private final RingBuffer<PacketEvent>[] rings;
    private final WorkerHandler[] handlers;
    private final BatchEventProcessor<PacketEvent>[] workerProcessors;
    private final RingBuffer<PacketEvent> out;
    private final BatchEventProcessor<PacketEvent> sinkProcessor;
    private final SinkHandler sinkHandler;
    private final Thread sourceThread;
    private final Thread[] workerThreads;
    private final Thread sinkThread;

    private volatile boolean stopRequested;
    private volatile boolean sourceDone;
    private volatile Throwable failure;
    private volatile long in;
    private boolean started;
    private boolean drained;
    private boolean closed;

    @SuppressWarnings("unchecked")
    private Pipeline(Builder b) {
        this.workers = b.workers;
        this.burst = b.burst;
        this.passThrough = b.passThrough;
        this.source = Objects.requireNonNull(b.source, "source");
        this.sink = Objects.requireNonNull(b.sink, "sink");
        Objects.requireNonNull(b.stageFactory, "stage");
        if (Integer.bitCount(b.ringSize) != 1 || Integer.bitCount(b.outputRingSize) != 1) {
            throw new IllegalArgumentException("ring sizes must be powers of two");
        }
        if (burst < 1 || burst > b.ringSize || burst > b.outputRingSize) {
            throw new IllegalArgumentException("burst must be 1..min(ring sizes), got " + burst);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("need at least one worker");
        }
        if (b.pool != null) {
            this.pool = b.pool;
            this.ownsPool = false;
        } else {
            this.pool = PacketPool.create(workers * b.ringSize + b.outputRingSize + 2 * burst);
            this.ownsPool = true;
        }
        if (pool.capacity() < burst) {
            throw new IllegalArgumentException("pool capacity " + pool.capacity() + " below burst " + burst);
        }
        ExceptionHandler<PacketEvent> eh = new FailureRecorder();
        this.stageFactory = b.stageFactory;
        this.rings = new RingBuffer[workers];
        this.handlers = new WorkerHandler[workers];
        this.workerProcessors = new BatchEventProcessor[workers];
        this.workerThreads = new Thread[workers];
        this.out = RingBuffer.createMultiProducer(PacketEvent::new, b.outputRingSize, b.waitStrategy.get());
        for (int w = 0; w < workers; w++) {
                rings[w] = RingBuffer.createSingleProducer(PacketEvent::new, b.ringSize, b.waitStrategy.get());
                handlers[w] = new WorkerHandler(w, out, burst);
                BatchEventProcessor<PacketEvent> proc = new BatchEventProcessorBuilder().setMaxBatchSize(burst)
                        .build(rings[w], rings[w].newBarrier(), handlers[w]);
                proc.setExceptionHandler(eh);
                rings[w].addGatingSequences(proc.getSequence());
                workerProcessors[w] = proc;
                workerThreads[w] = new Thread(proc, "psp-worker-" + w);
        }
        this.sinkHandler = new SinkHandler();
        this.sinkProcessor = new BatchEventProcessorBuilder().setMaxBatchSize(Math.max(burst, 64))
                .build(out, out.newBarrier(), sinkHandler);
        sinkProcessor.setExceptionHandler(eh);
        out.addGatingSequences(sinkProcessor.getSequence());
        this.sinkThread = new Thread(sinkProcessor, "psp-sink");
        this.sourceThread = new Thread(this::runSource, "psp-source");
        sinkThread.setDaemon(true);
        sourceThread.setDaemon(true);
        for (Thread t : workerThreads) {
            t.setDaemon(true);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the sink, the workers, then the source. */
    public synchronized Pipeline start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        sinkThread.start();
        for (Thread t : workerThreads) {
            t.start();
        }
        sourceThread.start();
        return this;
    }

    /** The worker a flow hash maps to. */
    public static int workerOf(int flowHash, int workers) {
        return (flowHash & 0x7fffffff) % workers;
    }

    private void runSource() {
        Packet[] buf = new Packet[burst];
        Packet[][] byWorker = new Packet[workers][burst];
        int[] counts = new int[workers];
        PacketHeaders h = new PacketHeaders();
        int idle = 0;
        try {
            while (!stopRequested && failure == null) {
                int n = source.poll(pool, buf, burst);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    idle = backoff(idle);
                    continue;
                }
                idle = 0;
                in += n; // before any of them is published: a snapshot never shows more out than in
                for (int i = 0; i < n; i++) {
                    Packet p = buf[i];
                    int hash = h.parse(p.segment, p.offset, p.length) == PacketHeaders.OK ? FlowHash.of(h) : 0;
                    p.flowHash = hash;
                    int w = workerOf(hash, workers);
                    byWorker[w][counts[w]++] = p;
                    buf[i] = null;
                }
                for (int w = 0; w < workers; w++) {
                    int k = counts[w];
                    if (k == 0) {
                        continue;
                    }
                    RingBuffer<PacketEvent> r = rings[w];
                    long hi = r.next(k); // blocks while the worker's ring is full: backpressure
                    long lo = hi - (k - 1);
                    Packet[] ps = byWorker[w];
                    for (int j = 0; j < k; j++) {
                        r.get(lo + j).packet = ps[j];
                        ps[j] = null;
                    }
                    r.publish(lo, hi);
                    counts[w] = 0;
                }
            }
        } catch (Throwable t) {
            recordFailure(t);
        } finally {
            sourceDone = true;
        }
    }

    private static int backoff(int idle) {
        if (idle < 100) {
            Thread.onSpinWait();
        } else if (idle < 200) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(50_000);
        }
        return idle + 1;
    }

    private void recordFailure(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    /**
     * Waits until the source has ended and every packet it produced has reached the sink, then halts
     * the workers and the sink. Throws {@link IllegalStateException} if a pipeline thread failed.
     */
    public void awaitDrain() throws InterruptedException {
        if (!started) {
            throw new IllegalStateException("not started");
        }
        while (sourceThread.isAlive()) {
            checkFailure();
            sourceThread.join(1);
        }
        checkFailure();
        for (int w = 0; w < workers; w++) {
            long target = rings[w].getCursor();
            while (workerProcessors[w].getSequence().get() < target) {
                checkFailure();
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
        }
        long target = out.getCursor();
        while (sinkProcessor.getSequence().get() < target) {
            checkFailure();
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        halt();
        // a failure in the last batch (after the waits above last looked) or in a stage's close
        // (on halt) must not pass for a clean drain
        checkFailure();
    }

    private void checkFailure() {
        Throwable t = failure;
        if (t != null) {
            stopRequested = true;
            halt();
            throw new IllegalStateException("pipeline thread failed", t);
        }
    }

    private synchronized void halt() {
        if (drained) {
            return;
        }
        drained = true;
        // after a clean drain nothing blocks; after a failure a thread may be stuck claiming a ring
        // slot nobody frees, so it is left behind (daemon) rather than hanging the caller
        long wait = failure == null ? 0 : TimeUnit.SECONDS.toMillis(2);
        try {
            // a failure stops the source at its next poll: wait for that (the workers still take what
            // it publishes meanwhile) before the caller closes the source and reclaims the pool
            if (sourceThread.isAlive()) {
                sourceThread.join(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (BatchEventProcessor<PacketEvent> p : workerProcessors) {
            p.halt();
        }
        sinkProcessor.halt();
        try {
            for (Thread t : workerThreads) {
                t.join(wait);
            }
            sinkThread.join(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True once the source has no more packets (or was stopped). */
    public boolean sourceDone() {
        return sourceDone;
    }

    /**
     * Stops the source, drains everything in flight, halts the processors, closes the stages, sink
     * and source, and reclaims every slot (closing the pool if the pipeline made it). Idempotent.
     */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        stopRequested = true;
        Exception first = null;
        if (started) {
            try {
                awaitDrain();
            } catch (Exception e) {
                first = e;
            }
        }
        try {
            sink.close();
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        try {
            source.close();
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        pool.reclaim();
        if (ownsPool) {
            pool.close();
        }
        if (first != null) {
            throw first;
        }
    }

    /** The pool packets are allocated from. */
    public PacketPool pool() {
        return pool;
    }

    public int workers() {
        return workers;
    }

    /** Packet accounting so far (exact once drained). */
    public Stats stats() {
        SinkHandler s = sinkHandler;
        long delivered = s.delivered;
        long deliveredBytes = s.deliveredBytes;
        long passedThrough = s.passedThrough;
        long dropped = s.dropped;
        long[] drops = s.drops.clone();
        long sinkErrors = s.sinkErrors;
        // what came out is read before what went in, so that a snapshot taken while running never
        // shows more out than in
        VarHandle.acquireFence();
        return new Stats(in, delivered, deliveredBytes, passedThrough, dropped, drops, sinkErrors, source.skipped());
    }

    /** The workers' counters, merged. */
    public PspCounters counters() {
        PspCounters total = new PspCounters();
        for (WorkerHandler h : handlers) {
            if (h.stage != null) {
                h.stage.counters().addTo(total);
            }
        }
        return total;
    }

    /** Worker {@code w}'s own counters. */
    public PspCounters counters(int w) {
        WorkerStage s = handlers[w].stage;
        return s == null ? new PspCounters() : s.counters();
    }

    /** The workers' flow telemetry, merged. */
    public FlowTelemetry.Merged telemetry() {
        FlowTelemetry.Merged m = new FlowTelemetry.Merged();
        for (WorkerHandler h : handlers) {
            if (h.stage != null) {
                h.stage.telemetry().addTo(m);
            }
        }
        return m;
    }

    /** Batches each worker handed to its stage so far (how well bursts formed). */
    public long[] batches() {
        long[] b = new long[workers];
        for (int w = 0; w < workers; w++) {
            b[w] = handlers[w].batches;
        }
        return b;
    }

    /**
     * Packet accounting: every packet the source produced ({@code in}) was delivered, passed through
     * (decrypt, not PSP) or dropped with a reason ({@code dropsByReason}, indexed by
     * {@link Reason#code()}); {@code sourceSkipped} records never entered. {@code sinkErrors}: calls
     * into the sink that threw: a packet's deliver or reject (the packet stays counted where it was
     * headed: it reached the sink) or an end-of-batch hint.
     */
    public record Stats(long in, long delivered, long deliveredBytes, long passedThrough, long dropped,
                        long[] dropsByReason, long sinkErrors, long sourceSkipped) {
        public boolean conserved() {
            return in == delivered + passedThrough + dropped;
        }

        public long drops(Reason r) {
            return dropsByReason[r.code()];
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("in=" + in + " delivered=" + delivered + " bytes=" + deliveredBytes
                    + " passed-through=" + passedThrough + " dropped=" + dropped);
            for (Reason r : Reason.values()) {
                if (dropsByReason[r.code()] != 0) {
                    sb.append(' ').append(r.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(dropsByReason[r.code()]);
                }
            }
            return sb.append(" sink-errors=").append(sinkErrors).append(" source-skipped=").append(sourceSkipped).toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Stats s && in == s.in && delivered == s.delivered && deliveredBytes == s.deliveredBytes
                    && passedThrough == s.passedThrough && dropped == s.dropped && Arrays.equals(dropsByReason, s.dropsByReason)
                    && sinkErrors == s.sinkErrors && sourceSkipped == s.sourceSkipped;
        }

        @Override
        public int hashCode() {
            return Objects.hash(in, delivered, dropped, Arrays.hashCode(dropsByReason));
        }
    }

    /**
     * A worker: gathers a Disruptor batch (at most {@code burst}), processes it once, publishes it in
     * one claim. The stage is made and closed on the worker thread (it may hold confined arenas);
     * its counters and telemetry stay readable after close.
     */
    private final class WorkerHandler implements EventHandler<PacketEvent> {
        private final int index;
        volatile WorkerStage stage;
        private final RingBuffer<PacketEvent> out;
        private final Packet[] batch;
        private int n;
        long batches;

        WorkerHandler(int index, RingBuffer<PacketEvent> out, int burst) {
            this.index = index;
            this.out = out;
            this.batch = new Packet[burst];
        }

        @Override
        public void onEvent(PacketEvent e, long sequence, boolean endOfBatch) {
            batch[n++] = e.packet;
            e.packet = null;
            if (endOfBatch || n == batch.length) {
                flush();
            }
        }

        @Override
        public void onStart() {
            stage = stageFactory.create(index, burst);
        }

        @Override
        public void onShutdown() {
            WorkerStage s = stage;
            if (s != null) {
                s.close();
            }
        }

        private void flush() {
            int k = n;
            try {
                stage.process(batch, k);
            } catch (Throwable t) {
                // the failure is recorded and fails the drain; the batch (in an unknown state) goes
                // back to its pool, never again through the stage nor to the sink
                for (int j = 0; j < k; j++) {
                    PacketPool.releaseHome(batch[j]);
                    batch[j] = null;
                }
                n = 0;
                throw t;
            }
            long hi = out.next(k); // blocks while the output ring is full: backpressure
            long lo = hi - (k - 1);
            for (int j = 0; j < k; j++) {
                out.get(lo + j).packet = batch[j];
                batch[j] = null;
            }
            out.publish(lo, hi);
            n = 0;
            batches++;
        }
    }

    /** The sink thread: accounts each packet, hands it to the sink, releases it to its pool. */
    private final class SinkHandler implements EventHandler<PacketEvent> {
        final long[] drops = new long[Reason.values().length];
        long delivered;
        long deliveredBytes;
        long passedThrough;
        long dropped;
        long sinkErrors;
        long unpooled;

        @Override
        public void onEvent(PacketEvent e, long sequence, boolean endOfBatch) {
            Packet p = e.packet;
            e.packet = null;
            int r = p.result;
            try {
                if (r == 0) {
                    delivered++;
                    deliveredBytes += p.length;
                    sink.deliver(p);
                } else if (r == Reason.NOT_PSP.code() && passThrough) {
                    passedThrough++;
                    sink.deliver(p);
                } else {
                    dropped++;
                    drops[r]++;
                    sink.reject(p);
                }
            } catch (RuntimeException ex) {
                sinkErrors++; // counted where it was headed (delivered, passed through or dropped) and here
            } finally {
                if (!PacketPool.releaseHome(p)) {
                    unpooled++;
                }
            }
            if (endOfBatch) {
                try {
                    sink.endOfBatch(); // also after the batch's last packet failed in the sink
                } catch (RuntimeException ex) {
                    sinkErrors++;
                }
            }
        }
    }

    /** Keeps the first exception of any processor; the drain then fails instead of hanging. */
    private final class FailureRecorder implements ExceptionHandler<PacketEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, PacketEvent event) {
            recordFailure(ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            recordFailure(ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            recordFailure(ex);
        }
    }

    /** Pipeline configuration. */
    public static final class Builder {
        private int workers = 2;
        private int ringSize = 1024;
        private int outputRingSize = 2048;
        private int burst = 32;
        private boolean passThrough = true;
        private PacketPool pool;
        private Source source;
        private Sink sink;
        private WorkerStage.Factory stageFactory;
        private Supplier<WaitStrategy> waitStrategy = SleepingWaitStrategy::new;

        public Builder workers(int v) { workers = v; return this; }
        /** Entries per worker ring (power of two). */
        public Builder ringSize(int v) { ringSize = v; return this; }
        /** Entries in the output ring (power of two). */
        public Builder outputRingSize(int v) { outputRingSize = v; return this; }
        /** Most packets per codec call; at most both ring sizes. */
        public Builder burst(int v) { burst = v; return this; }
        /** Decrypt: deliver non-PSP packets unchanged (true, default) or drop them (counted as NOT_PSP). */
        public Builder passThrough(boolean v) { passThrough = v; return this; }
        /** The pool packets come from (the caller keeps it); by default the pipeline makes and closes one. */
        public Builder pool(PacketPool v) { pool = v; return this; }
        public Builder source(Source v) { source = v; return this; }
        public Builder sink(Sink v) { sink = v; return this; }
        /** What each worker does: {@link EncryptStage#factory} or {@link DecryptStage#factory}. */
        public Builder stage(WorkerStage.Factory v) { stageFactory = v; return this; }
        /** Consumer wait strategy, one per ring (default: sleeping; busy-spin only with a core per thread). */
        public Builder waitStrategy(Supplier<WaitStrategy> v) { waitStrategy = v; return this; }

        public Pipeline build() {
            return new Pipeline(this);
        }
    }
}
