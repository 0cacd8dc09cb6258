package io.berth.server.admin;

import io.berth.admin.v1.RuntimeHandlerInfo;
import io.berth.admin.v1.VersionReply;
import io.berth.admin.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.berth.server.config.RuntimeHandlerConfig;
import io.berth.server.grpc.UnaryRpc;
import java.util.Collection;
import java.util.List;

/** Version: what the CRI Version RPC says, plus the build and the runtime handlers an operator checks. */
public final class AdminVersionRpc implements UnaryRpc<VersionRequest, VersionReply> {
    private final VersionResponse cri;
    private final String build;
    private final String defaultHandler;
    private final List<RuntimeHandlerConfig> handlers;

    /**
     * @param cri the CRI Version answer, the one source of the version strings
     * @param build the digest of berthd's classpath, taken at start: the jars on disk may be replaced later
     */
    public AdminVersionRpc(VersionResponse cri, String build, String defaultHandler,
            Collection<RuntimeHandlerConfig> handlers) {
        this.cri = cri;
        this.build = build;
        this.defaultHandler = defaultHandler;
        this.handlers = List.copyOf(handlers);
    }

    @Override
    public VersionReply call(VersionRequest request) {
        VersionReply.Builder out = VersionReply.newBuilder()
                .setVersion(cri.getRuntimeVersion())
                .setBuild(build)
                .setRuntimeName(cri.getRuntimeName())
                .setCriApiVersion(cri.getRuntimeApiVersion())
                .setDefaultRuntimeHandler(defaultHandler);
        for (RuntimeHandlerConfig h : handlers) {
            out.addRuntimeHandlers(RuntimeHandlerInfo.newBuilder().setName(h.name()).setBinary(h.binary()));
        }
        return out.build();
    }
}
