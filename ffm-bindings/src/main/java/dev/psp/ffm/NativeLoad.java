package dev.psp.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/** Helpers shared by the bindings: library lookup, handle creation, load-failure messages. */
final class NativeLoad {
    static final Linker LINKER = Linker.nativeLinker();
    /**
     * For short calls that never block or call back. Pointers are passed as {@code long}
     * addresses, so heap access is not needed ({@code critical(false)}).
     */
    static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private NativeLoad() {}

    /** Looks up the first library of {@code names} that dlopen finds; throws with every reason. */
    static SymbolLookup libraryByName(String... names) {
        IllegalArgumentException first = null;
        for (String name : names) {
            try {
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        throw first;
    }

    static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError("symbol " + name + " not found"));
        return LINKER.downcallHandle(sym, fd, options);
    }

    /** A one-line reason for a failed load, naming the missing flag when that is the cause. */
    static String describe(String what, Throwable t) {
        if (t instanceof IllegalCallerException) {
            return what + ": native access denied; run with --enable-native-access=ALL-UNNAMED (" + t.getMessage() + ")";
        }
        return what + ": " + t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "n/a" : p.reinterpret(4096).getString(0);
    }
}
