package io.berth.server.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvocationTest {
    @Test
    void theSocketDefaultsToTheOneInBerthsStateDir() throws Exception {
        Invocation health = Invocation.parse("health");

        assertThat(health.socket()).isEqualTo(Path.of("/run/berth/admin.sock"));
        assertThat(health.command()).isEqualTo(Invocation.Command.HEALTH);
        assertThat(health.json()).isFalse();
    }

    @Test
    void theSocketFlagTakesItsValueEitherWay() throws Exception {
        assertThat(Invocation.parse("--socket", "/tmp/a.sock", "version").socket()).isEqualTo(Path.of("/tmp/a.sock"));
        assertThat(Invocation.parse("--socket=/tmp/b.sock", "version").socket()).isEqualTo(Path.of("/tmp/b.sock"));
    }

    @Test
    void jsonMayFollowTheCommand() throws Exception {
        Invocation dump = Invocation.parse("debug", "dump", "--json");

        assertThat(dump.command()).isEqualTo(Invocation.Command.DEBUG_DUMP);
        assertThat(dump.json()).isTrue();
    }

    @Test
    void importTakesFilesAndStandardInput() throws Exception {
        Invocation in = Invocation.parse("images", "import", "a.tar", "-", "--", "-odd.tar");

        assertThat(in.command()).isEqualTo(Invocation.Command.IMAGES_IMPORT);
        assertThat(in.operands()).containsExactly("a.tar", "-", "-odd.tar");
    }

    @Test
    void exportTakesAReferenceAndAFile() throws Exception {
        Invocation out = Invocation.parse("images", "export", "busybox:latest", "busybox.tar");

        assertThat(out.command()).isEqualTo(Invocation.Command.IMAGES_EXPORT);
        assertThat(out.operands()).isEqualTo(List.of("busybox:latest", "busybox.tar"));
    }

    @Test
    void noCommandOrHelpIsHelp() throws Exception {
        assertThat(Invocation.parse().command()).isEqualTo(Invocation.Command.HELP);
        assertThat(Invocation.parse("images", "--help").command()).isEqualTo(Invocation.Command.HELP);
    }

    @Test
    void mistakesAreUsageErrorsThatSayWhatIsWrong() {
        assertUsage(new String[] {"status"}, "unknown command 'status'");
        assertUsage(new String[] {"--verbose", "health"}, "unknown flag --verbose");
        assertUsage(new String[] {"--socket"}, "--socket needs a path");
        assertUsage(new String[] {"debug"}, "debug dump");
        assertUsage(new String[] {"health", "now"}, "health takes no arguments");
        assertUsage(new String[] {"images", "import"}, "at least one FILE");
        assertUsage(new String[] {"images", "import", "-", "-"}, "standard input (-) only once");
        assertUsage(new String[] {"images", "export", "busybox"}, "REF and FILE");
        assertUsage(new String[] {"images", "export", "busybox", "a.tar", "--json"}, "--json is for");
        assertUsage(new String[] {"images", "list"}, "images needs a subcommand");
    }

    private static void assertUsage(String[] args, String message) {
        assertThatThrownBy(() -> Invocation.parse(args)).isInstanceOf(Invocation.UsageException.class)
                .hasMessageContaining(message);
    }
}
