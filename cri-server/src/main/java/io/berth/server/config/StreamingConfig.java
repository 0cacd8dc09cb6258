package io.berth.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code [streaming]} section: where the exec/attach/port-forward server listens and how long its
 * connections may live. A null certificate means plain HTTP, as kubelet's streaming server on loopback.
 *
 * @param address IP address to bind (loopback by default: kubelet reaches it on the same node)
 * @param port TCP port, 0 for a random free one
 * @param tlsCertFile PEM certificate chain, or null for plain HTTP
 * @param tlsKeyFile PEM private key (PKCS#8), set exactly when the certificate is
 * @param idleTimeout a connection with no frame in either direction for this long is closed
 * @param streamCreationTimeout how long a SPDY client may take to open the streams it asked for
 */
public record StreamingConfig(String address, int port, Path tlsCertFile, Path tlsKeyFile, Duration idleTimeout,
        Duration streamCreationTimeout) {
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    /** kubelet's default stream idle timeout. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(4);
    /** kubelet's DefaultStreamCreationTimeout. */
    public static final Duration DEFAULT_STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);

    public StreamingConfig {
        Objects.requireNonNull(address);
        Objects.requireNonNull(idleTimeout);
        Objects.requireNonNull(streamCreationTimeout);
        if (port < 0 || port > 65535) {
            throw new ConfigException("streaming.port must be between 0 and 65535, not " + port);
        }
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new ConfigException("streaming.tls_cert_file and streaming.tls_key_file must be set together");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new ConfigException("streaming.idle_timeout_seconds must be positive");
        }
        if (streamCreationTimeout.isNegative() || streamCreationTimeout.isZero()) {
            throw new ConfigException("streaming.stream_creation_timeout_seconds must be positive");
        }
    }

    public static StreamingConfig defaults() {
        return new StreamingConfig(DEFAULT_ADDRESS, 0, null, null, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_STREAM_CREATION_TIMEOUT);
    }

    public boolean tls() {
        return tlsCertFile != null;
    }

    public StreamingConfig withIdleTimeout(Duration timeout) {
        return new StreamingConfig(address, port, tlsCertFile, tlsKeyFile, timeout, streamCreationTimeout);
    }

    public StreamingConfig withStreamCreationTimeout(Duration timeout) {
        return new StreamingConfig(address, port, tlsCertFile, tlsKeyFile, idleTimeout, timeout);
    }
}
