package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.KeyValue;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProcessArgsTest {
    private static List<String> l(String s) {
        return s.isEmpty() ? List.of() : Arrays.asList(s.split(" "));
    }

    static Stream<Arguments> matrix() {
        // command, args, image entrypoint, image cmd -> argv
        return Stream.of(
                Arguments.of("", "", "/ep e1", "c1 c2", "/ep e1 c1 c2"),
                Arguments.of("", "", "", "/cmd c1", "/cmd c1"),
                Arguments.of("", "", "/ep", "", "/ep"),
                Arguments.of("", "a1 a2", "/ep e1", "c1", "/ep e1 a1 a2"),
                Arguments.of("", "/a a1", "", "c1", "/a a1"),
                Arguments.of("/x", "", "/ep", "c1", "/x"),
                Arguments.of("/x x1", "a1", "/ep", "c1", "/x x1 a1"),
                Arguments.of("/x", "a1", "", "", "/x a1"));
    }

    @ParameterizedTest(name = "command=[{0}] args=[{1}] entrypoint=[{2}] cmd=[{3}]")
    @MethodSource("matrix")
    void mergesCommandAndArgsLikeKubelet(String command, String args, String ep, String cmd, String expected) {
        ImageProcessDefaults image = new ImageProcessDefaults("", List.of(), l(ep), l(cmd), "", "");
        assertThat(ProcessArgs.argv(l(command), l(args), image)).isEqualTo(l(expected));
    }

    @Test
    void anArgumentOrEnvironmentEntryExecveWouldRefuseIsRefusedAtCreate() {
        String longest = "x".repeat(ProcessArgs.MAX_ARG_STRLEN - 1);
        assertThat(ProcessArgs.argv(List.of("/bin/true", longest), List.of(), ImageProcessDefaults.empty()))
                .hasSize(2);
        assertThatThrownBy(() -> ProcessArgs.argv(List.of("/bin/true", longest + "x"), List.of(),
                ImageProcessDefaults.empty())).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("MAX_ARG_STRLEN");
        ImageProcessDefaults image = new ImageProcessDefaults("", List.of("BIG=" + longest), List.of("/bin/true"),
                List.of(), "", "");
        assertThatThrownBy(() -> ProcessEnv.merge("", image, List.of()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("image's Env").hasMessageContaining("BIG");
    }

    @Test
    void nothingToRunIsAnError() {
        assertThatThrownBy(() -> ProcessArgs.argv(List.of(), List.of(), ImageProcessDefaults.empty()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("no command specified");
        assertThatThrownBy(() -> ProcessArgs.argv(List.of(""), List.of(), ImageProcessDefaults.empty()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("no command specified");
        assertThatThrownBy(() -> ProcessArgs.argv(List.of("/x", "a\0b"), List.of(), ImageProcessDefaults.empty()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("NUL");
    }

    @Test
    void workingDirComesFromRequestThenImageThenRoot() {
        ImageProcessDefaults image = new ImageProcessDefaults("", List.of(), List.of(), List.of(), "/srv", "");
        assertThat(ProcessArgs.workingDir("/work", image)).isEqualTo("/work");
        assertThat(ProcessArgs.workingDir("", image)).isEqualTo("/srv");
        assertThat(ProcessArgs.workingDir("", ImageProcessDefaults.empty())).isEqualTo("/");
        assertThatThrownBy(() -> ProcessArgs.workingDir("rel", image))
                .isInstanceOf(InvalidArgumentException.class).hasMessageStartingWith("config.working_dir:");
        ImageProcessDefaults relative = new ImageProcessDefaults("", List.of(), List.of(), List.of(), "srv", "");
        assertThatThrownBy(() -> ProcessArgs.workingDir("", relative))
                .isInstanceOf(InvalidArgumentException.class).hasMessageStartingWith("image config WorkingDir:");
    }

    @Test
    void requestEnvOverridesImageEnvByKeyAndKeepsOrder() {
        ImageProcessDefaults image = new ImageProcessDefaults("", List.of("PATH=/opt/bin", "A=1", "B=2", "BARE"),
                List.of(), List.of(), "", "");
        List<String> env = ProcessEnv.merge("web-0", image,
                List.of(KeyValue.newBuilder().setKey("A").setValue(ByteString.copyFromUtf8("x=y")).build(),
                        KeyValue.newBuilder().setKey("C").setValue(ByteString.copyFromUtf8("3")).build()));
        assertThat(env).containsExactly("PATH=/opt/bin", "HOSTNAME=web-0", "A=x=y", "B=2", "C=3");
    }

    @Test
    void defaultPathWhenNobodySetsOne() {
        assertThat(ProcessEnv.merge("", ImageProcessDefaults.empty(), List.of()))
                .containsExactly("PATH=" + ProcessEnv.DEFAULT_PATH);
    }

    @Test
    void refusesBadVariableNames() {
        for (String bad : new String[] {"", "A=B", "A\0"}) {
            assertThatThrownBy(() -> ProcessEnv.merge("", ImageProcessDefaults.empty(),
                    List.of(KeyValue.newBuilder().setKey(bad).setValue(ByteString.copyFromUtf8("v")).build())))
                    .isInstanceOf(InvalidArgumentException.class).hasMessageStartingWith("config.envs:");
        }
        ImageProcessDefaults image = new ImageProcessDefaults("", List.of("=nokey"), List.of(), List.of(), "", "");
        assertThatThrownBy(() -> ProcessEnv.merge("", image, List.of()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageStartingWith("image config Env:");
    }
}
