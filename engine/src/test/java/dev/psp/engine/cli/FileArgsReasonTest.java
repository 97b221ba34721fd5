package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** {@link FileArgs#reason}: the OS reason, never an exception class name, even when there is no message. */
class FileArgsReasonTest {
    @Test
    void theReasonNeverNamesTheExceptionClass() {
        assertEquals("no such file or directory", FileArgs.reason(new NoSuchFileException("/x")));
        assertEquals("No space left on device", FileArgs.reason(new FileSystemException("/x", null, "No space left on device")));
        assertEquals("Input/output error", FileArgs.reason(new IOException("Input/output error")));
        for (IOException e : new IOException[] {new IOException(), new FileSystemException("/x")}) {
            String r = FileArgs.reason(e);
            assertFalse(r.contains("Exception"), r);
            assertEquals("input/output error", r);
        }
        assertEquals("unexpected end of file", FileArgs.reason(new java.io.EOFException()));
    }
}
