package io.berth.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StartingServicesTest {
    private final StartingServices starting = new StartingServices();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void serveBeforeTheServicesExist() throws Exception {
        String name = InProcessServerBuilder.generateName();
        // gRPC's own call executor, as the daemon's server has: method lookup runs there.
        server = InProcessServerBuilder.forName(name).fallbackHandlerRegistry(starting).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        starting.failed();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aCallMadeWhileStartingIsAnsweredOnceTheServicesAreReady() throws Exception {
        CompletableFuture<VersionResponse> call = CompletableFuture.supplyAsync(() -> stub().version(request()));

        assertThatThrownBy(() -> call.get(300, TimeUnit.MILLISECONDS))
                .as("no answer, and no UNIMPLEMENTED, before the services are handed over")
                .isInstanceOf(TimeoutException.class);
        starting.ready(List.of(new Runtime().bindService()));

        assertThat(call.get(10, TimeUnit.SECONDS).getRuntimeName()).isEqualTo("starting-test");
        assertThat(stub().version(request()).getRuntimeName()).isEqualTo("starting-test");
        assertThat(starting.getServices()).hasSize(1);
    }

    @Test
    void aWaitingCallStillEndsAtItsDeadline() {
        assertThatThrownBy(() -> stub().withDeadlineAfter(200, TimeUnit.MILLISECONDS).version(request()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    @Test
    void afterAFailedStartAWaitingCallFindsNoMethod() throws Exception {
        CompletableFuture<VersionResponse> call = CompletableFuture.supplyAsync(() -> stub().version(request()));
        starting.failed();

        assertThatThrownBy(call::join).hasCauseInstanceOf(StatusRuntimeException.class)
                .cause().satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
                        .isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub stub() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static VersionRequest request() {
        return VersionRequest.newBuilder().setVersion("v1").build();
    }

    private static final class Runtime extends RuntimeServiceGrpc.RuntimeServiceImplBase {
        @Override
        public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
            response.onNext(VersionResponse.newBuilder().setRuntimeName("starting-test").build());
            response.onCompleted();
        }
    }
}
