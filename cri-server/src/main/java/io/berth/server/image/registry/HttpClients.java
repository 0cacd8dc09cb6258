package io.berth.server.image.registry;

import io.berth.common.error.FailedPreconditionException;
import io.berth.server.image.hosts.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One JDK HttpClient per TLS setup (system roots; system roots plus a host's {@code ca} files; or
 * {@code skip_verify}), shared by every request that needs that setup so connections are pooled.
 * Redirects are never followed by the client: {@link RegistryHttp} follows them itself so that it can drop
 * credentials when a redirect leaves the registry's host.
 */
final class HttpClients {
    private record TlsSetup(boolean skipVerify, List<Path> caFiles) {}

    private final Duration connectTimeout;
    private final Map<TlsSetup, HttpClient> clients = new ConcurrentHashMap<>();
    private final Map<TlsSetup, SSLContext> contexts = new ConcurrentHashMap<>();

    HttpClients(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** The client for requests to a configured registry host. */
    HttpClient forHost(RegistryHost host) {
        return clients.computeIfAbsent(new TlsSetup(host.skipVerify(), host.caFiles()), this::build);
    }

    /** The client for hosts nothing is configured for (redirect targets, token services): system roots. */
    HttpClient system() {
        return clients.computeIfAbsent(new TlsSetup(false, List.of()), this::build);
    }

    /** The TLS setup of {@link #forHost}, for connections made outside the JDK client ({@link DirectGet}). */
    SSLContext tlsForHost(RegistryHost host) {
        return tls(new TlsSetup(host.skipVerify(), host.caFiles()));
    }

    /** The TLS setup of {@link #system}. */
    SSLContext systemTls() {
        return tls(new TlsSetup(false, List.of()));
    }

    private HttpClient build(TlsSetup setup) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (setup.skipVerify() || !setup.caFiles().isEmpty()) {
            builder.sslContext(tls(setup));
        }
        return builder.build();
    }

    private SSLContext tls(TlsSetup setup) {
        return contexts.computeIfAbsent(setup, HttpClients::sslContext);
    }

    private static SSLContext sslContext(TlsSetup setup) {
        try {
            if (!setup.skipVerify() && setup.caFiles().isEmpty()) {
                return SSLContext.getDefault();
            }
            TrustManager trust = setup.skipVerify() ? new TrustEverything() : withExtraRoots(setup.caFiles());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new FailedPreconditionException("cannot set up TLS for registry CA files " + setup.caFiles()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The system roots plus the given PEM files, as containerd adds {@code ca} to the system pool. */
    private static TrustManager withExtraRoots(List<Path> caFiles) throws GeneralSecurityException {
        KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            roots.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        int n = 0;
        for (TrustManager tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                for (X509Certificate issuer : x509.getAcceptedIssuers()) {
                    roots.setCertificateEntry("system-" + n++, issuer);
                }
            }
        }
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (Path file : caFiles) {
            try (InputStream in = Files.newInputStream(file)) {
                for (Certificate cert : x509.generateCertificates(in)) {
                    roots.setCertificateEntry("ca-" + n++, cert);
                }
            } catch (IOException e) {
                throw new FailedPreconditionException("cannot read registry CA file " + file + ": " + e.getMessage(), e);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(roots);
        return factory.getTrustManagers()[0];
    }

    /**
     * skip_verify: accepts any certificate. Host name checking in JSSE happens inside the extended trust
     * manager, so accepting here also skips it, which is what skip_verify means in containerd.
     */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
