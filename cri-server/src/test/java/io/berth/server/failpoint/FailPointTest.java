package io.berth.server.failpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FailPointTest {
    @Test
    void everyPointHasItsOwnIdNamingTheRpcAndTheStep() {
        assertThat(Arrays.stream(FailPoint.values()).map(FailPoint::id)).doesNotHaveDuplicates()
                .allMatch(id -> id.matches("[a-z-]+\\.[a-z-]+"));
        assertThat(FailPoint.RUN_POD_SANDBOX_AFTER_NAMESPACES.id()).isEqualTo("run-pod-sandbox.after-namespaces");
    }

    @Test
    void anIdNamesItsPointAndAnUnknownOneIsRefusedWithTheKnownOnes() {
        for (FailPoint p : FailPoint.values()) {
            assertThat(FailPoint.parse(p.id())).isEqualTo(p);
        }
        assertThatThrownBy(() -> FailPoint.parse("create-container.after-bundel"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown fail point 'create-container.after-bundel'")
                .hasMessageContaining("create-container.after-bundle");
    }

    @Test
    void noPointIsArmedUnlessTheTestOnlyPropertyIsSet() {
        assertThat(System.getProperty(FailPoint.PROPERTY)).isNull();
        assertThat(FailPoint.armed()).isEmpty();
        // Unarmed, reaching a point returns: this test still runs.
        FailPoint.CREATE_CONTAINER_AFTER_BUNDLE.reach();
    }
}
