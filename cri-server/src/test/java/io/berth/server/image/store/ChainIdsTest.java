package io.berth.server.image.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChainIdsTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @Test
    void firstChainIdIsTheDiffIdAndLaterOnesHashParentSpaceDiffId() {
        // Expected value from: printf 'sha256:aaa… sha256:bbb…' | sha256sum
        assertThat(ChainIds.of(List.of(A, B))).containsExactly(A,
                "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
    }

    @Test
    void sharedLayerPrefixesShareChainIds() {
        List<String> one = ChainIds.of(List.of(A, B));
        List<String> two = ChainIds.of(List.of(A, B, A));
        assertThat(two.subList(0, 2)).isEqualTo(one);
        assertThat(two.get(2)).isNotIn(one);
        assertThat(ChainIds.of(List.of(B, A)).get(1)).isNotEqualTo(one.get(1));
    }

    @Test
    void noLayersNoChain() {
        assertThat(ChainIds.of(List.of())).isEmpty();
    }
}
