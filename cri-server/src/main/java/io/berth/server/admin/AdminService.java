package io.berth.server.admin;

import io.berth.admin.v1.AdminGrpc;
import io.berth.server.grpc.RpcObserver;
import io.berth.server.grpc.RpcTable;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import java.util.Set;

/**
 * The Admin service's RPCs, each bound to its collaborators (CriWiring builds them over berthd's stores).
 * The unary ones go through the RpcTable like the CRI's; the two streaming ones through a {@link StreamEdge}.
 */
public record AdminService(AdminVersionRpc version, HealthRpc health, DebugDumpRpc debugDump,
        ImportImageRpc importImage, ImportSpool importSpool, ExportImageRpc exportImage) {

    public ServerServiceDefinition definition(RpcObserver observer) {
        ServiceDescriptor service = AdminGrpc.getServiceDescriptor();
        ServerServiceDefinition unary = new RpcTable(observer)
                .unary(AdminGrpc.getVersionMethod(), version)
                .unary(AdminGrpc.getHealthMethod(), health)
                .unary(AdminGrpc.getDebugDumpMethod(), debugDump)
                .build(service).get(0);
        Set<String> streamed = Set.of(AdminGrpc.getImportImageMethod().getFullMethodName(),
                AdminGrpc.getExportImageMethod().getFullMethodName());
        StreamEdge edge = new StreamEdge(observer);
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(service);
        for (ServerMethodDefinition<?, ?> m : unary.getMethods()) {
            MethodDescriptor<?, ?> method = m.getMethodDescriptor();
            if (!streamed.contains(method.getFullMethodName())) {
                out.addMethod(m);
            }
        }
        return out
                .addMethod(AdminGrpc.getImportImageMethod(),
                        ServerCalls.asyncClientStreamingCall(new SpooledImports(importSpool, importImage, edge)))
                .addMethod(AdminGrpc.getExportImageMethod(),
                        ServerCalls.asyncServerStreamingCall(new ChunkedExports(exportImage, edge)))
                .build();
    }
}
