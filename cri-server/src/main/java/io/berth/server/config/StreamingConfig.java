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
 * @param tokenTtl how long a URL from Exec, Attach or PortForward may wait to be opened
 */
public record StreamingConfig(String address, int port, Path tlsCertFile, Path tlsKeyFile, Duration idleTimeout,
        Duration streamCreationTimeout, Duration tokenTtl) {
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    /** kubelet's default stream idle timeout. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(4);
    /** kubelet's DefaultStreamCreationTimeout. */
    public static final Duration DEFAULT_STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);
    /** kubelet's streaming request cache TTL: the client opens the URL right after the RPC returns. */
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(1);
    /** A URL is a credential for a process in a container; it should not stay usable for long. */
    public static final Duration MAX_TOKEN_TTL = Duration.ofMinutes(10);

    public StreamingConfig {
        Objects.requireNonNull(address);
        Objects.requireNonNull(idleTimeout);
        Objects.requireNonNull(streamCreationTimeout);
        Objects.requireNonNull(tokenTtl);
        checkAddress(address);
        checkPort(port);
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new ConfigException("streaming.tls_cert_file and streaming.tls_key_file must be set together");
        }
        checkIdleTimeout(idleTimeout);
        checkStreamCreationTimeout(streamCreationTimeout);
        checkTokenTtl(tokenTtl);
    }

    /** An IP literal, never a host name, so that binding never waits on DNS. */
    static String checkAddress(String address) {
        if (!IpLiterals.isLiteral(address)) {
            throw new ConfigException("streaming.address must be an IP address, not '" + address + "'");
        }
        return address;
    }

    static int checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new ConfigException("streaming.port must be between 0 and 65535, not " + port);
        }
        return port;
    }

    static Duration checkIdleTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException("streaming.idle_timeout_seconds must be positive");
        }
        return timeout;
    }

    static Duration checkStreamCreationTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException("streaming.stream_creation_timeout_seconds must be positive");
        }
        return timeout;
    }

    static Duration checkTokenTtl(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TOKEN_TTL) > 0) {
            throw new ConfigException("streaming.token_ttl_seconds must be between 1 and " + MAX_TOKEN_TTL.toSeconds()
                    + ", not " + ttl.toSeconds());
        }
        return ttl;
    }

    public static StreamingConfig defaults() {
        return new StreamingConfig(DEFAULT_ADDRESS, 0, null, null, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_STREAM_CREATION_TIMEOUT, DEFAULT_TOKEN_TTL);
    }

    public boolean tls() {
        return tlsCertFile != null;
    }

    public StreamingConfig withIdleTimeout(Duration timeout) {
        return new StreamingConfig(address, port, tlsCertFile, tlsKeyFile, timeout, streamCreationTimeout, tokenTtl);
    }

    public StreamingConfig withStreamCreationTimeout(Duration timeout) {
        return new StreamingConfig(address, port, tlsCertFile, tlsKeyFile, idleTimeout, timeout, tokenTtl);
    }
}
