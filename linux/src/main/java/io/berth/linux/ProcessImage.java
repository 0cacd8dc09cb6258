package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import java.util.List;
import java.util.Map;

/**
 * Replacing this whole process, JVM included, with another program (execve(2)): same pid, same parent,
 * and every descriptor that is not close-on-exec is inherited. No shutdown hook runs and whatever the
 * JVM still buffered is lost, so flush first.
 */
public final class ProcessImage {
    private ProcessImage() {}

    /**
     * Executes {@code program} (a path; there is no PATH lookup) with {@code argv} and exactly {@code env}.
     * Returns only by throwing: when the kernel refused, this JVM keeps running unchanged.
     */
    public static void replace(String program, List<String> argv, Map<String, String> env) throws ErrnoException {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv needs at least the program name");
        }
        // StringArray is a NULL-terminated char*[] in native memory, as execve wants both arrays.
        StringArray args = new StringArray(argv.toArray(String[]::new));
        StringArray envp = new StringArray(env.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new));
        try (Memory empty = new Memory(ProcessCalls.SIGSET_BYTES); Memory saved = new Memory(ProcessCalls.SIGSET_BYTES)) {
            // The new program inherits this thread's signal mask, and the JVM blocks some signals in its
            // threads (SIGQUIT among them); a program expects to start with none blocked.
            ProcessCalls.sigemptyset(empty);
            ProcessCalls.pthread_sigmask(ProcessCalls.SIG_SETMASK, empty, saved);
            try {
                ProcessCalls.execve(program, args, envp);
                throw new IllegalStateException("execve returned without an error");
            } catch (LastErrorException e) {
                throw new ErrnoException("execve(" + program + ")", e.getErrorCode());
            } finally {
                ProcessCalls.pthread_sigmask(ProcessCalls.SIG_SETMASK, saved, null);
            }
        }
    }
}
