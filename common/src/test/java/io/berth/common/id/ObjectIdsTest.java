package io.berth.common.id;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.validate.Require;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObjectIdsTest {
    @Test
    void idsAreFullIdsAndDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = ObjectIds.random();
            assertThat(Require.isFullId(id)).as(id).isTrue();
            assertThat(seen.add(id)).as("repeated " + id).isTrue();
        }
    }
}
