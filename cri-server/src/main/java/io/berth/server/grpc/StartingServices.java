package io.berth.server.grpc;

import io.grpc.HandlerRegistry;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The services of a server that is bound before they exist, so that its socket, its transport and a client's
 * connection are made while the daemon still loads and recovers its state. A call that arrives meanwhile waits
 * until {@link #ready} hands the services over: gRPC looks a method up on its call executor, not on the
 * transport's event loop, so a waiting call holds one executor thread and nothing else, and its deadline still
 * applies. After {@link #failed} a lookup finds nothing; the server is being stopped then anyway.
 */
public final class StartingServices extends HandlerRegistry {
    private final CountDownLatch settled = new CountDownLatch(1);
    private volatile List<ServerServiceDefinition> services = List.of();
    private volatile Map<String, ServerMethodDefinition<?, ?>> methods = Map.of();

    /** Hands the services over and lets the waiting calls through. */
    public void ready(List<ServerServiceDefinition> definitions) {
        Map<String, ServerMethodDefinition<?, ?>> byName = new HashMap<>();
        for (ServerServiceDefinition service : definitions) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                byName.put(method.getMethodDescriptor().getFullMethodName(), method);
            }
        }
        methods = Map.copyOf(byName);
        services = List.copyOf(definitions);
        settled.countDown();
    }

    /** The daemon did not start: the waiting calls find no method. */
    public void failed() {
        settled.countDown();
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
        return services;
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        try {
            settled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return methods.get(methodName);
    }
}
