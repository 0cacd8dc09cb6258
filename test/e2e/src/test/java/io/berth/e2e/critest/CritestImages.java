package io.berth.e2e.critest;

import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.RegistryPusher;
import io.berth.e2e.fixtures.TestImage;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every image critest v1.37.0 pulls on Linux, rebuilt from Debian's static busybox and small scripts of ours, for
 * a machine without internet. The daemon reaches the local registry through hosts.toml mirrors for registry.k8s.io,
 * k8s.gcr.io and gcr.io, so each image is pushed under its upstream path minus the registry host. All images are
 * one busybox layer (every applet, Debian's missing pgrep and ipcs as scripts, upstream busybox's /etc/passwd and
 * /etc/group) plus at most one small layer. That layer is shared, around Debian's static busybox, by all images but
 * the default busybox one, whose own base holds Debian's dynamic busybox and its libraries: the static build's
 * standalone shell runs applets in-process, so masking /bin/ls would not stop {@code sh -c ls} (MaskedPaths spec;
 * see {@link DebianBusybox}). Builds are byte-for-byte reproducible on a host (fixed mtimes, fixed order, fixed
 * "created"), so digests are stable run to run. Every reference is a distinct image except where
 * a spec wants one image under several names: ListImages must show exactly one repo tag per image otherwise.
 *
 * <ul>
 * <li>{@code e2e-test-images/busybox:1.29-2}: the default container image; specs run sh snippets with echo, sleep,
 * top, ls, cat, id, hostname, mount, netstat, brctl, ping, ipcs, pgrep, pidof, seq, dd, grep, chmod, touch; its
 * shell execs them from PATH (Debian's dynamic busybox), so a masked /bin/ls makes {@code sh -c ls} fail.
 * <li>{@code e2e-test-images/nginx:1.14-2}: networking/streaming want HTTP 200 for GET / on port 80 with no command
 * given; the PID-namespace specs want /var/run/nginx.pid, {@code pidof nginx} and "master process" in
 * /proc/1/cmdline (see {@link CritestLayers#NGINX}).
 * <li>{@code k8s-staging-cri-tools/hostnet-nginx-ARCH:latest}: the same server on port 12003 (host network).
 * <li>{@code e2e-test-images/httpd:2.4.39-4}: multi-container spec: HTTP 200 on port 80, "httpd" in its log.
 * <li>{@code e2e-test-images/nonewprivs:1.3}: prints "Effective uid: 0" or "Effective uid: 1000" as uid 1000
 * with no_new_privs off or on (see {@link CritestLayers#NNP}).
 * <li>{@code k8s-staging-cri-tools/test-image-user-uid}, {@code -user-username}, {@code -user-uid-group},
 * {@code -user-username-group}: image status must report Config.User 1002, www-data, 1003:1004, www-data:1004.
 * <li>{@code k8s-staging-cri-tools/test-image-predefined-group}: User 1000, default-user (1000) in group
 * group-defined-in-image (50000) by /etc/group (SupplementalGroupsPolicy specs; image-volume subPath "etc").
 * <li>{@code test-image-latest}, {@code test-image-tag:test}, {@code test-image-tag:all}, {@code test-image-1/2/3}:
 * pull, status, list and remove specs; each differs by an empty marker file, as upstream's. test-image-tag:test is
 * also the image-volume source, which needs bin/sh and an executable bin/ls.
 * <li>{@code test-image-tags:1/2/3}: one image under three tags (one id, three repo tags, removed as one).
 * <li>{@code pause:3.9} for registry.k8s.io and k8s.gcr.io: one image under two registries, which the mirrors make one
 * local path; the image-id spec runs it with its own entrypoint, so /pause sleeps until stopped.
 * </ul>
 * Not reproducible: {@link #SKIPPED_DIGEST_REFERENCE} names upstream's exact manifest digest.
 */
public final class CritestImages {
    public static final String K8S = "registry.k8s.io/";
    public static final String E2E = K8S + "e2e-test-images/";
    public static final String STAGING = "gcr.io/k8s-staging-cri-tools/";
    public static final String SKIPPED_DIGEST_REFERENCE = STAGING
            + "test-image-digest@sha256:9700f9a2f5bf2c45f2f605a0bd3bce7cf37420ec9d3ed50ac2758413308766bf";
    static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The Config.User of each user image, as upstream's images/build sets it. */
    public static final Map<String, String> USERS = orderedMap(
            STAGING + "test-image-user-uid:latest", "1002",
            STAGING + "test-image-user-username:latest", "www-data",
            STAGING + "test-image-user-uid-group:latest", "1003:1004",
            STAGING + "test-image-user-username-group:latest", "www-data:1004",
            STAGING + "test-image-predefined-group:latest", "1000");

    /** Where a reference lives in the local registry: its path without the registry host, and its tag. */
    public record LocalName(String repository, String tag) {
        @Override
        public String toString() {
            return repository + ":" + tag;
        }
    }

    private CritestImages() {
    }

    /** Upstream reference (always with a tag) to image, in push order; references of one image share the object. */
    public static Map<String, TestImage> images() {
        LayerBuilder.Layer base = CritestLayers.base();
        Map<String, TestImage> images = new LinkedHashMap<>();
        // The one image whose shell must exec commands from PATH (the MaskedPaths spec): see dynamicBase.
        images.put(E2E + "busybox:1.29-2", busybox(CritestLayers.dynamicBase()).cmd("sh").build());
        images.put(E2E + "nginx:1.14-2", nginx(base, 80).build());
        // hostnet-nginx is built FROM nginx:1.25.0, whose images stop with SIGQUIT (1.14's used the default SIGTERM).
        images.put(STAGING + "hostnet-nginx-" + goArch() + ":latest", nginx(base, 12003).stopSignal("SIGQUIT").build());
        images.put(E2E + "httpd:2.4.39-4", busybox(base).layer(CritestLayers.httpd())
                .env("PATH=/usr/local/apache2/bin:" + PATH_ENV.substring("PATH=".length()))
                .workingDir("/usr/local/apache2").stopSignal("SIGWINCH").cmd("httpd-foreground").build());
        images.put(E2E + "nonewprivs:1.3", busybox(base).layer(CritestLayers.nonewprivs())
                .entrypoint("/usr/local/bin/nnp").build());
        USERS.forEach((reference, user) -> {
            TestImage.Builder b = busybox(base);
            if (reference.contains("predefined-group")) {
                b.layer(CritestLayers.predefinedGroup());
            }
            images.put(reference, b.user(user).cmd("sh").build());
        });
        for (String name : List.of("test-image-latest", "test-image-1", "test-image-2", "test-image-3")) {
            images.put(STAGING + name + ":latest", marked(base, name));
        }
        for (String tag : List.of("test", "all")) {
            images.put(STAGING + "test-image-tag:" + tag, marked(base, tag));
        }
        TestImage same = marked(base, "same-image");
        for (String tag : List.of("1", "2", "3")) {
            images.put(STAGING + "test-image-tags:" + tag, same);
        }
        TestImage pause = busybox(base).layer(CritestLayers.pause())
                .user("65535:65535").entrypoint("/pause").build();
        images.put(K8S + "pause:3.9", pause);
        images.put("k8s.gcr.io/pause:3.9", pause);
        return Collections.unmodifiableMap(images);
    }

    /**
     * Builds every image and pushes it to the open registry at {@code registry} (e.g. http://127.0.0.1:5000) under
     * {@link #localName}; returns the upstream references now served, in push order.
     */
    public static List<String> pushAll(URI registry) throws IOException {
        RegistryPusher pusher = RegistryPusher.anonymous(registry.toString().replaceAll("/+$", ""));
        List<String> pushed = new ArrayList<>();
        Set<LocalName> done = new HashSet<>();
        for (Map.Entry<String, TestImage> e : images().entrySet()) {
            LocalName local = localName(e.getKey());
            // registry.k8s.io/pause:3.9 and k8s.gcr.io/pause:3.9 are one local path: push it once.
            if (done.add(local)) {
                pusher.push(local.repository(), local.tag(), e.getValue());
            }
            pushed.add(e.getKey());
        }
        return List.copyOf(pushed);
    }

    /** "registry.k8s.io/e2e-test-images/busybox:1.29-2" is e2e-test-images/busybox, tag 1.29-2 (default latest). */
    public static LocalName localName(String reference) {
        int slash = reference.indexOf('/');
        if (slash < 0 || reference.contains("@")) {
            throw new IllegalArgumentException("not a host/path:tag reference: " + reference);
        }
        String path = reference.substring(slash + 1);
        int colon = path.lastIndexOf(':');
        if (colon < path.lastIndexOf('/') || colon < 0) {
            return new LocalName(path, "latest");
        }
        return new LocalName(path.substring(0, colon), path.substring(colon + 1));
    }

    /** Go's name for this machine's architecture, as critest spells hostnet-nginx-$GOARCH. */
    public static String goArch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            default -> throw new IllegalStateException("no GOARCH known for " + arch);
        };
    }

    private static TestImage.Builder busybox(LayerBuilder.Layer base) {
        return TestImage.builder().platform("linux", goArch()).layer(base).env(PATH_ENV);
    }

    private static TestImage marked(LayerBuilder.Layer base, String marker) {
        return busybox(base).layer(CritestLayers.marker(marker)).cmd("sh").build();
    }

    /** Real nginx runs "nginx -g 'daemon off;'" from PATH; our script takes those arguments and ignores them. */
    private static TestImage.Builder nginx(LayerBuilder.Layer base, int port) {
        return busybox(base).layer(CritestLayers.nginx(port)).cmd("nginx", "-g", "daemon off;");
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
