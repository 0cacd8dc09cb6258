package io.berth.server.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.ImageSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageHandlersTest {
    private final ImageHandlers handlers = new ImageHandlers(List.of("runc", "crun"));

    @Test
    void theDefaultAndConfiguredHandlersAreAccepted() {
        assertThat(handlers.check(ImageSpec.newBuilder().setImage("busybox").build(), "image")).isEmpty();
        assertThat(handlers.check(ImageSpec.newBuilder().setImage("busybox").setRuntimeHandler("crun").build(),
                "image")).isEqualTo("crun");
    }

    @Test
    void anUnknownHandlerIsNamedWithTheConfiguredOnes() {
        assertThatThrownBy(() -> handlers.check(ImageSpec.newBuilder().setImage("busybox")
                .setRuntimeHandler("kata\n").build(), "filter.image"))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("filter.image.runtime_handler 'kata\\x0a' is not configured; configured handlers: crun, runc");
    }
}
