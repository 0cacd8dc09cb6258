package io.berth.server.streaming;

import java.util.List;

/** A validated Exec, Attach or PortForward request, held under a token until the client connects. */
public sealed interface StreamRequest {
    /** The URL path segment that serves this kind of request. */
    String kind();

    /** Exec of {@code cmd} in a container. */
    record Exec(String containerId, List<String> cmd, boolean tty, boolean stdin, boolean stdout, boolean stderr)
            implements StreamRequest {
        public Exec {
            cmd = List.copyOf(cmd);
        }

        @Override
        public String kind() {
            return "exec";
        }
    }

    /** Attach to a container's main process. */
    record Attach(String containerId, boolean tty, boolean stdin, boolean stdout, boolean stderr)
            implements StreamRequest {
        @Override
        public String kind() {
            return "attach";
        }
    }

    /** Port forwarding into a pod; {@code ports} are what the CRI request named (WebSocket clients use them). */
    record PortForward(String podSandboxId, List<Integer> ports) implements StreamRequest {
        public PortForward {
            ports = List.copyOf(ports);
        }

        @Override
        public String kind() {
            return "portforward";
        }
    }
}
