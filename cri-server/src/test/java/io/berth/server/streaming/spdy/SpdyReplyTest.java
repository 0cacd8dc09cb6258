package io.berth.server.streaming.spdy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import org.junit.jupiter.api.Test;

/** The SYN_REPLY bytes on the wire, as Go's SPDY framer reads them (crictl exec, attach, port-forward). */
class SpdyReplyTest {

    @Test
    void replyCarriesAHeaderBlockGoCanDecode() {
        EmbeddedChannel wire = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
        wire.writeOutbound(SpdyConnection.reply(7));
        ByteBuf frame = wire.readOutbound();
        try {
            // Control frame: version 3, type 2 (SYN_REPLY), then flags and a 24-bit length.
            assertThat(frame.getUnsignedShort(0) & 0x7fff).isEqualTo(3);
            assertThat(frame.getUnsignedShort(2)).isEqualTo(2);
            int length = frame.getUnsignedMedium(5);
            assertThat(frame.getInt(8) & 0x7fffffff).isEqualTo(7);
            // Four bytes of stream id alone is what Go's framer cannot decode: a zlib block must follow.
            assertThat(length).isGreaterThan(4);
            assertThat(frame.readableBytes()).isEqualTo(8 + length);
        } finally {
            frame.release();
            wire.finishAndReleaseAll();
        }
    }

    @Test
    void replyHeadersAreThoseOfASpdy3Reply() {
        SpdySynReplyFrame reply = SpdyConnection.reply(1);
        assertThat(reply.headers().getAsString(":status")).isEqualTo("200");
        assertThat(reply.headers().getAsString(":version")).isEqualTo("HTTP/1.1");
    }
}
