package io.berth.server.sandbox;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.DNSConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;

/** The /etc/hosts, /etc/resolv.conf and /etc/hostname that every container of a pod shares. */
final class SandboxFiles {
    private static final Pattern DNS_WORD = Pattern.compile("[A-Za-z0-9_.:%/+-]{1,253}");
    private static final Path HOST_RESOLV = Path.of("/etc/resolv.conf");

    private SandboxFiles() {}

    static void write(SandboxPaths paths, String hostname, DNSConfig dns, boolean hostNetwork) throws IOException {
        Files.writeString(paths.hostname(), hostname + "\n");
        Files.writeString(paths.hosts(), hosts(hostname, hostNetwork));
        Files.writeString(paths.resolvConf(), resolvConf(dns));
        for (Path p : new Path[] {paths.hostname(), paths.hosts(), paths.resolvConf()}) {
            // Containers run as any uid and must read these.
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    static String hosts(String hostname, boolean hostNetwork) throws IOException {
        if (hostNetwork && Files.isReadable(Path.of("/etc/hosts"))) {
            return Files.readString(Path.of("/etc/hosts"));
        }
        return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
                + "127.0.1.1\t" + hostname + "\n";
    }

    /** From dns_config when given (kubelet's ClusterFirst), else the node's own resolv.conf. */
    static String resolvConf(DNSConfig dns) throws IOException {
        boolean empty = dns.getServersCount() == 0 && dns.getSearchesCount() == 0 && dns.getOptionsCount() == 0;
        if (empty) {
            return Files.isReadable(HOST_RESOLV) ? Files.readString(HOST_RESOLV) : "";
        }
        StringBuilder out = new StringBuilder();
        if (dns.getSearchesCount() > 0) {
            out.append("search");
            for (int i = 0; i < dns.getSearchesCount(); i++) {
                out.append(' ').append(word(dns.getSearches(i), "config.dns_config.searches[" + i + "]"));
            }
            out.append('\n');
        }
        for (int i = 0; i < dns.getServersCount(); i++) {
            out.append("nameserver ").append(word(dns.getServers(i), "config.dns_config.servers[" + i + "]")).append('\n');
        }
        if (dns.getOptionsCount() > 0) {
            out.append("options");
            for (int i = 0; i < dns.getOptionsCount(); i++) {
                out.append(' ').append(word(dns.getOptions(i), "config.dns_config.options[" + i + "]"));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** A value that lands in a config file line: no spaces or newlines that could add directives. */
    private static String word(String value, String field) {
        if (!DNS_WORD.matcher(value).matches()) {
            throw new InvalidArgumentException(field + " '" + Require.printable(value)
                    + "' is not a valid resolv.conf entry");
        }
        return value;
    }
}
