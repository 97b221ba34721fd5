package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.Frames;
import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.wire.Bytes;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Full PSP seal/open through every backend gives the JDK backend's bytes, for every version,
 * payload sizes 0..9000 and crypt offsets; packets sealed by one backend open in the other, and
 * tampered packets fail identically. Backends that cannot load are skipped with the reason.
 */
class BackendCodecDifferentialTest {

    static Stream<String> backends() {
        return AeadBackends.all().stream().map(AeadBackend::name).filter(n -> !n.equals("jdk"));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void sameBytesAsTheJdkBackend(String name) {
        AeadBackend b = AeadBackends.byName(name);
        Assumptions.assumeTrue(b.isAvailable(), () -> name + " unavailable: " + b.unavailabilityCause());
        Random r = new Random(name.hashCode());
        int[] sizes = {0, 1, 15, 16, 17, 64, 511, 512, 513, 1400, 4000, 8900, 9000};
        try (CodecHarness jdk = new CodecHarness(AeadBackends.jdk(), RoundTripTest.MK0, RoundTripTest.MK1, 0);
             CodecHarness other = new CodecHarness(b, RoundTripTest.MK0, RoundTripTest.MK1, 16)) {
            PspDecoder jdkDec = jdk.decoder(Mode.AUTO);
            PspDecoder otherDec = other.decoder(Mode.AUTO);
            int n = 0;
            for (int version = 0; version < 4; version++) {
                for (int size : sizes) {
                    for (int co : new int[] {0, 1, 2, 5, 17, 63}) {
                        n++;
                        Mode mode = r.nextBoolean() ? Mode.TRANSPORT : Mode.TUNNEL;
                        boolean vc = r.nextBoolean();
                        byte[] frame = Frames.spec().v(r.nextBoolean() ? 4 : 6).proto(17).payload(size).seed(r.nextLong()).build();
                        int spi = 0x100 + n;
                        long iv = r.nextLong();
                        TxSa.Builder sb = TxSa.builder().mode(mode).cryptOffset(co).vc(vc, 3).ivSource(new CounterIvSource(iv));
                        Packet a = jdk.load(frame);
                        a.sa = jdk.install(sb, spi, version);
                        int ra = jdk.encoder.seal(a);
                        TxSa.Builder sb2 = TxSa.builder().mode(mode).cryptOffset(co).vc(vc, 3).ivSource(new CounterIvSource(iv));
                        Packet o = new Packet();
                        other.load(o, frame);
                        o.sa = other.install(sb2, spi, version);
                        int ro = other.encoder.seal(o);
                        assertEquals(ra, ro, "seal result");
                        if (ra != 0) {
                            continue;
                        }
                        byte[] sealed = a.toByteArray();
                        assertArrayEquals(sealed, o.toByteArray(), name + " v" + version + " size " + size + " co " + co);
                        // cross open
                        Packet x = other.load(sealed);
                        assertEquals(0, otherDec.open(x));
                        assertArrayEquals(frame, x.toByteArray());
                        // tamper the same byte in both: both fail the same way
                        int pos = 14 + r.nextInt(sealed.length - 14);
                        byte[] bad = sealed.clone();
                        bad[pos] ^= 0x10;
                        int rj = jdkDec.open(jdk.load(bad));
                        int rb = otherDec.open(other.load(bad));
                        assertEquals(rj, rb, "tampered at " + pos);
                    }
                }
            }
            assertEquals(jdk.rxCounters.rxAuthFail, other.rxCounters.rxAuthFail);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void burstsSealAndOpenWithFailuresAtTheTail(String name) {
        AeadBackend b = AeadBackends.byName(name);
        Assumptions.assumeTrue(b.isAvailable(), () -> name + " unavailable: " + b.unavailabilityCause());
        int slot = 8192;
        try (CodecHarness h = new CodecHarness(b, RoundTripTest.MK0, RoundTripTest.MK1, 0)) {
            java.lang.foreign.MemorySegment slab = h.arena.allocate(40L * slot);
            Packet[] burst = new Packet[40];
            byte[][] frames = new byte[40][];
            TxSa sa = h.install(TxSa.builder().mode(Mode.TUNNEL).cryptOffset(1).ivSource(new CounterIvSource(1)), 0x77, 1);
            for (int i = 0; i < 40; i++) {
                frames[i] = i == 13 ? new byte[30] : Frames.spec().seed(i).payload(i * 97).build(); // #13 is not IP
                java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(frames[i]), 0, slab, (long) slot * i + 256, frames[i].length);
                burst[i] = new Packet().wrap(slab, (long) slot * i, (long) slot * (i + 1), (long) slot * i + 256, frames[i].length);
                burst[i].sa = sa;
            }
            Packet notIp = burst[13];
            assertEquals(39, h.encoder.sealBurst(burst, 40));
            assertEquals(notIp, burst[39]);
            assertEquals(Reason.TX_NOT_IP.code(), notIp.result);
            Packet tampered = burst[5];
            long last = tampered.offset + tampered.length - 1;
            Bytes.u8(tampered.segment, last, Bytes.u8(tampered.segment, last) ^ 0x01); // one ICV bit
            PspDecoder dec = h.decoder(Mode.TUNNEL);
            assertEquals(38, dec.openBurst(burst, 39));
            assertEquals(tampered, burst[38]);
            assertEquals(Reason.RX_AUTH_FAIL.code(), tampered.result);
            for (int i = 0; i < 38; i++) {
                int idx = (int) ((burst[i].base) / slot);
                assertArrayEquals(frames[idx], burst[i].toByteArray(), "packet " + idx);
            }
        }
    }
}
