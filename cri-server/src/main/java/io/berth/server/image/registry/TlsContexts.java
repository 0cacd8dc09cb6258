package io.berth.server.image.registry;

import io.berth.common.error.FailedPreconditionException;
import io.berth.server.image.hosts.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS setup of each registry host (system roots; system roots plus the host's {@code ca} files; or
 * {@code skip_verify}), one {@link SSLContext} per setup, shared by every https request that needs it so that
 * its sessions are resumed. A context is made at the first https request: the JDK's default context parses the
 * system's CA store and loads its TLS stack, several MiB that a node pulling only from plain-http mirrors never
 * needs (README, "berthd's JVM").
 */
final class TlsContexts {
    private record TlsSetup(boolean skipVerify, List<Path> caFiles) {}

    private final Map<TlsSetup, SSLContext> contexts = new ConcurrentHashMap<>();

    /** The TLS setup for requests to a configured registry host. */
    SSLContext forHost(RegistryHost host) {
        return contexts.computeIfAbsent(new TlsSetup(host.skipVerify(), host.caFiles()), TlsContexts::sslContext);
    }

    /** The TLS setup for hosts nothing is configured for (redirect targets, token services): system roots. */
    SSLContext system() {
        return contexts.computeIfAbsent(new TlsSetup(false, List.of()), TlsContexts::sslContext);
    }

    /**
     * The setup for a request to {@code host}'s own origin ({@code onRegistry}) or to another one, made only when
     * {@link SocketHttp} asks for it, which it does for https alone.
     */
    Supplier<SSLContext> forRequest(RegistryHost host, boolean onRegistry) {
        return onRegistry ? () -> forHost(host) : this::system;
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
