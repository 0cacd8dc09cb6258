package io.berth.server.streaming;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.NotFoundException;
import io.berth.shim.client.ProcessStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** Containers "running" and "stopped", pod "pod" with a chosen netns; exec/attach hand out fake processes. */
public final class FakeBackend implements StreamBackend {
    public static final String RUNNING = "aaaa";
    public static final String STOPPED = "bbbb";
    public static final String POD = "cccc";

    public volatile Supplier<FakeProcess> processes = () -> FakeProcess.echo(0);
    public volatile Path netns;
    public final List<FakeProcess> started = new CopyOnWriteArrayList<>();
    public final List<List<String>> commands = new CopyOnWriteArrayList<>();
    public final Map<String, Boolean> attachStdin = new ConcurrentHashMap<>();

    @Override
    public void checkRunning(String containerId) {
        if (containerId.equals(STOPPED)) {
            throw new FailedPreconditionException("container " + containerId + " is not running");
        }
        if (!containerId.equals(RUNNING)) {
            throw new NotFoundException("container " + containerId + " not found");
        }
    }

    @Override
    public ProcessStream exec(String containerId, List<String> cmd, boolean tty, boolean stdin) throws IOException {
        checkRunning(containerId);
        if (cmd.get(0).equals("no-such-command")) {
            throw new IOException("exec failed: \"no-such-command\": executable file not found in $PATH");
        }
        commands.add(cmd);
        FakeProcess p = processes.get();
        started.add(p);
        return p;
    }

    @Override
    public ProcessStream attach(String containerId, boolean stdin) {
        checkRunning(containerId);
        attachStdin.put(containerId, stdin);
        FakeProcess p = processes.get();
        started.add(p);
        return p;
    }

    @Override
    public Path netns(String podSandboxId) {
        if (!podSandboxId.equals(POD)) {
            throw new NotFoundException("pod sandbox " + podSandboxId + " not found");
        }
        return netns;
    }
}
