package dev.psp.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The Java declarations of psp_shim.h against what the C compiler says. */
class NativeShimLayoutTest {

    @Test
    void vecLayoutMatchesC() {
        Assumptions.assumeTrue(NativeShim.isAvailable(), () -> "shim unavailable: " + NativeShim.unavailabilityCause());
        assertEquals(ValueLayout.ADDRESS.byteSize(), NativeShim.layout(NativeShim.Q_POINTER_SIZE), "pointer size");
        assertEquals(NativeShim.VEC.byteSize(), NativeShim.layout(NativeShim.Q_VEC_SIZE), "sizeof(struct psp_shim_vec)");
        assertEquals(NativeShim.VEC_NUM_OFFSET, NativeShim.layout(NativeShim.Q_VEC_NUM), "num");
        assertEquals(NativeShim.VEC_BASE_OFFSET, NativeShim.layout(NativeShim.Q_VEC_BASE), "base");
        assertEquals(NativeShim.VEC_AAD_LEN_OFFSET, NativeShim.layout(NativeShim.Q_VEC_AAD_LEN), "aad_len");
        assertEquals(NativeShim.VEC_TEXT_LEN_OFFSET, NativeShim.layout(NativeShim.Q_VEC_TEXT_LEN), "text_len");
        assertEquals(NativeShim.VEC_KEY_OFFSET, NativeShim.layout(NativeShim.Q_VEC_KEY), "key");
        assertEquals(NativeShim.VEC_STATUS_OFFSET, NativeShim.layout(NativeShim.Q_VEC_STATUS), "status");
        assertEquals(NativeShim.VEC_SRC_OFFSET, NativeShim.layout(NativeShim.Q_VEC_SRC), "src");
        assertEquals(NativeShim.VEC_SRC_LEN_OFFSET, NativeShim.layout(NativeShim.Q_VEC_SRC_LEN), "src_len");
        assertEquals(NativeShim.VEC_FLAGS_OFFSET, NativeShim.layout(NativeShim.Q_VEC_FLAGS), "flags");
        assertEquals(NativeShim.F_SPLIT_STAGE, NativeShim.layout(NativeShim.Q_F_SPLIT_STAGE), "PSP_SHIM_F_SPLIT_STAGE");
        assertEquals(NativeShim.VEC_TEXT_SUM_OFFSET, NativeShim.layout(NativeShim.Q_VEC_TEXT_SUM), "text_sum");
        assertEquals(NativeShim.F_TEXT_SUM, NativeShim.layout(NativeShim.Q_F_TEXT_SUM), "PSP_SHIM_F_TEXT_SUM");
        assertEquals(NativeShim.EINVAL, NativeShim.layout(NativeShim.Q_EINVAL), "EINVAL");
        assertEquals(NativeShim.EBADMSG, NativeShim.layout(NativeShim.Q_EBADMSG), "EBADMSG");
        assertEquals(NativeShim.ENOMEM, NativeShim.layout(NativeShim.Q_ENOMEM), "ENOMEM");
        assertEquals(NativeShim.ENOTSUP, NativeShim.layout(NativeShim.Q_ENOTSUP), "ENOTSUP");
        assertEquals(NativeShim.FRAMES.byteSize(), NativeShim.layout(NativeShim.Q_FRAMES_SIZE), "sizeof(struct psp_shim_frames)");
        assertEquals(NativeShim.FRAMES_FRAME_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_FRAME), "frame");
        assertEquals(NativeShim.FRAMES_FRAME_LEN_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_FRAME_LEN), "frame_len");
        assertEquals(NativeShim.FRAMES_IV_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_IV), "iv");
        assertEquals(NativeShim.FRAMES_SA_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_SA), "sa");
        assertEquals(NativeShim.FRAMES_VC_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_VC), "vc");
        assertEquals(NativeShim.FRAMES_SPORT_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_SPORT), "sport");
        assertEquals(NativeShim.FRAMES_KEY_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_KEY), "key");
        assertEquals(NativeShim.FRAMES_STATUS_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_STATUS), "status");
        assertEquals(NativeShim.FRAMES_HASH_OFFSET, NativeShim.layout(NativeShim.Q_FRAMES_HASH), "hash");
        assertEquals(NativeShim.TSO.byteSize(), NativeShim.layout(NativeShim.Q_TSO_SIZE), "sizeof(struct psp_shim_tso)");
        assertEquals(NativeShim.tsoOffset("tmpl"), NativeShim.layout(NativeShim.Q_TSO_TMPL), "tmpl");
        assertEquals(NativeShim.tsoOffset("ip_sum"), NativeShim.layout(NativeShim.Q_TSO_IP_SUM), "ip_sum");
        assertEquals(NativeShim.tsoOffset("key"), NativeShim.layout(NativeShim.Q_TSO_KEY), "key");
        assertEquals(NativeShim.tsoOffset("dst"), NativeShim.layout(NativeShim.Q_TSO_DST), "dst");
        assertEquals(NativeShim.tsoOffset("status"), NativeShim.layout(NativeShim.Q_TSO_STATUS), "status");
        assertEquals(NativeShim.tsoOffset("l4_sum"), NativeShim.layout(NativeShim.Q_TSO_L4_SUM), "l4_sum");
        assertEquals(-NativeShim.EINVAL, NativeShim.layout(999), "unknown query");
    }

    @Test
    void evpConstantsMatchOpenSslHeader() {
        Assumptions.assumeTrue(NativeShim.isAvailable(), () -> "shim unavailable: " + NativeShim.unavailabilityCause());
        assertEquals(LibCrypto.EVP_CTRL_GCM_SET_IVLEN, NativeShim.layout(NativeShim.Q_EVP_CTRL_GCM_SET_IVLEN));
        assertEquals(LibCrypto.EVP_CTRL_GCM_GET_TAG, NativeShim.layout(NativeShim.Q_EVP_CTRL_GCM_GET_TAG));
        assertEquals(LibCrypto.EVP_CTRL_GCM_SET_TAG, NativeShim.layout(NativeShim.Q_EVP_CTRL_GCM_SET_TAG));
    }

    @Test
    void versionsAndAvailability() {
        Assumptions.assumeTrue(NativeShim.isAvailable(), () -> "shim unavailable: " + NativeShim.unavailabilityCause());
        assertEquals(1, NativeShim.available(NativeShim.IMPL_OPENSSL));
        assertEquals(0, NativeShim.available(0));
        assertNotNull(NativeShim.version(NativeShim.IMPL_IPSEC_MB));
        assertTrue(NativeShim.version(NativeShim.IMPL_OPENSSL).startsWith("OpenSSL"), NativeShim.version(NativeShim.IMPL_OPENSSL));
        System.out.println("shim " + NativeShim.loadedFrom() + ": ipsec-mb " + NativeShim.version(NativeShim.IMPL_IPSEC_MB)
                + " (available " + NativeShim.available(NativeShim.IMPL_IPSEC_MB) + "), "
                + NativeShim.version(NativeShim.IMPL_OPENSSL));
    }

    @Test
    void libCryptoLoadsOrSaysWhy() {
        if (!LibCrypto.isAvailable()) {
            assertNotNull(LibCrypto.unavailabilityCause());
            Assumptions.abort("libcrypto unavailable: " + LibCrypto.unavailabilityCause());
        }
        assertTrue(LibCrypto.version().startsWith("OpenSSL"), LibCrypto.version());
        assertTrue(LibCrypto.evpAesGcm(16) != 0 && LibCrypto.evpAesGcm(32) != 0);
    }
}
