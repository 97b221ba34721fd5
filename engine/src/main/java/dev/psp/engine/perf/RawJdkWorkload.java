package dev.psp.engine.perf;

import dev.psp.engine.crypto.JdkAeadBackend;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Baseline: a plain javax.crypto AES-GCM loop, the floor any Java PSP path is measured against.
 * Heap arrays, one {@link Cipher} per flow key, reused, for up to
 * {@link JdkAeadBackend#CIPHERS} flows (shared beyond, as the JDK engine shares its Ciphers): a
 * Cipher keeps the expanded key of the last key it saw, and re-keying one Cipher across flows would
 * expand a key for every packet, a cost the JDK engine does not have either. Records shaped as
 * {@link RawRecords};
 * no PSP work, no MemorySegment. Each record is copied from its template into the input array
 * before every operation (the PSP workload restores its frames the same way); encrypt bumps the
 * IV in the copy (the JDK refuses a repeated key+IV for GCM encryption).
 */
final class RawJdkWorkload extends RawTally {
    private final BenchOptions.Mode mode;
    private final int burstSize;
    private final Cipher[] ciphers;
    private final SecretKeySpec[] keys;
    private final byte[][] templates;
    private final int[] aad;
    private final int[] text;
    private final int[] flow;
    private final int[] payload;
    private final byte[] in;
    private final byte[] out;
    private int cursor;
    private long iv = 1;

    RawJdkWorkload(BenchOptions o, int[] payloads, long seed) {
        this.mode = o.mode;
        this.burstSize = o.burst;
        int slots = Math.max(o.ring, payloads.length);
        ciphers = new Cipher[Math.min(o.flows, JdkAeadBackend.CIPHERS)];
        try {
            for (int f = 0; f < ciphers.length; f++) {
                ciphers[f] = Cipher.getInstance("AES/GCM/NoPadding");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding unavailable", e);
        }
        SplittableRandom r = new SplittableRandom(seed);
        keys = new SecretKeySpec[o.flows];
        for (int f = 0; f < o.flows; f++) {
            byte[] k = new byte[RawRecords.keyLength(o.version)];
            r.nextBytes(k);
            keys[f] = new SecretKeySpec(k, "AES");
        }
        templates = new byte[slots][];
        aad = new int[slots];
        text = new int[slots];
        flow = new int[slots];
        payload = new int[slots];
        int max = 0;
        for (int i = 0; i < slots; i++) {
            int p = payloads[i % payloads.length];
            payload[i] = p;
            flow[i] = i % o.flows;
            aad[i] = RawRecords.aadLength(o, p);
            text[i] = RawRecords.textLength(o, p);
            byte[] t = new byte[aad[i] + text[i] + RawRecords.TAG];
            r.nextBytes(t);
            int spi = 0x1000 + flow[i];
            t[4] = (byte) (spi >>> 24);
            t[5] = (byte) (spi >>> 16);
            t[6] = (byte) (spi >>> 8);
            t[7] = (byte) spi;
            templates[i] = t;
            max = Math.max(max, t.length);
        }
        in = new byte[max];
        out = new byte[max];
        if (mode == BenchOptions.Mode.DECRYPT) {
            for (int i = 0; i < slots; i++) {
                byte[] t = templates[i];
                putIv(t, iv++);
                try {
                    Cipher cipher = ciphers[flow[i] % ciphers.length];
                    cipher.init(Cipher.ENCRYPT_MODE, keys[flow[i]], new GCMParameterSpec(128, t, 4, 12));
                    cipher.updateAAD(t, 0, aad[i]);
                    int n = cipher.doFinal(t, aad[i], text[i], out, 0);
                    System.arraycopy(out, 0, t, aad[i], n);
                    if (o.corruptEvery > 0 && i % o.corruptEvery == 0) {
                        t[t.length - 1] ^= (byte) 0xff;
                    }
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("setup: raw-jdk seal failed", e);
                }
            }
        }
    }

    private static void putIv(byte[] b, long v) {
        for (int i = 0; i < 8; i++) {
            b[8 + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    @Override
    public int runBurst() {
        int ok = 0;
        int c = cursor;
        for (int j = 0; j < burstSize; j++) {
            byte[] t = templates[c];
            System.arraycopy(t, 0, in, 0, t.length);
            int st = switch (mode) {
                case ENCRYPT -> seal(c);
                case DECRYPT -> open(c);
                case RX_ASSOC, KDF -> throw new IllegalStateException("not a packet mode");
                case ROUNDTRIP -> {
                    int s = seal(c);
                    if (s == 0) {
                        System.arraycopy(out, 0, in, aad[c], text[c] + RawRecords.TAG);
                        s = open(c);
                    }
                    yield s;
                }
            };
            if (st == 0) {
                ok++;
                payloadOut += payload[c];
            } else if (st == 1) {
                authFail++;
            } else {
                error++;
            }
            if (++c == templates.length) {
                c = 0;
            }
        }
        cursor = c;
        tallyIn += burstSize;
        tallyOut += ok;
        return ok;
    }

    /** 0 = OK, 2 = error. */
    private int seal(int c) {
        putIv(in, iv++);
        try {
            Cipher cipher = ciphers[flow[c] % ciphers.length];
            cipher.init(Cipher.ENCRYPT_MODE, keys[flow[c]], new GCMParameterSpec(128, in, 4, 12));
            cipher.updateAAD(in, 0, aad[c]);
            int n = cipher.doFinal(in, aad[c], text[c], out, 0);
            return n == text[c] + RawRecords.TAG ? 0 : 2;
        } catch (GeneralSecurityException | RuntimeException e) {
            return 2;
        }
    }

    /** 0 = OK, 1 = auth fail, 2 = error. */
    private int open(int c) {
        try {
            Cipher cipher = ciphers[flow[c] % ciphers.length];
            cipher.init(Cipher.DECRYPT_MODE, keys[flow[c]], new GCMParameterSpec(128, in, 4, 12));
            cipher.updateAAD(in, 0, aad[c]);
            int n = cipher.doFinal(in, aad[c], text[c] + RawRecords.TAG, out, 0);
            return n == text[c] ? 0 : 2;
        } catch (AEADBadTagException e) {
            return 1;
        } catch (GeneralSecurityException | RuntimeException e) {
            return 2;
        }
    }

    @Override
    public void close() {
        java.util.Arrays.fill(in, (byte) 0);
        java.util.Arrays.fill(out, (byte) 0);
    }
}
