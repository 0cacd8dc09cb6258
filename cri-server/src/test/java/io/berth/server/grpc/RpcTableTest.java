package io.berth.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.error.UnimplementedException;
import io.berth.cri.v1.ContainerEventResponse;
import io.berth.cri.v1.CreateContainerRequest;
import io.berth.cri.v1.GetEventsRequest;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RpcTableTest {
    private final List<String> observed = new ArrayList<>();
    private final RpcTable table = new RpcTable((rpc, code, nanos) -> observed.add(rpc + ":" + code));

    static List<Arguments> typedFailures() {
        return List.of(
                Arguments.of((Supplier<RuntimeException>) () -> new NotFoundException("no pod x"), Status.Code.NOT_FOUND),
                Arguments.of((Supplier<RuntimeException>) () -> new AlreadyExistsException("no pod x"),
                        Status.Code.ALREADY_EXISTS),
                Arguments.of((Supplier<RuntimeException>) () -> new InvalidArgumentException("no pod x"),
                        Status.Code.INVALID_ARGUMENT),
                Arguments.of((Supplier<RuntimeException>) () -> new FailedPreconditionException("no pod x"),
                        Status.Code.FAILED_PRECONDITION),
                Arguments.of((Supplier<RuntimeException>) () -> new UnavailableException("no pod x"),
                        Status.Code.UNAVAILABLE),
                Arguments.of((Supplier<RuntimeException>) () -> new ResourceExhaustedException("no pod x"),
                        Status.Code.RESOURCE_EXHAUSTED),
                Arguments.of((Supplier<RuntimeException>) () -> new DeadlineExceededException("no pod x"),
                        Status.Code.DEADLINE_EXCEEDED),
                Arguments.of((Supplier<RuntimeException>) () -> new PermissionDeniedException("no pod x"),
                        Status.Code.PERMISSION_DENIED),
                Arguments.of((Supplier<RuntimeException>) () -> new UnimplementedException("no pod x"),
                        Status.Code.UNIMPLEMENTED),
                Arguments.of((Supplier<RuntimeException>) () -> new InternalException("no pod x"), Status.Code.INTERNAL));
    }

    @ParameterizedTest
    @MethodSource("typedFailures")
    void aTypedFailureBecomesItsStatusWithItsMessage(Supplier<RuntimeException> failure, Status.Code code)
            throws Exception {
        table.unary(RuntimeServiceGrpc.getVersionMethod(), request -> {
            throw failure.get();
        });
        try (InProcessCri cri = new InProcessCri(table)) {
            assertThatThrownBy(() -> cri.runtime().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(code);
                        assertThat(e.getStatus().getDescription()).isEqualTo("no pod x");
                    });
        }
        assertThat(observed).containsExactly("Version:" + code);
    }

    @Test
    void anUnexpectedFailureIsInternalAndSaysWhereToLook() throws Exception {
        table.unary(RuntimeServiceGrpc.getVersionMethod(), request -> {
            throw new IllegalStateException("store is closed");
        });
        try (InProcessCri cri = new InProcessCri(table)) {
            assertThatThrownBy(() -> cri.runtime().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                        assertThat(e.getStatus().getDescription())
                                .isEqualTo("Version failed inside berthd (IllegalStateException: store is closed);"
                                        + " see the berthd log for details");
                    });
        }
    }

    @Test
    void aFullDiskIsResourceExhaustedAndSaysSoWhateverTheWrapping() throws Exception {
        table.unary(RuntimeServiceGrpc.getVersionMethod(), request -> {
            throw new UncheckedIOException("cannot write pod sandbox record /r/abc.json",
                    new IOException("No space left on device"));
        });
        try (InProcessCri cri = new InProcessCri(table)) {
            assertThatThrownBy(() -> cri.runtime().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("Version failed, a disk of berth's is"
                                + " full: cannot write pod sandbox record /r/abc.json (No space left on device)");
                    });
        }
    }

    @Test
    void aBoundRpcAnswersAndIsObserved() throws Exception {
        table.unary(RuntimeServiceGrpc.getVersionMethod(),
                request -> VersionResponse.newBuilder().setRuntimeName("echo-" + request.getVersion()).build());
        try (InProcessCri cri = new InProcessCri(table)) {
            assertThat(cri.runtime().version(VersionRequest.newBuilder().setVersion("x").build()).getRuntimeName())
                    .isEqualTo("echo-x");
        }
        assertThat(observed).containsExactly("Version:OK");
    }

    @Test
    void everyUnboundRpcIsUnimplementedAndNamesItself() throws Exception {
        try (InProcessCri cri = new InProcessCri(table)) {
            assertThatThrownBy(() -> cri.runtime().createContainer(CreateContainerRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                        assertThat(e.getStatus().getDescription()).contains("CreateContainer");
                    });
            assertThatThrownBy(() -> cri.images().listImages(ListImagesRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).contains("ListImages"));
            Iterator<ContainerEventResponse> events = cri.runtime().getContainerEvents(GetEventsRequest.getDefaultInstance());
            assertThatThrownBy(events::hasNext)
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                        assertThat(e.getStatus().getDescription()).contains("GetContainerEvents");
                    });
        }
    }

    @Test
    void bindingOneMethodTwiceIsAProgrammingError() {
        table.unary(RuntimeServiceGrpc.getVersionMethod(), r -> VersionResponse.getDefaultInstance());
        assertThatThrownBy(() -> table.unary(RuntimeServiceGrpc.getVersionMethod(), r -> VersionResponse.getDefaultInstance()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("runtime.v1.RuntimeService/Version");
    }
}
