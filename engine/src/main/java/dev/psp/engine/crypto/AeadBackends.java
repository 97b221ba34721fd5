package dev.psp.engine.crypto;

import java.util.ArrayList;
import java.util.List;

/**
 * The registry of AEAD backends, best first. {@link #best()} falls back along the list to the JDK
 * backend, which is always available.
 */
public final class AeadBackends {
    private static final List<AeadBackend> ALL = discover();

    private AeadBackends() {}

    private static List<AeadBackend> discover() {
        List<AeadBackend> list = new ArrayList<>();
        list.add(ShimAeadBackend.ipsecMb());
        list.add(ShimAeadBackend.openSsl());
        list.add(new JdkAeadBackend());
        list.add(new OpenSslAeadBackend());
        return List.copyOf(list);
    }

    /** Every known backend, available or not, best first. */
    public static List<AeadBackend> all() {
        return ALL;
    }

    /** The first available backend of {@link #all()}. */
    public static AeadBackend best() {
        for (AeadBackend b : ALL) {
            if (b.isAvailable()) {
                return b;
            }
        }
        throw new IllegalStateException("no AEAD backend available");
    }

    /** The backend named {@code name} ("best" for {@link #best()}), or null when unknown. */
    public static AeadBackend byName(String name) {
        if ("best".equals(name)) {
            return best();
        }
        for (AeadBackend b : ALL) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        return null;
    }

    public static AeadBackend jdk() {
        return byName(JdkAeadBackend.NAME);
    }
}
