package io.berth.server.streaming.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class PendingConnectionsTest {

    @Test
    void theOldestPendingConnectionMakesRoomAndSessionsNeverDo() {
        PendingConnections pending = new PendingConnections(2);
        EmbeddedChannel session = new EmbeddedChannel();
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();
        pending.admit(session);
        pending.authenticated(session);
        pending.admit(first);
        pending.admit(second);
        assertThat(pending.size()).isEqualTo(2);
        pending.admit(third);
        assertThat(first.isOpen()).isFalse();
        assertThat(second.isOpen()).isTrue();
        assertThat(third.isOpen()).isTrue();
        assertThat(session.isOpen()).as("a session is not pending and is never evicted").isTrue();
        second.close();
        assertThat(pending.size()).as("a closed connection stops counting").isEqualTo(1);
    }
}
