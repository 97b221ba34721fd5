package dev.psp.engine.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every available backend against the JDK backend: byte-identical seal output, open round trips,
 * identical AUTH_FAIL on tampering, bursts of mixed sizes and keys, heap and off-heap records.
 * Unavailable backends are skipped with their {@link AeadBackend#unavailabilityCause()}.
 */
class AeadBackendDifferentialTest {
    private static final int[] TEXT_LENGTHS = {0, 1, 15, 16, 17, 511, 512, 513, 1400, 8900, 9000};
    private static final int[] AAD_LENGTHS = {16, 17, 20, 24, 31, 32, 100, 16 + 8 + 252};
    private static final int TAG = AeadEngine.TAG_LENGTH;

    static Stream<AeadBackend> backends() {
        return AeadBackends.all().stream();
    }

    private static void assumeAvailable(AeadBackend b) {
        Assumptions.assumeTrue(b.isAvailable(), () -> b.name() + " unavailable: " + b.unavailabilityCause());
    }

    private static byte[] record(Random rnd, int aadLen, int textLen) {
        byte[] r = new byte[aadLen + textLen + TAG];
        rnd.nextBytes(r);
        return r;
    }

    private static AeadKey key(AeadEngine e, byte[] key) {
        return e.prepareKey(null, MemorySegment.ofArray(key), 0, key.length);
    }

    /** Seals a copy of {@code rec} with {@code e} at offset {@code off} of a fresh segment; returns the record bytes. */
    private static byte[] seal(AeadEngine e, AeadKey k, byte[] rec, int aadLen, int textLen, boolean offHeap, Arena arena) {
        int off = 3;
        MemorySegment seg = offHeap ? arena.allocate(rec.length + 7) : MemorySegment.ofArray(new byte[rec.length + 7]);
        MemorySegment.copy(rec, 0, seg, ValueLayout.JAVA_BYTE, off, rec.length);
        assertEquals(AeadEngine.OK, e.seal(k, seg, off, aadLen, textLen), () -> e.backend().name() + " seal aad=" + aadLen + " text=" + textLen);
        return seg.asSlice(off, rec.length).toArray(ValueLayout.JAVA_BYTE);
    }

    private static int open(AeadEngine e, AeadKey k, byte[] sealed, int aadLen, int textLen, byte[] plainOut, boolean offHeap, Arena arena) {
        MemorySegment seg = offHeap ? arena.allocate(sealed.length) : MemorySegment.ofArray(new byte[sealed.length]);
        MemorySegment.copy(sealed, 0, seg, ValueLayout.JAVA_BYTE, 0, sealed.length);
        int rc = e.open(k, seg, 0, aadLen, textLen);
        if (plainOut != null) {
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, plainOut, 0, plainOut.length);
        }
        return rc;
    }

    /**
     * Split seals (TSO): the last {@code srcLen} text bytes read from a second buffer. Single calls and
     * bursts, with and without {@link AeadBurst#stageSplitHeads}, must give the bytes of an in-place
     * seal of the assembled record (JDK backend) and leave the source as they found it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void splitSealEqualsInPlaceSealAndLeavesTheSourceAlone(AeadBackend b) {
        assumeAvailable(b);
        Random rnd = new Random(0x53504c4954L);
        AeadEngine e = b.newEngine();
        try (Arena arena = Arena.ofConfined(); AeadEngine jdk = AeadBackends.jdk().newEngine()) {
            for (int round = 0; round < 60; round++) {
                byte[] kb = new byte[round % 2 == 0 ? 16 : 32];
                rnd.nextBytes(kb);
                AeadKey jk = key(jdk, kb);
                AeadKey bk = key(e, kb);
                int aadLen = 16 + rnd.nextInt(40);
                int head = new int[] {0, 8, 20, 32, 40, 68, 1}[round % 7];
                int srcLen = round % 9 == 0 ? 0 : 1 + rnd.nextInt(2000);
                int textLen = head + srcLen;
                byte[] rec = record(rnd, aadLen, textLen);
                byte[] expected = seal(jdk, jk, rec, aadLen, textLen, false, arena);
                int front = head + rnd.nextInt(64); // the source's own bytes in front of the split part
                byte[] srcBytes = new byte[front + srcLen + 5];
                rnd.nextBytes(srcBytes);
                System.arraycopy(rec, aadLen + head, srcBytes, front, srcLen);
                for (int mode = 0; mode < 3; mode++) {
                    if (mode > 0) { // a fresh engine: the JDK's Cipher refuses the same key and IV twice in a row
                        e.close();
                        e = b.newEngine();
                        bk = key(e, kb);
                    }
                    MemorySegment src = arena.allocate(srcBytes.length);
                    MemorySegment.copy(srcBytes, 0, src, ValueLayout.JAVA_BYTE, 0, srcBytes.length);
                    MemorySegment seg = arena.allocate(rec.length + 9);
                    MemorySegment.copy(rec, 0, seg, ValueLayout.JAVA_BYTE, 4, aadLen + head); // AAD and head only
                    int rc;
                    if (mode == 0) {
                        rc = e.sealSplit(bk, seg, 4, aadLen, textLen, src, front, srcLen);
                    } else {
                        AeadBurst burst = new AeadBurst(4);
                        burst.clear();
                        burst.stageSplitHeads(mode == 2);
                        burst.addSplit(bk, seg, 4, aadLen, textLen, src, front, srcLen);
                        e.sealBurst(burst);
                        rc = burst.status(0);
                    }
                    int m = mode;
                    assertEquals(AeadEngine.OK, rc, () -> b.name() + " split seal mode " + m + " head " + head + " src " + srcLen + " aad " + aadLen);
                    assertArrayEquals(expected, seg.asSlice(4, rec.length).toArray(ValueLayout.JAVA_BYTE),
                            () -> b.name() + " split seal mode " + m + " head " + head + " src " + srcLen);
                    assertArrayEquals(srcBytes, src.toArray(ValueLayout.JAVA_BYTE), () -> b.name() + " source changed, mode " + m);
                }
            }
        } finally {
            e.close();
        }
    }

    /**
     * A split source that is the record itself (the split part already in place, so its front is the
     * record's own head): staging must not borrow those bytes (it would write plaintext back over
     * the ciphertext); the result is the in-place seal, staged burst or not.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void splitSourceInsideTheRecordSealsLikeInPlace(AeadBackend b) {
        assumeAvailable(b);
        Random rnd = new Random(0x494e504cL);
        try (Arena arena = Arena.ofConfined(); AeadEngine jdk = AeadBackends.jdk().newEngine()) {
            for (int round = 0; round < 14; round++) {
                byte[] kb = new byte[round % 2 == 0 ? 16 : 32];
                rnd.nextBytes(kb);
                int aadLen = 16 + rnd.nextInt(40);
                int head = new int[] {8, 20, 32, 40, 68, 1, 12}[round % 7];
                int srcLen = 1 + rnd.nextInt(1500);
                int textLen = head + srcLen;
                byte[] rec = record(rnd, aadLen, textLen);
                byte[] expected = seal(jdk, key(jdk, kb), rec, aadLen, textLen, false, arena);
                for (boolean stage : new boolean[] {true, false}) {
                    try (AeadEngine e = b.newEngine()) {
                        MemorySegment seg = arena.allocate(rec.length + 9);
                        MemorySegment.copy(rec, 0, seg, ValueLayout.JAVA_BYTE, 4, rec.length);
                        AeadBurst burst = new AeadBurst(4);
                        burst.clear();
                        burst.stageSplitHeads(stage);
                        burst.addSplit(key(e, kb), seg, 4, aadLen, textLen, seg, 4 + aadLen + head, srcLen);
                        e.sealBurst(burst);
                        assertEquals(AeadEngine.OK, burst.status(0));
                        assertArrayEquals(expected, seg.asSlice(4, rec.length).toArray(ValueLayout.JAVA_BYTE),
                                () -> b.name() + " head " + head + " src " + srcLen + " staged " + stage);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sealIsByteIdenticalToJdkAndOpens(AeadBackend b) {
        assumeAvailable(b);
        assertNotNull(b.version());
        Random rnd = new Random(0x5053502L);
        try (Arena arena = Arena.ofConfined(); AeadEngine jdk = AeadBackends.jdk().newEngine(); AeadEngine e = b.newEngine()) {
            for (int keyLen : new int[] {16, 32}) {
                byte[] kb = new byte[keyLen];
                rnd.nextBytes(kb);
                AeadKey jk = key(jdk, kb);
                AeadKey bk = key(e, kb);
                assertEquals(keyLen, bk.length());
                assertFalse(bk.toString().contains(Byte.toString(kb[0])) && bk.toString().length() > 40);
                for (int aadLen : AAD_LENGTHS) {
                    for (int textLen : TEXT_LENGTHS) {
                        check(rnd, jdk, jk, e, bk, aadLen, textLen, arena);
                    }
                }
                for (int i = 0; i < 60; i++) { // random sizes across the ranges
                    check(rnd, jdk, jk, e, bk, 16 + rnd.nextInt(8 + 252 + 1), rnd.nextInt(9001), arena);
                }
            }
        }
    }

    private static void check(Random rnd, AeadEngine jdk, AeadKey jk, AeadEngine e, AeadKey bk, int aadLen, int textLen, Arena arena) {
        byte[] rec = record(rnd, aadLen, textLen);
        boolean offHeap = rnd.nextBoolean();
        byte[] expected = seal(jdk, jk, rec, aadLen, textLen, false, arena);
        byte[] actual = seal(e, bk, rec, aadLen, textLen, offHeap, arena);
        assertArrayEquals(expected, actual, () -> e.backend().name() + " aad=" + aadLen + " text=" + textLen + " offHeap=" + offHeap);
        byte[] plain = new byte[rec.length - TAG];
        assertEquals(AeadEngine.OK, open(e, bk, actual, aadLen, textLen, plain, !offHeap, arena));
        assertArrayEquals(java.util.Arrays.copyOf(rec, rec.length - TAG), plain, "round trip");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void tamperingFailsAuthenticationLikeJdk(AeadBackend b) {
        assumeAvailable(b);
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofConfined(); AeadEngine jdk = AeadBackends.jdk().newEngine(); AeadEngine e = b.newEngine()) {
            for (int keyLen : new int[] {16, 32}) {
                byte[] kb = new byte[keyLen];
                rnd.nextBytes(kb);
                AeadKey jk = key(jdk, kb);
                AeadKey bk = key(e, kb);
                for (int textLen : new int[] {0, 1, 17, 1400}) { // 0: GMAC-style record
                    int aadLen = textLen == 0 ? 16 + 8 + 64 : 16;
                    byte[] sealed = seal(jdk, jk, record(rnd, aadLen, textLen), aadLen, textLen, false, arena);
                    assertEquals(AeadEngine.OK, open(e, bk, sealed, aadLen, textLen, null, true, arena));
                    int[] positions = textLen == 0
                            ? new int[] {0, 4, 15, aadLen - 1, aadLen, aadLen + TAG - 1}
                            : new int[] {0, 4, 15, aadLen - 1, aadLen, aadLen + textLen - 1, aadLen + textLen, sealed.length - 1};
                    for (int pos : positions) {
                        byte[] t = sealed.clone();
                        t[pos] ^= (byte) (1 << rnd.nextInt(8));
                        for (boolean offHeap : new boolean[] {true, false}) {
                            assertEquals(AeadEngine.AUTH_FAIL, open(jdk, jk, t, aadLen, textLen, null, offHeap, arena), "jdk pos " + pos);
                            assertEquals(AeadEngine.AUTH_FAIL, open(e, bk, t, aadLen, textLen, null, offHeap, arena),
                                    b.name() + " pos " + pos + " offHeap " + offHeap);
                        }
                    }
                    byte[] otherKey = kb.clone();
                    otherKey[0] ^= 1;
                    assertEquals(AeadEngine.AUTH_FAIL, open(e, key(e, otherKey), sealed, aadLen, textLen, null, true, arena), "wrong key");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void burstsOfMixedSizesAndKeysMatchJdk(AeadBackend b) {
        assumeAvailable(b);
        Random rnd = new Random(42);
        try (Arena arena = Arena.ofConfined(); AeadEngine jdk = AeadBackends.jdk().newEngine(); AeadEngine e = b.newEngine()) {
            int nKeys = 4;
            AeadKey[] jks = new AeadKey[nKeys];
            AeadKey[] bks = new AeadKey[nKeys];
            for (int i = 0; i < nKeys; i++) {
                byte[] kb = new byte[i % 2 == 0 ? 16 : 32];
                rnd.nextBytes(kb);
                jks[i] = key(jdk, kb);
                bks[i] = key(e, kb);
            }
            for (int round = 0; round < 4; round++) {
                int n = round == 3 ? 200 : 1 + rnd.nextInt(64); // 200: grows the engine's descriptor buffers
                AeadBurst burst = new AeadBurst(n);
                byte[][] recs = new byte[n][];
                byte[][] expected = new byte[n][];
                MemorySegment[] segs = new MemorySegment[n];
                int[] keyIdx = new int[n];
                for (int i = 0; i < n; i++) {
                    int aadLen = 16 + rnd.nextInt(8 + 252 + 1);
                    int textLen = rnd.nextInt(10) == 0 ? 0 : TEXT_LENGTHS[rnd.nextInt(TEXT_LENGTHS.length)];
                    keyIdx[i] = rnd.nextInt(nKeys);
                    recs[i] = record(rnd, aadLen, textLen);
                    expected[i] = seal(jdk, jks[keyIdx[i]], recs[i], aadLen, textLen, false, arena);
                    segs[i] = rnd.nextInt(4) == 0 ? MemorySegment.ofArray(recs[i].clone()) : arena.allocate(recs[i].length);
                    if (segs[i].isNative()) {
                        MemorySegment.copy(recs[i], 0, segs[i], ValueLayout.JAVA_BYTE, 0, recs[i].length);
                    }
                    assertEquals(i, burst.add(bks[keyIdx[i]], segs[i], 0, aadLen, textLen));
                }
                assertEquals(n, e.sealBurst(burst), b.name() + " sealBurst");
                for (int i = 0; i < n; i++) {
                    assertEquals(AeadEngine.OK, burst.status(i));
                    assertArrayEquals(expected[i], segs[i].toArray(ValueLayout.JAVA_BYTE), b.name() + " burst record " + i);
                }
                // Tamper one record (when n > 1) and open the whole burst.
                int bad = n > 1 ? rnd.nextInt(n) : -1;
                if (bad >= 0) {
                    long p = burst.aadLength(bad) + burst.textLength(bad);
                    segs[bad].set(ValueLayout.JAVA_BYTE, p, (byte) (segs[bad].get(ValueLayout.JAVA_BYTE, p) ^ 0x80));
                }
                assertEquals(bad >= 0 ? n - 1 : n, e.openBurst(burst), b.name() + " openBurst");
                for (int i = 0; i < n; i++) {
                    if (i == bad) {
                        assertEquals(AeadEngine.AUTH_FAIL, burst.status(i));
                        continue;
                    }
                    assertEquals(AeadEngine.OK, burst.status(i));
                    int plainLen = recs[i].length - TAG;
                    assertArrayEquals(java.util.Arrays.copyOf(recs[i], plainLen),
                            segs[i].asSlice(0, plainLen).toArray(ValueLayout.JAVA_BYTE), "burst open " + i);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void invalidRecordsAreErrorsNotExceptions(AeadBackend b) {
        assumeAvailable(b);
        try (Arena arena = Arena.ofConfined(); AeadEngine e = b.newEngine(); AeadEngine other = AeadBackends.jdk().newEngine()) {
            AeadKey k = key(e, new byte[16]);
            MemorySegment seg = arena.allocate(64);
            assertEquals(AeadEngine.ERROR, e.seal(k, seg, 0, 15, 0), "AAD without a full nonce");
            assertEquals(AeadEngine.ERROR, e.seal(k, seg, 0, 16, 33), "past the end");
            assertEquals(AeadEngine.ERROR, e.seal(k, seg, 1, 16, 32), "past the end by one");
            seg.set(ValueLayout.JAVA_BYTE, 4, (byte) 1); // fresh nonce: the JDK refuses a GCM key+IV reuse
            assertEquals(AeadEngine.OK, e.seal(k, seg, 0, 16, 32), "exactly fits");
            assertEquals(AeadEngine.ERROR, e.seal(k, seg, -1, 16, 0), "negative offset");
            assertEquals(AeadEngine.ERROR, e.seal(k, seg, 0, 16, -1), "negative text");
            assertEquals(AeadEngine.ERROR, e.seal(k, seg.asReadOnly(), 0, 16, 0), "read-only");
            if (b != AeadBackends.jdk()) {
                assertEquals(AeadEngine.ERROR, e.seal(key(other, new byte[16]), seg, 0, 16, 0), "foreign key");
            }
            seg.set(ValueLayout.JAVA_BYTE, 4, (byte) 2);
            AeadBurst burst = new AeadBurst(3);
            burst.add(k, seg, 0, 16, 0);
            burst.add(k, seg, 0, 8, 0);
            burst.add(k, seg, 0, 16, 1000);
            assertEquals(1, e.sealBurst(burst));
            assertEquals(AeadEngine.OK, burst.status(0));
            assertEquals(AeadEngine.ERROR, burst.status(1));
            assertEquals(AeadEngine.ERROR, burst.status(2));
            k.destroy();
            if (b != AeadBackends.jdk()) {
                assertEquals(AeadEngine.ERROR, e.seal(k, seg, 0, 16, 0), "destroyed key");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void rekeyInPlaceMatchesFreshKey(AeadBackend b) {
        assumeAvailable(b);
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofConfined(); AeadEngine jdk = AeadBackends.jdk().newEngine(); AeadEngine e = b.newEngine()) {
            AeadKey k = null;
            for (int keyLen : new int[] {16, 32, 32, 16}) {
                byte[] kb = new byte[keyLen];
                rnd.nextBytes(kb);
                AeadKey reused = e.prepareKey(k, MemorySegment.ofArray(kb), 0, keyLen);
                if (k != null && b != AeadBackends.jdk()) {
                    assertTrue(reused == k, "re-keyed in place");
                }
                k = reused;
                assertEquals(keyLen, k.length());
                byte[] rec = record(rnd, 16, 100);
                assertArrayEquals(seal(jdk, key(jdk, kb), rec, 16, 100, false, arena), seal(e, k, rec, 16, 100, true, arena));
            }
        }
    }

    @Test
    void registryListsNativeBackendsBestFirstAndReportsEach() {
        var names = AeadBackends.all().stream().map(AeadBackend::name).toList();
        assertEquals(java.util.List.of("shim-ipsecmb", "jdk", "shim-openssl", "openssl"), names);
        assertTrue(AeadBackends.best().isAvailable());
        for (AeadBackend b : AeadBackends.all()) {
            System.out.println("backend " + b.name() + ": " + (b.isAvailable() ? "available, " + b.version() : "unavailable: " + b.unavailabilityCause()));
            assertEquals(b.isAvailable(), b.unavailabilityCause() == null, b.name());
        }
    }

    /**
     * More keys than an engine has key-schedule slots (the JDK backend's {@link JdkAeadBackend#CIPHERS}
     * Ciphers), used in a random interleaving with seal and open mixed: every record equals a fresh
     * {@code javax.crypto} Cipher's and opens under its own key only.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void manyKeysInterleaved(AeadBackend b) throws Exception {
        assumeAvailable(b);
        Random rnd = new Random(99);
        int nkeys = 3 * JdkAeadBackend.CIPHERS + 5;
        try (AeadEngine e = b.newEngine(); Arena arena = Arena.ofConfined()) {
            byte[][] raw = new byte[nkeys][];
            AeadKey[] keys = new AeadKey[nkeys];
            for (int i = 0; i < nkeys; i++) {
                raw[i] = new byte[rnd.nextBoolean() ? 16 : 32];
                rnd.nextBytes(raw[i]);
                keys[i] = key(e, raw[i]);
            }
            for (int op = 0; op < 2000; op++) {
                int k = rnd.nextInt(nkeys);
                int textLen = rnd.nextInt(300);
                byte[] rec = record(rnd, 16, textLen);
                byte[] sealed = seal(e, keys[k], rec, 16, textLen, rnd.nextBoolean(), arena);
                javax.crypto.Cipher ref = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
                ref.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(raw[k], "AES"),
                        new javax.crypto.spec.GCMParameterSpec(128, rec, 4, 12));
                ref.updateAAD(rec, 0, 16);
                byte[] want = rec.clone();
                ref.doFinal(rec, 16, textLen, want, 16);
                assertArrayEquals(want, sealed, "op " + op + " key " + k);
                int other = (k + 1 + rnd.nextInt(nkeys - 1)) % nkeys;
                assertEquals(AeadEngine.AUTH_FAIL, open(e, keys[other], sealed, 16, textLen, null, rnd.nextBoolean(), arena),
                        "op " + op + ": opened under another key");
                byte[] plain = new byte[16 + textLen]; // AAD and text as they were
                assertEquals(AeadEngine.OK, open(e, keys[k], sealed, 16, textLen, plain, rnd.nextBoolean(), arena), "op " + op);
                assertArrayEquals(java.util.Arrays.copyOf(rec, 16 + textLen), plain, "op " + op + " plaintext");
            }
        }
    }
}
