package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.server.container.ExecSync;
import io.berth.server.grpc.UnaryRpc;

/** ExecSync: a command in a running container, its capped output and exit code; a timeout kills it. */
public final class ExecSyncRpc implements UnaryRpc<ExecSyncRequest, ExecSyncResponse> {
    private final ExecSync exec;

    public ExecSyncRpc(ExecSync exec) {
        this.exec = exec;
    }

    @Override
    public ExecSyncResponse call(ExecSyncRequest request) throws Exception {
        ExecSync.Result result = exec.run(Require.idOrPrefix(request.getContainerId(), "container_id"),
                request.getCmdList(), request.getTimeout());
        return ExecSyncResponse.newBuilder()
                .setStdout(result.stdout())
                .setStderr(result.stderr())
                .setExitCode(result.exitCode())
                .build();
    }
}
