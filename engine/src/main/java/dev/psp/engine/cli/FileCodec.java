package dev.psp.engine.cli;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.GroBatch;
import dev.psp.engine.offload.GroCoalescer;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.offload.GroCounters;
import dev.psp.engine.offload.TsoCounters;
import dev.psp.engine.offload.TsoSegmenter;
import dev.psp.engine.pcap.PcapReader;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.psp.TxSa;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Encrypts or decrypts a pcap file in bursts through the codec, in place in off-heap slots (one
 * copy from the mapped file into a slot, as a NIC's DMA would). Bad packets are counted and
 * dropped, packets that are not PSP pass through decrypt unchanged, and the output keeps the
 * input order and timestamps.
 */
public final class FileCodec implements AutoCloseable {
    public static final int HEADROOM = 256;
    public static final int DATA_ROOM = 65536 + 1024;
    public static final int TAILROOM = 64;
    public static final int BURST = 32;
    public static final int LINKTYPE_ETHERNET = 1;

    private final Arena arena = PacketPool.packetArena(); // the TSO segment slab: packet memory like the pool's
    /**
     * Zero-copy GRO ({@link GroConfig.Merge#CHAIN}): how many flows' chains of the configured
     * {@link GroConfig#maxSegments} the pool holds across bursts at once.
     */
    static final int CHAIN_FLOWS = 2;
    /**
     * Most slots for held chains, whatever {@code --gro-max-segments} says (a slot holds a 64 KiB
     * frame): one 64 KiB super-packet needs more only with segments under 64 payload bytes.
     */
    static final int MAX_CHAIN_SLOTS = 1024;
    /** Packet slots, made on first use: {@link #poolSlots} for the GRO configuration. */
    private PacketPool pool;
    private final Packet[] order = new Packet[BURST];
    private final Packet[] work = new Packet[BURST];
    public final PspCounters counters = new PspCounters();
    /** Why the input ended early and/or what was skipped as malformed (the first one), or null. */
    public String readError;
    public long written;

    /** Decrypt: verify every inner TCP/UDP checksum after decryption; bad ones are counted (rx-inner-csum-bad) and dropped. */
    public boolean verifyInnerChecksums;

    /** Encrypt: compute every inner TCP/UDP checksum before sealing (checksum-offload emulation; TSO segments always get theirs). */
    public boolean innerChecksums;

    /**
     * Dropped packets' input records go to this pcap ({@link #dropCapture}), null: not captured.
     * The record as it was read (for decrypt the received ciphertext: a packet that failed to
     * open never leaves as plaintext), with its capture timestamp.
     */
    private Path dropFile;
    /** At most this many captured drops per second of capture time; the rest only counted. */
    private int dropLimit;
    /** Drops written to the capture file, and those the limit kept out. */
    public long dropCaptured;
    public long dropSuppressed;
    private PcapWriter dropWriter;
    private long dropSecond = Long.MIN_VALUE;
    private int dropsInSecond;
    /** The input (mapped) and each slot's record in it: where a dropped packet's original bytes are. */
    private MemorySegment input;
    private long[] recordOffset;
    private int[] recordLength;

    public FileCodec() {
    }

    /**
     * Writes the input record of every packet dropped (counted under any reason: malformed, not
     * IP, failed to seal, failed to open, bad inner checksum, too big for the output) to the pcap
     * {@code file}, at most {@code perSecond} of them per second of capture time (the rest are
     * counted in {@link #dropSuppressed}). Records the reader itself could not delimit are counted
     * only. Call before {@link #encrypt} or {@link #decrypt}.
     */
    public void dropCapture(Path file, int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("drop capture limit must be at least 1 a second, got " + perSecond);
        }
        dropFile = file;
        dropLimit = perSecond;
    }

    /** The drop capture file, or null when drops are not captured. */
    public Path dropCaptureFile() {
        return dropFile;
    }

    /** Closes the drop capture, naming it in a failure (runNamed would name the output). */
    private interface DropsCloser extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** Opens the drop capture ({@link #dropWriter}) when one was asked for. */
    private DropsCloser openDrops(boolean nanos) throws IOException {
        if (dropFile == null) {
            return () -> { };
        }
        try {
            dropWriter = PcapWriter.create(dropFile, 262144, LINKTYPE_ETHERNET, nanos);
        } catch (IOException e) {
            throw dropFailure(e);
        }
        PcapWriter w = dropWriter;
        return () -> {
            try {
                w.close();
            } catch (IOException e) {
                throw dropFailure(e);
            }
        };
    }

    private FileException dropFailure(IOException e) {
        return new FileException("cannot write drop capture " + dropFile + ": " + FileArgs.reason(e), e);
    }

    /** One dropped record, unless this second of capture time has had its share. */
    private void captureDrop(long off, int cap, int origLen, long sec, int nanos) throws IOException {
        if (sec != dropSecond) {
            dropSecond = sec;
            dropsInSecond = 0;
        }
        if (dropsInSecond >= dropLimit) {
            dropSuppressed++;
            return;
        }
        dropsInSecond++;
        try {
            dropWriter.write(input, off, cap, origLen, sec, nanos);
        } catch (IOException e) {
            throw dropFailure(e);
        }
        dropCaptured++;
    }

    /** {@link #captureDrop} for a packet read into a slot: its original record. */
    private void captureDrop(Packet p) throws IOException {
        if (dropWriter != null) {
            int len = recordLength[p.slot];
            captureDrop(recordOffset[p.slot], len, len, p.tsSeconds, p.tsNanos);
        }
    }

    /** Encrypts every packet of {@code in} with {@code sa} into {@code out}. */
    public void encrypt(AeadEngine engine, TxSa sa, Path in, Path out, int snaplen) throws IOException {
        encrypt(engine, sa, in, out, snaplen, 0, 0);
    }

    /**
     * Encrypts with TSO/GSO: TCP packets carrying more than {@code tcpMss} payload bytes leave as
     * {@code tcpMss}-byte segments, UDP packets likewise at {@code udpSegSize} (0 = off).
     */
    public void encrypt(AeadEngine engine, TxSa sa, Path in, Path out, int snaplen, int tcpMss, int udpSegSize)
            throws IOException {
        requireDistinct(in, out);
        requireDistinctDrops(in, out);
        PspEncoder enc = new PspEncoder(engine, counters, BURST).innerChecksums(innerChecksums);
        if (tcpMss > 0 || udpSegSize > 0) {
            long[] bounds = tsoSlotBounds(tcpMss, udpSegSize);
            int nseg = bounds.length - 1;
            MemorySegment segSlab = arena.allocate(bounds[nseg], 64);
            tsoSlots = new Packet[nseg];
            for (int i = 0; i < nseg; i++) {
                tsoSlots[i] = new Packet();
                tsoSlots[i].wrap(segSlab, bounds[i], bounds[i + 1], bounds[i] + HEADROOM, 0);
            }
            tso = new TsoSegmenter(enc, tsoCounters, true);
            this.tcpMss = tcpMss;
            this.udpSegSize = udpSegSize;
        }
        runNamed(in, out, snaplen, true, sa, enc, null);
    }

    /** Segment slots a protocol cut at {@code segSize} payload bytes can fill from one packet (0: not cut). */
    static int tsoSlotCount(int segSize) {
        return segSize > 0 ? 65535 / segSize + 2 : 0;
    }

    /** One segment slot: headroom, the L2-L4 headers (up to 512 bytes), {@code segSize} payload bytes, the ICV. */
    static int tsoSlotSize(int segSize) {
        return HEADROOM + segSize + 512 + TAILROOM;
    }

    /**
     * The segment slots for {@code --tso-mss tcpMss --gso-size udpSegSize} (0 = off), as offsets
     * into one slab: slot {@code i} is {@code [b[i], b[i+1])}, {@code b[n]} the slab size. As many
     * slots as the smaller segment size can fill; the segmenter fills a prefix, so only the first
     * ones, as many as the larger size can fill, are sized for it. (Every slot sized for the larger
     * took 4.3 GB at 65535/1.)
     */
    static long[] tsoSlotBounds(int tcpMss, int udpSegSize) {
        int smallest = Math.min(tcpMss > 0 ? tcpMss : Integer.MAX_VALUE, udpSegSize > 0 ? udpSegSize : Integer.MAX_VALUE);
        int largest = Math.max(tcpMss, udpSegSize);
        int n = largest > 0 ? tsoSlotCount(smallest) : 0;
        int nLarge = tsoSlotCount(largest);
        long[] b = new long[n + 1];
        for (int i = 0; i < n; i++) {
            b[i + 1] = b[i] + tsoSlotSize(i < nLarge ? largest : smallest);
        }
        return b;
    }

    private GroCoalescer gro;
    private GroBatch groBatch;
    public final GroCounters groCounters = new GroCounters();

    /** Coalesces what decrypt delivers (GRO), flushing at the end of every burst. */
    public void gro(GroConfig config) {
        // a file has no clock: merges end by the GRO rules, on table eviction, at end of input, or (a
        // flush timeout given) once a flow is that old in capture time, checked at each burst
        // (the clock of a burst is its last packet's capture time)
        gro = new GroCoalescer(config.flushTimeoutNanos() > 0 ? config : config.withFlushTimeoutNanos(Long.MAX_VALUE),
                groCounters);
        groBatch = gro.newBatch(BURST);
    }

    private TsoSegmenter tso;
    private Packet[] tsoSlots;
    private int tcpMss;
    private int udpSegSize;
    public final TsoCounters tsoCounters = new TsoCounters();

    /** Decrypts every packet of {@code in} into {@code out}; keys derived from the SPI of each packet. */
    public void decrypt(AeadEngine engine, KeyDerivation kdf, Mode mode, int keyCache, Path in, Path out, int snaplen)
            throws IOException {
        requireDistinct(in, out);
        requireDistinctDrops(in, out);
        try (RxKeys keys = new RxKeys(kdf, engine, keyCache, BURST, 0xf)) {
            // GRO dropping bad inner checksums: the decoder judges them (the same one pass over the payload
            // GRO would make), so each lands in rx-error once, never in rx-packets
            boolean verify = verifyInnerChecksums || (gro != null && gro.config().dropBadChecksum());
            // a GRO that keeps them (dropBadChecksum off; the CLI's GRO always drops): the decoder only
            // marks the good ones (with the shim, from its plaintext sums), GRO judges the rest
            PspDecoder dec = new PspDecoder(engine, keys, counters, mode, BURST).verifyInnerChecksums(verify)
                    .markInnerChecksums(gro != null);
            runNamed(in, out, snaplen, false, null, null, dec);
        }
    }

    /** Refuses the input as output before anything is allocated or created: truncating it would destroy the mapped input. */
    private static void requireDistinct(Path in, Path out) throws FileException {
        String same = FileArgs.sameFile(in, out);
        if (same != null) {
            throw new FileException(same, null);
        }
    }

    /** The drop capture is neither the input nor the output. */
    private void requireDistinctDrops(Path in, Path out) throws FileException {
        if (dropFile != null) {
            for (Path p : new Path[] {in, out}) {
                if (FileArgs.isSameFile(p, dropFile)) {
                    throw new FileException("the drop capture is the " + (p == in ? "input" : "output") + " file: " + dropFile, null);
                }
            }
        }
    }

    private PacketPool pool() {
        if (pool == null) {
            pool = PacketPool.create(poolSlots(gro == null ? null : gro.config()), DATA_ROOM);
        }
        return pool;
    }

    /**
     * Slots for a run with GRO configured as {@code gro} (null: no GRO): a burst in flight (and a
     * few spare); with GRO, the heads of unfinished merges it holds across bursts, one per flow;
     * when it chains, the merged descriptors a held flow keeps too, room for {@link #CHAIN_FLOWS}
     * chains of {@code maxSegments} (at most {@link #MAX_CHAIN_SLOTS}). When the free slots still
     * drop below a burst, every held flow is delivered first (counted {@code flush-explicit}), so
     * the pool never runs dry: a run holding more chained segments than this cuts super-packets
     * earlier than COPY mode would.
     */
    static int poolSlots(GroConfig gro) {
        int slots = BURST + 8;
        if (gro == null || !gro.enabled()) {
            return slots; // nothing is held across bursts
        }
        slots += gro.maxFlows();
        if (gro.merge() == GroConfig.Merge.CHAIN) {
            slots += Math.min(CHAIN_FLOWS * gro.maxSegments(), MAX_CHAIN_SLOTS);
        }
        return slots;
    }

    /** Slots allocated and not yet freed (0 after a run: nothing leaked); double frees are counted apart. */
    public int slotsInUse() {
        return pool == null ? 0 : pool.inUse();
    }

    /** Frees of a slot that was not in use (0 after a correct run: every chain freed exactly once). */
    public long doubleFrees() {
        return pool == null ? 0 : pool.doubleFrees();
    }

    /** An I/O failure already worded for the user: names the file and the reason. */
    static final class FileException extends IOException {
        private static final long serialVersionUID = 1L;

        FileException(String message, IOException cause) {
            super(message, cause);
        }
    }

    private static PcapReader openInput(Path in) throws IOException {
        try {
            return PcapReader.open(in);
        } catch (dev.psp.engine.pcap.PcapFormatException e) {
            throw e; // names the file, the offset and what is wrong with it
        } catch (IOException e) {
            throw new FileException("cannot read input " + in + ": " + FileArgs.reason(e), e);
        }
    }

    /**
     * Write microsecond timestamps whatever the input's resolution ({@code psp encrypt|decrypt
     * --reference-mode}: the reference's format). Otherwise the output keeps the input's: nanoseconds
     * for a nanosecond pcap and for pcapng (whose interfaces may be finer than microseconds; a
     * microsecond one is exact in nanoseconds), microseconds for a microsecond pcap.
     */
    public boolean microsecondTimestamps;

    private static PcapWriter createOutput(Path out, int snaplen, boolean nanos) throws IOException {
        try {
            return PcapWriter.create(out, snaplen, LINKTYPE_ETHERNET, nanos);
        } catch (IOException e) {
            throw new FileException("cannot write output " + out + ": " + FileArgs.reason(e), e);
        }
    }

    /**
     * {@link #run}, naming the output in a failure to write it: once the input is mapped, reading
     * it throws no IOException, so any other one came from writing (a full disk, /dev/full, EIO).
     */
    private void runNamed(Path in, Path out, int snaplen, boolean encrypt, TxSa sa, PspEncoder enc, PspDecoder dec)
            throws IOException {
        try {
            run(in, out, snaplen, encrypt, sa, enc, dec);
        } catch (FileException | dev.psp.engine.pcap.PcapFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new FileException("cannot write output " + out + ": " + FileArgs.reason(e), e);
        }
    }

    private void run(Path in, Path out, int snaplen, boolean encrypt, TxSa sa, PspEncoder enc, PspDecoder dec)
            throws IOException {
        PacketPool pool = pool();
        try (PcapReader reader = openInput(in);
             PcapWriter writer = createOutput(out, snaplen,
                     !microsecondTimestamps && (reader.nanosecondResolution() || reader.isPcapng()));
             DropsCloser closeDrops = openDrops(!microsecondTimestamps && (reader.nanosecondResolution() || reader.isPcapng()))) {
            PcapWriter drops = dropWriter;
            input = reader.segment();
            if (drops != null && recordOffset == null) {
                recordOffset = new long[pool.capacity()];
                recordLength = new int[pool.capacity()];
            }
            boolean more = true;
            long skipped = 0; // malformed records the reader has skipped, counted so far
            int malformed = encrypt ? Reason.TX_MALFORMED.code() : Reason.RX_TRUNCATED.code();
            while (more) {
                if (pendingDropLength >= 0) {
                    // a record dropped while reading, after packets of the burst just written: captured
                    // after them, so the capture keeps the input's order
                    captureDrop(pendingDropOffset, pendingDropLength, pendingDropOrigLength, pendingDropSec, pendingDropNanos);
                    pendingDropLength = -1;
                }
                if (!encrypt && gro != null && pool.available() < BURST) {
                    // held chains ran the pool low: deliver them before reading on
                    gro.flush(groBatch);
                    drainGro(writer);
                }
                int n = 0;
                while (n < BURST) {
                    boolean got = reader.next();
                    // well delimited but invalid records the reader went past: each one malformed
                    for (; skipped < reader.malformedRecords(); skipped++) {
                        counters.count(malformed);
                    }
                    if (!got) {
                        more = false;
                        if (reader.truncated()) {
                            readError = reader.error();
                            counters.count(malformed);
                        }
                        if (skipped > 0) {
                            readError = (readError == null ? "" : readError + "; ") + skipped + " malformed input record"
                                    + (skipped == 1 ? "" : "s") + " skipped, the first: " + reader.firstMalformedError();
                        }
                        break;
                    }
                    int cap = reader.capturedLength();
                    if (reader.linkType() != LINKTYPE_ETHERNET) {
                        counters.count(encrypt ? Reason.TX_NOT_IP.code() : Reason.RX_BAD_IP.code());
                        if (drops != null && readDrop(reader, cap, n)) {
                            break; // the burst so far goes first
                        }
                        continue;
                    }
                    if (cap != reader.originalLength() || cap > DATA_ROOM) {
                        // a partial capture cannot be encrypted or authenticated whole
                        counters.count(malformed);
                        if (drops != null && readDrop(reader, cap, n)) {
                            break; // the burst so far goes first
                        }
                        continue;
                    }
                    Packet p = pool.alloc(); // never null: at most BURST + GRO-held slots are in use
                    if (drops != null) {
                        recordOffset[p.slot] = reader.dataOffset();
                        recordLength[p.slot] = cap;
                    }
                    MemorySegment.copy(reader.segment(), reader.dataOffset(), p.segment, p.offset, cap);
                    p.length = cap;
                    order[n] = p;
                    p.tsSeconds = reader.timestampSeconds();
                    p.tsNanos = reader.timestampNanos();
                    p.sa = sa;
                    work[n] = p;
                    n++;
                }
                if (n == 0) {
                    continue;
                }
                if (encrypt && tso != null) {
                    segmentAndWrite(enc, writer, n);
                    pool.freeBulk(order, n);
                    continue;
                }
                if (encrypt) {
                    enc.sealBurst(work, n);
                } else {
                    dec.openBurst(work, n);
                }
                if (!encrypt && gro != null) {
                    // in arrival order; heads of unfinished merges stay allocated across bursts
                    Packet last = order[n - 1];
                    gro.coalesce(order, n, groBatch, last.tsSeconds * 1_000_000_000L + last.tsNanos);
                    drainGro(writer);
                } else {
                    writeAll(writer, order, n);
                    pool.freeBulk(order, n);
                }
            }
            if (!encrypt && gro != null) {
                gro.flush(groBatch);
                drainGro(writer);
            }
        } finally {
            dropWriter = null; // closed with the run
            pendingDropLength = -1;
        }
    }

    /** A record dropped while reading ({@link #readDrop}) waiting for the packets read before it; length -1: none. */
    private long pendingDropOffset;
    private int pendingDropLength = -1;
    private int pendingDropOrigLength;
    private long pendingDropSec;
    private int pendingDropNanos;

    /**
     * The reader's current record is dropped: captured now when no packet of the burst precedes
     * it ({@code n} = 0), else kept for after the burst (returns true: end the burst here).
     */
    private boolean readDrop(PcapReader reader, int cap, int n) throws IOException {
        if (n == 0) {
            captureDrop(reader.dataOffset(), cap, reader.originalLength(), reader.timestampSeconds(), reader.timestampNanos());
            return false;
        }
        pendingDropOffset = reader.dataOffset();
        pendingDropLength = cap;
        pendingDropOrigLength = reader.originalLength();
        pendingDropSec = reader.timestampSeconds();
        pendingDropNanos = reader.timestampNanos();
        return true;
    }

    private void drainGro(PcapWriter writer) throws IOException {
        writeAll(writer, groBatch.out, groBatch.outCount);
        for (int i = 0; i < groBatch.droppedCount; i++) {
            captureDrop(groBatch.dropped[i]);
        }
        pool.freeBulk(groBatch.out, groBatch.outCount); // a chained super-packet frees its whole chain
        pool.freeBulk(groBatch.consumed, groBatch.consumedCount);
        pool.freeBulk(groBatch.dropped, groBatch.droppedCount);
    }

    private void writeAll(PcapWriter writer, Packet[] pkts, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Packet p = pkts[i];
            if (p.result == 0 || p.result == Reason.NOT_PSP.code()) {
                if (p.frameLength() > writer.snapLength()) {
                    // decrypt only (the encoder refuses frames beyond the snap length: TX_TOO_BIG in reference
                    // mode, and 262144 holds any slot): the writer would cut it, a partial packet is no delivery
                    counters.undeliver(p, Reason.RX_OUTPUT_TOO_BIG.code());
                    captureDrop(p);
                    continue;
                }
                writer.write(p); // one record; a GRO chain gathered
                written++;
            } else {
                captureDrop(p);
            }
        }
    }

    /** TSO/GRO counters of this run (empty when neither was on). */
    public java.util.Map<String, Long> offloadCounters() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        if (tso != null) {
            m.putAll(tsoCounters.toMap());
        }
        if (gro != null) {
            m.putAll(groCounters.toMap());
        }
        return m;
    }

    /** TSO path: each packet is either segmented and sealed into the segment slots, or sealed in place. */
    private void segmentAndWrite(PspEncoder enc, PcapWriter writer, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Packet p = order[i];
            // the segmenter fills a prefix of the slots: re-wrap only that prefix (not every slot per packet)
            for (int k = 0; k < tsoSlots.length; k++) {
                Packet d = tsoSlots[k];
                if (d.offset == d.base + HEADROOM && d.length == 0) {
                    break;
                }
                d.wrap(d.segment, d.base, d.limit, d.base + HEADROOM, 0);
            }
            int k = tso.segment(p, tcpMss, udpSegSize, tsoSlots);
            if (k == TsoSegmenter.NOT_SEGMENTED) {
                if (enc.seal(p) == 0) {
                    writer.write(p.segment, p.offset, p.length, p.tsSeconds, p.tsNanos);
                    written++;
                } else {
                    captureDrop(p);
                }
                continue;
            }
            if (k == 0) {
                captureDrop(p); // refused whole
            }
            for (int j = 0; j < k; j++) {
                Packet d = tsoSlots[j];
                writer.write(d.segment, d.offset, d.length, p.tsSeconds, p.tsNanos);
                written++;
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        arena.close();
    }
}
