package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha256Test {
    @Test
    void libcryptoLoadsOnTheNodesWeSupport() {
        // Debian 12 with scripts/debian-packages.txt (libssl3): without it pulls hash at a tenth of the speed.
        assertThat(Sha256.isNative()).isTrue();
    }

    @Test
    void matchesTheKnownAnswers() {
        assertThat(hex(Sha256.newHasher().digest(new byte[0])))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(hex(Sha256.newHasher().digest("abc".getBytes())))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void agreesWithTheJdkWhateverWayTheBytesArrive() {
        Random random = new Random(42);
        byte[] content = new byte[300_000];
        random.nextBytes(content);
        for (int round = 0; round < 50; round++) {
            int length = random.nextInt(content.length);
            MessageDigest ours = Sha256.newHasher();
            int at = 0;
            while (at < length) {
                int step = switch (random.nextInt(4)) {
                    case 0 -> 1;
                    case 1 -> random.nextInt(64);
                    case 2 -> random.nextInt(70_000);
                    default -> 64 + random.nextInt(200);
                };
                step = Math.min(step, length - at);
                if (step == 1) {
                    ours.update(content[at]);
                } else {
                    ours.update(content, at, step);
                }
                at += step;
            }
            MessageDigest jdk = Sha256.jdkHasher();
            jdk.update(content, 0, length);
            assertThat(hex(ours.digest())).as("%d bytes", length).isEqualTo(hex(jdk.digest()));
        }
    }

    @Test
    void startsAfreshAfterADigestAndAfterAReset() {
        MessageDigest hasher = Sha256.newHasher();
        hasher.update("left over".getBytes());
        hasher.digest();
        assertThat(hex(hasher.digest("abc".getBytes()))).startsWith("ba7816bf");
        hasher.update("also left over".getBytes());
        hasher.reset();
        assertThat(hex(hasher.digest("abc".getBytes()))).startsWith("ba7816bf");
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
