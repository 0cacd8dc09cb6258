package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.berth.common.error.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentSpaceTest {
    private static final long MIB = 1024 * 1024;
    private static final String TRUE = "/bin/true";

    @Test
    void theRoomIsAQuarterOfTheStackLimitBetween32PagesAndSixMebibytes() {
        assertThat(ArgumentSpace.forStackLimit(8 * MIB).bytes()).isEqualTo(2 * MIB);
        assertThat(ArgumentSpace.DEFAULT.bytes()).isEqualTo(2 * MIB);
        assertThat(ArgumentSpace.forStackLimit(16 * MIB).bytes()).isEqualTo(4 * MIB);
        assertThat(ArgumentSpace.forStackLimit(Long.MAX_VALUE).bytes()).isEqualTo(6 * MIB);
        assertThat(ArgumentSpace.forStackLimit(64 * 1024).bytes()).isEqualTo(32 * 4096);
    }

    @Test
    void theRefusalNamesTheSizesAndTheRule() {
        ArgumentSpace space = ArgumentSpace.forStackLimit(8 * MIB);
        List<String> env = environmentOfExactly(3 * MIB);
        assertThatThrownBy(() -> space.check(List.of(TRUE), env)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("config.envs").hasMessageContaining("execve")
                .hasMessageContaining(Long.toString(2 * MIB)).hasMessageContaining("environment entries: " + env.size());
    }

    @Test
    void theStackLimitIsTheSoftOneOfProcLimitsAndAnUnreadableOneIsTheKernelsDefault() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max cpu time              unlimited            unlimited            seconds
                Max stack size            %s              unlimited            bytes
                Max core file size        0                    unlimited            bytes
                """;
        assertThat(ArgumentSpace.fromLimits(limits.formatted("16777216")).bytes()).isEqualTo(4 * MIB);
        assertThat(ArgumentSpace.fromLimits(limits.formatted("unlimited")).bytes()).isEqualTo(6 * MIB);
        assertThat(ArgumentSpace.fromLimits(limits.formatted("lots"))).isEqualTo(ArgumentSpace.DEFAULT);
        assertThat(ArgumentSpace.fromLimits("")).isEqualTo(ArgumentSpace.DEFAULT);
    }

    /**
     * The rule is the kernel's: with this JVM's own stack limit, the largest environment the check lets through
     * runs, and one a KiB past what the kernel takes is refused by both.
     */
    @Test
    void whatTheCheckLetsThroughExecsAndWhatTheKernelRefusesItRefusesToo() throws Exception {
        ArgumentSpace space = ArgumentSpace.fromLimits(Files.readString(Path.of("/proc/self/limits")));
        long pointersAndArgv = 2 * Long.BYTES + TRUE.length() + 1;
        List<String> fits = environmentOfExactly(space.bytes() - ArgumentSpace.PROGRAM_PATH - pointersAndArgv);
        space.check(List.of(TRUE), fits);
        assertThat(exec(fits)).as("exit status of %s with the largest environment berth accepts", TRUE).isZero();

        // The kernel counts the program's path (here /bin/true) where berth counts PROGRAM_PATH.
        long kernelRoom = space.bytes() - (TRUE.length() + 1) - pointersAndArgv;
        List<String> over = environmentOfExactly(kernelRoom + 1024);
        assertThatThrownBy(() -> space.check(List.of(TRUE), over)).isInstanceOf(InvalidArgumentException.class);
        IOException refused = catchThrowableOfType(IOException.class, () -> exec(over));
        assertThat(refused).as("the kernel refuses it").isNotNull();
        assertThat(refused.getMessage()).contains("error=7"); // E2BIG
    }

    private static int exec(List<String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(TRUE);
        Map<String, String> vars = builder.environment();
        vars.clear();
        for (String entry : env) {
            int eq = entry.indexOf('=');
            vars.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return builder.start().waitFor();
    }

    /**
     * Entries of about 100 KiB (the kernel takes 128 KiB per string) whose strings, NULs and pointers take
     * exactly {@code bytes}.
     */
    private static List<String> environmentOfExactly(long bytes) {
        List<String> env = new ArrayList<>();
        long left = bytes;
        int chunk = 100 * 1024;
        while (left > 0) {
            String key = "E" + env.size() + "=";
            long overhead = key.length() + 1 + Long.BYTES;
            // The last entry takes what a further one could not hold.
            long value = left - overhead - chunk < 64 ? left - overhead : chunk;
            env.add(key + "x".repeat((int) value));
            left -= overhead + value;
        }
        return env;
    }
}
