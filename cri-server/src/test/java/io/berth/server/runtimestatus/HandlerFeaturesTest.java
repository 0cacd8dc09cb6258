package io.berth.server.runtimestatus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
class HandlerFeaturesTest {

    @Test
    void recursiveReadOnlyNeedsMountSetattrFromLinux512() {
        assertThat(HandlerFeatures.kernelHasMountSetattr("5.12.0")).isTrue();
        assertThat(HandlerFeatures.kernelHasMountSetattr("6.18.44-fc-v1300")).isTrue();
        assertThat(HandlerFeatures.kernelHasMountSetattr("5.11.22-generic")).isFalse();
        assertThat(HandlerFeatures.kernelHasMountSetattr("4.19.0")).isFalse();
        assertThat(HandlerFeatures.kernelHasMountSetattr("")).isFalse();
        assertThat(HandlerFeatures.kernelHasMountSetattr("garbage")).isFalse();
    }

    @Test
    void mountOptionsComeFromTheRuntimesFeaturesDocument() {
        String runc = "{\"ociVersionMin\": \"1.0.0\", \"mountOptions\": [\"bind\", \"rbind\", \"rro\", \"ro\"]}";
        assertThat(HandlerFeatures.MountOptions.parse(runc.getBytes(StandardCharsets.UTF_8)).has("rro")).isTrue();
        String old = "{\"mountOptions\": [\"bind\", \"ro\"]}";
        assertThat(HandlerFeatures.MountOptions.parse(old.getBytes(StandardCharsets.UTF_8)).has("rro")).isFalse();
        for (String broken : new String[] {"", "not json", "{\"mountOptions\": \"rro\"}", "[\"rro\"]"}) {
            assertThat(HandlerFeatures.MountOptions.parse(broken.getBytes(StandardCharsets.UTF_8)).has("rro"))
                    .as(broken).isFalse();
        }
    }

    @Test
    void aRuntimeWithoutAFeaturesCommandClaimsNothing() {
        assertThat(HandlerFeatures.runtimeMountOptions("/bin/false").has("rro")).isFalse();
        assertThat(HandlerFeatures.runtimeMountOptions("/nonexistent/runtime").has("rro")).isFalse();
    }
}
