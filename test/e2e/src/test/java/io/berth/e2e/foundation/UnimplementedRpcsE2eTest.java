package io.berth.e2e.foundation;

import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every RPC berth does not implement yet must say so clearly — UNIMPLEMENTED naming the RPC — rather than hang,
 * fail with UNKNOWN or pretend to succeed. Each method of both services is called with the empty request.
 */
class UnimplementedRpcsE2eTest {

    /** THE list of RPCs berthd implements: add a name here when the issue implementing that RPC lands. */
    static final Set<String> IMPLEMENTED = Set.of("Version", "Status", "RuntimeConfig", "UpdateRuntimeConfig",
            "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "PodSandboxStatus", "ListPodSandbox",
            "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "ContainerStatus",
            "ListContainers", "ReopenContainerLog", "UpdateContainerResources",
            "PullImage", "ImageStatus", "ListImages", "RemoveImage", "ImageFsInfo",
            "Exec", "Attach", "PortForward", "ExecSync", "GetContainerEvents",
            "ContainerStats", "ListContainerStats", "PodSandboxStats", "ListPodSandboxStats", "ListMetricDescriptors",
            "ListPodSandboxMetrics", "CheckpointContainer");

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static CriClient client;

    @BeforeAll
    static void connect() {
        // containerd implements all of these: the expectation is berth's alone.
        E2eSettings.assumeOwnBerthd();
        client = daemons.sharedEndpoint();
    }

    static Stream<MethodDescriptor<?, ?>> unimplementedMethods() {
        return allMethods().filter(method -> !IMPLEMENTED.contains(method.getBareMethodName()));
    }

    private static Stream<MethodDescriptor<?, ?>> allMethods() {
        return Stream.of(RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor())
                .map(ServiceDescriptor::getMethods)
                .flatMap(methods -> methods.stream());
    }

    @Test
    void theImplementedListNamesOnlyRealRpcs() {
        assertThat(allMethods().map(MethodDescriptor::getBareMethodName)).containsAll(IMPLEMENTED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unimplementedMethods")
    void answersUnimplementedNamingTheRpc(MethodDescriptor<?, ?> method) {
        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, () -> call(method));

        assertThat(failure).as("%s should fail", method.getFullMethodName()).isNotNull();
        assertThat(failure.getStatus().getCode()).as("%s", failure.getStatus()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(failure.getStatus().getDescription()).contains(method.getBareMethodName());
    }

    /** Calls {@code method} with its request type's default instance; drains a server stream to see its status. */
    private static <Q, R> void call(MethodDescriptor<Q, R> method) {
        Q request = defaultRequest(method);
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
        switch (method.getType()) {
            case UNARY -> ClientCalls.blockingUnaryCall(client.channel(), method, options, request);
            case SERVER_STREAMING -> {
                Iterator<R> responses = ClientCalls.blockingServerStreamingCall(client.channel(), method, options, request);
                while (responses.hasNext()) {
                    responses.next();
                }
            }
            default -> throw new IllegalStateException("CRI has no " + method.getType() + " method: " + method);
        }
    }

    @SuppressWarnings("unchecked")
    private static <Q> Q defaultRequest(MethodDescriptor<Q, ?> method) {
        return ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller()).getMessagePrototype();
    }
}
