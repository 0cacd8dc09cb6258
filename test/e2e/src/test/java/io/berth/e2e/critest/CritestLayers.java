package io.berth.e2e.critest;

import io.berth.e2e.fixtures.LayerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The layers {@link CritestImages} stacks: a busybox base shared by every image but the default one (so the
 * registry and the daemon store it once), the default image's own base around Debian's dynamic busybox, and a small
 * top layer per image. The shell scripts here are our stand-ins for the
 * upstream programs; each comment names the critest spec whose observable behaviour it reproduces.
 */
final class CritestLayers {
    static final Path BUSYBOX = Path.of("/bin/busybox");

    /** Upstream busybox's account files, so RunAsUserName "nobody" and the user images' www-data resolve. */
    static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/bin/false
            bin:x:2:2:bin:/bin:/bin/false
            sys:x:3:3:sys:/dev:/bin/false
            sync:x:4:100:sync:/bin:/bin/sync
            mail:x:8:8:mail:/var/spool/mail:/bin/false
            www-data:x:33:33:www-data:/var/www:/bin/false
            operator:x:37:37:Operator:/var:/bin/false
            nobody:x:65534:65534:nobody:/home:/bin/false
            """;
    static final String GROUP = """
            root:x:0:
            daemon:x:1:
            bin:x:2:
            sys:x:3:
            adm:x:4:
            tty:x:5:
            disk:x:6:
            wheel:x:10:root
            www-data:x:33:
            operator:x:37:
            staff:x:50:
            users:x:100:
            nogroup:x:65534:
            """;

    /** Debian's busybox lacks pgrep; the exec-timeout spec runs "pgrep sleep || true": stdout, stderr must be empty. */
    static final String PGREP = """
            #!/bin/sh
            # pgrep PATTERN: the pids whose process name matches PATTERN (an extended regex), exit 1 if none.
            status=1
            for dir in /proc/[0-9]*; do
            \tpid=${dir#/proc/}
            \t[ "$pid" = "$$" ] && continue
            \t{ read -r name <"$dir/comm"; } 2>/dev/null || continue
            \tif echo "$name" | grep -Eq -- "$1"; then echo "$pid"; status=0; fi
            done
            exit $status
            """;

    /** Debian's busybox lacks ipcs; the HostIpc specs run "ipcs -m" and look for a host segment's id in it. */
    static final String IPCS = """
            #!/bin/sh
            # ipcs [-m]: System V shared memory segments, read from /proc/sysvipc/shm (util-linux's layout).
            echo "------ Shared Memory Segments --------"
            echo "key        shmid      owner      perms      bytes      nattch"
            awk 'NR > 1 { printf "%-10s %-10s %-10s %-10s %-10s %s\\n", $1, $2, $8, $3, $4, $7 }' /proc/sysvipc/shm
            """;

    /**
     * The nginx stand-in: busybox httpd on the port {@code default.conf} names, as the upstream images differ only
     * in that file (80 for e2e-test-images/nginx, 12003 for hostnet-nginx). The security-context specs read
     * {@code /var/run/nginx.pid}, find the server with {@code pidof nginx} (the script's process name is "nginx")
     * and grep {@code /proc/1/cmdline} for "master process", the title real nginx gives its first process: so the
     * script re-executes itself once with those words as its first argument.
     */
    static final String NGINX = """
            #!/bin/sh
            [ "$1" = "master process" ] || exec "$0" "master process" "$@"
            port=$(awk '$1 == "listen" { sub(";", "", $2); print $2; exit }' /etc/nginx/conf.d/default.conf)
            echo $$ >/var/run/nginx.pid
            httpd -f -p "$port" -h /usr/share/nginx/html &
            server=$!
            trap 'kill $server; exit 0' TERM INT QUIT
            wait $server
            """;

    /**
     * The Apache stand-in: port 80 like the real image, and a start-up line on stderr that names httpd, because
     * the multi-container spec waits for "httpd" in this container's log. Traps SIGWINCH, Apache's stop signal.
     */
    static final String HTTPD_FOREGROUND = """
            #!/bin/sh
            echo "httpd: busybox stand-in serving /usr/local/apache2/htdocs on port 80" >&2
            httpd -f -p 80 -h /usr/local/apache2/htdocs &
            server=$!
            trap 'kill $server; exit 0' TERM INT WINCH
            wait $server
            """;

    /**
     * The nonewprivs stand-in. Upstream's entrypoint is a setuid-root program printing "Effective uid: N"; the specs
     * run it as uid 1000 and expect 0 with no_new_privs off and 1000 with it on. Here a setuid-root busybox copy,
     * allowed by /etc/busybox.conf to keep root for {@code id}, reports the euid. Busybox applies that config rule
     * by calling setresuid(0), which fails when the kernel ignored the setuid bit (no_new_privs); the script then
     * reports its own effective uid from /proc, which is exactly what the real program would print.
     */
    static final String NNP = """
            #!/bin/sh
            if ! euid=$(/usr/local/bin/busybox-suid id -u 2>/dev/null); then
            \twhile read -r key real euid rest; do [ "$key" = Uid: ] && break; done </proc/self/status
            fi
            echo "Effective uid: $euid"
            """;
    static final String BUSYBOX_CONF = "[SUID]\nid = sxx root.root\n";

    /**
     * The pause stand-in: waits until stopped (one long sleep, never a loop that could spin if sleep failed); as
     * PID 1 the shell would ignore SIGTERM without the trap, and its exit ends the sleep with the PID namespace.
     */
    static final String PAUSE = """
            #!/bin/sh
            trap 'exit 0' TERM INT
            sleep 2147483647 &
            wait
            """;

    private CritestLayers() {
    }

    /**
     * /bin/busybox (Debian's static build), a hard link per applet as in upstream's busybox image, /etc, /tmp. Hard
     * links, not symlinks: a masked path such as /bin/ls must hide that name only, where runc would follow a symlink
     * and mask busybox itself; and they work inside an image-volume mount too.
     */
    static LayerBuilder.Layer base() {
        return base(BUSYBOX, List.of());
    }

    /**
     * The same tree around Debian's dynamic, non-standalone busybox plus the libraries it loads, at the paths its
     * loader asks for. The MaskedPaths spec masks /bin/ls and wants "/bin/sh: ls: Permission denied" from
     * {@code sh -c ls}: only a shell that execs ls from PATH sees the mask, where the static build's standalone
     * ash runs its ls applet in-process (see {@link DebianBusybox}).
     */
    static LayerBuilder.Layer dynamicBase() {
        return base(DebianBusybox.binary(), DebianBusybox.libraries());
    }

    private static LayerBuilder.Layer base(Path busybox, List<DebianBusybox.Library> libraries) {
        LayerBuilder layer = new LayerBuilder().dir("bin", 0755).hostFile("bin/busybox", 0755, busybox);
        List<String> applets = applets(busybox);
        for (String applet : applets) {
            if (!applet.equals("busybox")) {
                layer.hardlink("bin/" + applet, "bin/busybox");
            }
        }
        if (!applets.contains("pgrep")) {
            layer.file("bin/pgrep", 0755, PGREP);
        }
        if (!applets.contains("ipcs")) {
            layer.file("bin/ipcs", 0755, IPCS);
        }
        Set<String> dirs = new LinkedHashSet<>(List.of("etc", "home", "root", "tmp", "usr", "usr/local",
                "usr/local/bin", "usr/sbin", "var", "var/run", "var/www"));
        layer.dir("etc", 0755)
                .file("etc/group", 0644, GROUP)
                .file("etc/passwd", 0644, PASSWD)
                .dir("home", 0755)
                .dir("root", 0700)
                .dir("tmp", 01777)
                .dir("usr", 0755)
                .dir("usr/local", 0755)
                .dir("usr/local/bin", 0755)
                .dir("usr/sbin", 0755)
                .dir("var", 0755)
                .dir("var/run", 0755)
                .dir("var/www", 0755);
        // Real files under the names the loader opens (the host's /lib64/ld-linux-x86-64.so.2 is a symlink).
        for (DebianBusybox.Library lib : libraries) {
            Path parent = Path.of(lib.imagePath()).getParent();
            for (int i = 1; parent != null && i <= parent.getNameCount(); i++) {
                String dir = parent.subpath(0, i).toString();
                if (dirs.add(dir)) {
                    layer.dir(dir, 0755);
                }
            }
            layer.hostFile(lib.imagePath(), 0755, lib.hostFile());
        }
        return layer.build(LayerBuilder.Compression.GZIP);
    }

    /** Upstream image-test's "ADD ${TEST} ${TEST}": an empty file named after the image makes each one distinct. */
    static LayerBuilder.Layer marker(String name) {
        return new LayerBuilder().file(name, 0644, new byte[0]).build(LayerBuilder.Compression.GZIP);
    }

    /** Upstream image-predefined-group: adduser -u 1000 default-user, addgroup -g 50000 and membership in it. */
    static LayerBuilder.Layer predefinedGroup() {
        return new LayerBuilder().dir("etc", 0755)
                .file("etc/group", 0644, GROUP + "default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n")
                .file("etc/passwd", 0644,
                        PASSWD + "default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh\n")
                .dir("home", 0755)
                .dir("home/default-user", 0755)
                .build(LayerBuilder.Compression.GZIP);
    }

    static LayerBuilder.Layer nginx(int port) {
        return new LayerBuilder().dir("etc", 0755)
                .dir("etc/nginx", 0755)
                .dir("etc/nginx/conf.d", 0755)
                .file("etc/nginx/conf.d/default.conf", 0644,
                        "server {\n    listen       " + port + ";\n    root   /usr/share/nginx/html;\n}\n")
                .dir("usr", 0755)
                .dir("usr/sbin", 0755)
                .file("usr/sbin/nginx", 0755, NGINX)
                .dir("usr/share", 0755)
                .dir("usr/share/nginx", 0755)
                .dir("usr/share/nginx/html", 0755)
                .file("usr/share/nginx/html/index.html", 0644, "<h1>Welcome to nginx!</h1>\n")
                .build(LayerBuilder.Compression.GZIP);
    }

    static LayerBuilder.Layer httpd() {
        return new LayerBuilder().dir("usr", 0755)
                .dir("usr/local", 0755)
                .dir("usr/local/apache2", 0755)
                .dir("usr/local/apache2/htdocs", 0755)
                .file("usr/local/apache2/htdocs/index.html", 0644, "<html><body><h1>It works!</h1></body></html>\n")
                .dir("usr/local/bin", 0755)
                .file("usr/local/bin/httpd-foreground", 0755, HTTPD_FOREGROUND)
                .build(LayerBuilder.Compression.GZIP);
    }

    static LayerBuilder.Layer nonewprivs() {
        return new LayerBuilder().dir("etc", 0755)
                .file("etc/busybox.conf", 0644, BUSYBOX_CONF)
                .dir("usr", 0755)
                .dir("usr/local", 0755)
                .dir("usr/local/bin", 0755)
                .hostFile("usr/local/bin/busybox-suid", 04755, BUSYBOX)
                .file("usr/local/bin/nnp", 0755, NNP)
                .build(LayerBuilder.Compression.GZIP);
    }

    static LayerBuilder.Layer pause() {
        return new LayerBuilder().file("pause", 0755, PAUSE).build(LayerBuilder.Compression.GZIP);
    }

    /** Every applet {@code busybox} has (its own sorted list), so shell snippets in specs find what they call. */
    static List<String> applets(Path busybox) {
        try {
            Process p = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("busybox --list failed: " + out);
            }
            List<String> applets = new ArrayList<>(out.lines().filter(l -> !l.isBlank()).toList());
            applets.sort(null);
            return List.copyOf(applets);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
