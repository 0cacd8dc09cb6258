package io.berth.server.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Binds RPC objects to the methods of the CRI services. Every method of a service gets a handler: the
 * bound one wrapped by the edge (timing, logging, the {@link RequestScreen}, error translation), or one that answers UNIMPLEMENTED
 * naming the method. No service class lists all RPCs by hand, so an RPC cannot be silently faked.
 */
public final class RpcTable {
    private static final Logger LOG = Logger.getLogger("io.berth.server.rpc");

    private final Map<String, ServerCallHandler<?, ?>> handlers = new HashMap<>();
    private final RpcObserver observer;

    public RpcTable(RpcObserver observer) {
        this.observer = observer;
    }

    public <Q, R> RpcTable unary(MethodDescriptor<Q, R> method, UnaryRpc<Q, R> rpc) {
        String name = method.getBareMethodName();
        bind(method, ServerCalls.asyncUnaryCall((Q request, StreamObserver<R> out) -> {
            long start = System.nanoTime();
            R response;
            try {
                RequestScreen.check(request);
                response = rpc.call(request);
            } catch (Throwable t) {
                fail(name, start, t, out);
                return;
            }
            out.onNext(response);
            out.onCompleted();
            observer.completed(name, Status.Code.OK, System.nanoTime() - start);
        }));
        return this;
    }

    public <Q, R> RpcTable serverStream(MethodDescriptor<Q, R> method, ServerStreamRpc<Q, R> rpc) {
        String name = method.getBareMethodName();
        bind(method, ServerCalls.asyncServerStreamingCall((Q request, StreamObserver<R> out) -> {
            long start = System.nanoTime();
            try {
                RequestScreen.check(request);
                rpc.call(request, out);
            } catch (Throwable t) {
                fail(name, start, t, out);
                return;
            }
            observer.completed(name, Status.Code.OK, System.nanoTime() - start);
        }));
        return this;
    }

    private void bind(MethodDescriptor<?, ?> method, ServerCallHandler<?, ?> handler) {
        if (handlers.putIfAbsent(method.getFullMethodName(), handler) != null) {
            throw new IllegalStateException(method.getFullMethodName() + " is bound twice");
        }
    }

    private void fail(String name, long start, Throwable t, StreamObserver<?> out) {
        Status status = ErrorTranslator.toStatus(name, t);
        long nanos = System.nanoTime() - start;
        if (ErrorTranslator.isServerFault(status)) {
            LOG.log(Level.WARNING, name + " failed: " + status.getCode() + ": " + status.getDescription(), t);
        } else {
            LOG.warning(name + " failed: " + status.getCode() + ": " + status.getDescription());
        }
        observer.completed(name, status.getCode(), nanos);
        out.onError(status.asRuntimeException());
    }

    /** Whether an RPC object is bound for the method (the rest answer UNIMPLEMENTED). */
    public boolean isBound(MethodDescriptor<?, ?> method) {
        return handlers.containsKey(method.getFullMethodName());
    }

    /** One service definition per descriptor, every method of it handled. */
    public List<ServerServiceDefinition> build(ServiceDescriptor... services) {
        List<ServerServiceDefinition> out = new ArrayList<>();
        for (ServiceDescriptor service : services) {
            ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service);
            for (MethodDescriptor<?, ?> m : service.getMethods()) {
                addMethod(b, m);
            }
            out.add(b.build());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private <Q, R> void addMethod(ServerServiceDefinition.Builder b, MethodDescriptor<Q, R> m) {
        ServerCallHandler<Q, R> h = (ServerCallHandler<Q, R>) handlers.get(m.getFullMethodName());
        b.addMethod(ServerMethodDefinition.create(m, h != null ? h : unimplemented(m)));
    }

    private <Q, R> ServerCallHandler<Q, R> unimplemented(MethodDescriptor<Q, R> m) {
        String name = m.getBareMethodName();
        Status status = Status.UNIMPLEMENTED.withDescription(
                name + " (" + m.getFullMethodName() + ") is not implemented by berth yet");
        ServerCalls.UnaryMethod<Q, R> refuse = (request, out) -> {
            observer.completed(name, Status.Code.UNIMPLEMENTED, 0);
            out.onError(status.asRuntimeException());
        };
        return m.getType() == MethodDescriptor.MethodType.SERVER_STREAMING
                ? ServerCalls.asyncServerStreamingCall(refuse::invoke)
                : ServerCalls.asyncUnaryCall(refuse);
    }
}
