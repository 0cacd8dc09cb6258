package io.berth.server.image.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
    private static final String SHA = "sha256:" + "ab".repeat(32);
    private static final String SHA512 = "sha512:" + "cd".repeat(64);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            busybox                              | docker.io/library/busybox:latest
            busybox:1.36                         | docker.io/library/busybox:1.36
            user/img                             | docker.io/user/img:latest
            docker.io/busybox                    | docker.io/library/busybox:latest
            index.docker.io/library/busybox:1    | docker.io/library/busybox:1
            index.docker.io/user/img             | docker.io/user/img:latest
            localhost/x                          | localhost/x:latest
            localhost:5000/x                     | localhost:5000/x:latest
            127.0.0.1:5000/a/b/c:v1              | 127.0.0.1:5000/a/b/c:v1
            quay.io/coreos/etcd:v3.5.0           | quay.io/coreos/etcd:v3.5.0
            Registry.Example/x                   | Registry.Example/x:latest
            [::1]:5000/x                         | [::1]:5000/x:latest
            a/b/c                                | docker.io/a/b/c:latest
            my-org/my_app__x.y                   | docker.io/my-org/my_app__x.y:latest
            """)
    void normalizesNames(String input, String expected) {
        assertThat(ImageReference.parse(input).toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            busybox@SHA                 | docker.io | library/busybox | <null> | SHA
            busybox:1.36@SHA            | docker.io | library/busybox | 1.36   | SHA
            localhost:5000/x:t@SHA512   | localhost:5000 | x          | t      | SHA512
            """, nullValues = "<null>")
    void keepsTagAndDigest(String input, String domain, String repository, String tag, String digest) {
        ImageReference ref = ImageReference.parse(input.replace("SHA512", SHA512).replace("SHA", SHA));
        String expectedDigest = digest.equals("SHA512") ? SHA512 : SHA;
        assertThat(ref.domain()).isEqualTo(domain);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).isEqualTo(tag);
        assertThat(ref.digest().toString()).isEqualTo(expectedDigest);
        assertThat(ref.manifestReference()).isEqualTo(expectedDigest);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                 | empty
            Busybox                            | must be lowercase
            user/Img                           | must be lowercase
            docker.io/Library/busybox          | must be lowercase
            busybox:                           | invalid tag
            busybox:-x                         | invalid tag
            busybox@sha256:abc                 | bad digest
            busybox@md5:d41d8cd98f00b204e9800998ecf8427e | not supported
            busybox@sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB | bad digest
            busybox@                           | bad digest
            a//b                               | path component
            a/b/                               | path component
            -x                                 | path component
            x_                                 | path component
            :tag                               | no repository
            host..com/x                        | invalid registry host
            ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12 | hex id
            """)
    void refusesBadReferences(String input, String messagePart) {
        assertThatThrownBy(() -> ImageReference.parse(input))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining(messagePart);
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongNames() {
        assertThatThrownBy(() -> ImageReference.parse("x/" + "a".repeat(260)))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("too long");
    }
}
