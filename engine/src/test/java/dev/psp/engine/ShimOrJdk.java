package dev.psp.engine;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.ShimAeadBackend;

/** The backend the fuzz targets run their fast side on: the shim (intel-ipsec-mb, else OpenSSL), else the JDK. */
public final class ShimOrJdk {
    private static boolean told;

    private ShimOrJdk() {}

    /** The shim backend that loads, else the JDK backend, saying so on stderr once per JVM ({@code who} names the test). */
    public static AeadBackend backend(String who) {
        AeadBackend b = AeadBackends.byName(ShimAeadBackend.IPSEC_MB_NAME);
        if (!b.isAvailable()) {
            b = AeadBackends.byName(ShimAeadBackend.OPENSSL_NAME);
        }
        if (!b.isAvailable()) {
            if (!told) {
                told = true;
                System.err.println(who + ": no shim backend (" + b.unavailabilityCause() + "): the JDK backend instead");
            }
            b = AeadBackends.jdk();
        }
        return b;
    }
}
