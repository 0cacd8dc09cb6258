package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.ResourceExhaustedException;
import io.berth.server.streaming.MutableClock;
import io.berth.server.streaming.StreamRequest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenStoreTest {
    MutableClock clock = new MutableClock();
    TokenStore tokens = new TokenStore(clock, Duration.ofMinutes(1), 3);
    StreamRequest request = new StreamRequest.PortForward("p", List.of(80));

    @Test
    void aTokenIsUsedOnce() {
        String t = tokens.insert(request);
        assertThat(t).matches("[A-Za-z0-9_-]{22}");
        assertThat(tokens.consume(t)).contains(request);
        assertThat(tokens.consume(t)).isEmpty();
        assertThat(tokens.consume("nope")).isEmpty();
    }

    @Test
    void aTokenExpiresAfterItsTtl() {
        String t = tokens.insert(request);
        clock.advance(Duration.ofSeconds(60));
        assertThat(tokens.consume(t)).isEmpty();
    }

    @Test
    void onlySoManyWaitAndExpiredOnesMakeRoom() {
        tokens.insert(request);
        tokens.insert(request);
        tokens.insert(request);
        assertThatThrownBy(() -> tokens.insert(request)).isInstanceOf(ResourceExhaustedException.class)
                .hasMessageContaining("maximum number of in-flight streaming requests (3)");
        clock.advance(Duration.ofSeconds(61));
        tokens.insert(request);
        assertThat(tokens.size()).isEqualTo(1);
    }

    @Test
    void tokensAreDistinct() {
        TokenStore many = new TokenStore();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(many.insert(request));
        }
        assertThat(seen).hasSize(1000);
    }
}
