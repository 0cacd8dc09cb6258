package io.berth.e2e.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PortMapping;
import io.berth.cri.v1.RemoveContainerRequest;
import io.berth.cri.v1.RemovePodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RuntimeServiceGrpc;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.pods.HostResidue;
import io.berth.e2e.pods.PodCalls;
import io.berth.e2e.pods.PodTestbed;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every RPC of the CRI's RuntimeService and ImageService, sent with every field made hostile in turn (see
 * {@link HostileRequestTable}). Whatever berth answers, it is an answer: OK, or a code the caller can act on with a
 * message of bounded size, never INTERNAL, UNKNOWN or a dropped connection. Ids that are paths, log paths and mount
 * paths that climb out, are refused. And nothing stays behind: no pod, container or image berth did not have, no
 * mount, cgroup, run dir, snapshot, veth or shim, and no file where a climbing path pointed.
 */
class HostileRequestsE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /** Set to true for every value of every field; by default a field gets one of the values berth may accept. */
    static final String FULL_TABLE = "berth.e2e.hostile.full";
    private static final String UNKNOWN_ID = "0123456789abcdef".repeat(4);
    /** Codes that tell the caller what was wrong with its request; anything else is berth's fault. */
    private static final Set<Status.Code> REFUSALS = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.FAILED_PRECONDITION, Status.Code.OUT_OF_RANGE, Status.Code.ALREADY_EXISTS,
            Status.Code.UNIMPLEMENTED, Status.Code.RESOURCE_EXHAUSTED);
    /** Stop and Remove succeed for what is not there (kubelet retries them until they do), and lists filter. */
    private static final Set<String> IDEMPOTENT_OR_FILTERING = Set.of("StopContainer", "RemoveContainer",
            "StopPodSandbox", "RemovePodSandbox", "ListContainers", "ListPodSandbox", "ListContainerStats",
            "ListPodSandboxStats", "ListPodSandboxMetrics", "ListImages", "GetContainerEvents");
    /** A refusal's message goes back in a gRPC trailer; one that echoes a megabyte would not arrive at all. */
    private static final int MAX_MESSAGE_CHARS = 8 * 1024;

    private static PodTestbed testbed;
    private static PodCalls cri;
    private static String pod;
    private static String container;
    private static Path hostDir;
    private static String canary;

    @BeforeAll
    static void startBerthdWithAPodAndARunningContainer() throws Exception {
        testbed = PodTestbed.start(daemons, "hr", 232);
        cri = testbed.cri();
        pod = cri.runPod("target");
        container = cri.run(pod, cri.container("target", "sleep", "600"));
        hostDir = testbed.dir("host-path");
        canary = "berth-hostile-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (testbed != null) {
            testbed.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyRuntimeRpcSurvivesEveryHostileField() {
        return rpcs(RuntimeServiceGrpc.getServiceDescriptor());
    }

    @TestFactory
    Stream<DynamicTest> everyImageRpcSurvivesEveryHostileField() {
        return rpcs(ImageServiceGrpc.getServiceDescriptor());
    }

    @Test
    void theSocketIsForRootAndItsGroupAndTheRootsAreNotReadableByOthers() throws Exception {
        assertThat(Files.getPosixFilePermissions(testbed.berthd().socket()))
                .as("the CRI socket, 0660").containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ,
                        PosixFilePermission.GROUP_WRITE);
        for (Path dir : List.of(testbed.berthd().root(), testbed.berthd().state())) {
            assertThat(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)).as("%s", dir)
                    .doesNotContain(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE,
                            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.GROUP_WRITE);
        }
        Path log = cri.logPath(container);
        assertThat(Files.getPosixFilePermissions(log)).as("the container's log %s", log)
                .doesNotContain(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    }

    private Stream<DynamicTest> rpcs(ServiceDescriptor service) {
        return service.getMethods().stream().map(method -> dynamicTest(method.getBareMethodName(),
                () -> sendEveryCase(method)));
    }

    private static void sendEveryCase(MethodDescriptor<?, ?> untyped) {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) untyped;
        String name = method.getBareMethodName();
        Records before = Records.read();
        HostResidue residueBefore = HostResidue.of(testbed);
        List<HostileRequestTable.Case> cases = HostileRequestTable.of(base(method), canary, seeds(),
                // berth reads a pod's config from its own record, never from these copies of it.
                Set.of("sandbox_config"), Boolean.getBoolean(FULL_TABLE));
        List<String> wrong = new ArrayList<>();
        for (HostileRequestTable.Case c : cases) {
            String verdict = verdict(name, c, method);
            if (verdict != null) {
                wrong.add(c + ": " + verdict);
            }
            removeWhatWasNotThere(before);
        }
        assertThat(wrong).as("%s: %d hostile requests", name, cases.size()).isEmpty();
        assertThat(testbed.berthd().isAlive()).as("berthd after %s", name).isTrue();
        assertThat(Records.read()).as("pods, containers and images after %s", name).isEqualTo(before);
        HostResidue.awaitSameAs(residueBefore, testbed, name);
        assertThat(Path.of("/tmp", canary)).as("where a climbing path of %s points", name).doesNotExist();
    }

    /** Null when berth answered {@code c} as it should, else what was wrong. */
    private static String verdict(String name, HostileRequestTable.Case c, MethodDescriptor<Message, Message> method) {
        boolean mustRefuse = switch (c.refusal()) {
            case ALWAYS -> true;
            case ID_OR_PATH -> !IDEMPOTENT_OR_FILTERING.contains(name) && !c.field().contains("filter");
            case NONE -> false;
        };
        try {
            call(method, c.request());
        } catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING
                    && status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                return null;
            }
            if (!REFUSALS.contains(status.getCode())) {
                return "answered " + status.getCode() + ": " + abbreviated(status.getDescription());
            }
            String description = status.getDescription();
            if (description == null || description.isBlank() || description.length() > MAX_MESSAGE_CHARS) {
                return status.getCode() + " with a message of " + (description == null ? 0 : description.length())
                        + " chars";
            }
            return null;
        }
        return mustRefuse ? "accepted" : null;
    }

    private static void call(MethodDescriptor<Message, Message> method, Message request) {
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            ClientCalls.blockingUnaryCall(testbed.berthd().client().channel(), method, options, request);
            return;
        }
        options = CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS);
        Iterator<Message> answers = ClientCalls.blockingServerStreamingCall(testbed.berthd().client().channel(),
                method, options, request);
        for (int i = 0; i < 3 && answers.hasNext(); i++) {
            answers.next();
        }
    }

    /** For each RPC a request berth would accept: the class's pod and running container, the pulled image. */
    private static Message base(MethodDescriptor<Message, Message> method) {
        String name = method.getBareMethodName();
        Message prototype = ((PrototypeMarshaller<Message>) method.getRequestMarshaller()).getMessagePrototype();
        switch (name) {
            case "RunPodSandbox":
                return RunPodSandboxRequest.newBuilder().setConfig(cri.podConfig("hostile", NamespaceMode.CONTAINER))
                        .build();
            case "CreateContainer":
                return cri.createRequest(pod, cri.container("hostile", "true"));
            case "StopContainer", "RemoveContainer", "StopPodSandbox", "RemovePodSandbox":
                // Hostile values of a destructive call are sent for a well-formed id berth does not have.
                return fill(prototype, UNKNOWN_ID, UNKNOWN_ID, testbed.image());
            case "RemoveImage":
                return fill(prototype, pod, container, testbed.image().replace(":e2e", ":never-pulled"));
            default:
                Message.Builder request = fill(prototype, pod, container, testbed.image()).toBuilder();
                FieldDescriptor cmd = request.getDescriptorForType().findFieldByName("cmd");
                if (cmd != null && cmd.isRepeated()) {
                    request.addRepeatedField(cmd, "true");
                }
                FieldDescriptor location = request.getDescriptorForType().findFieldByName("location");
                if (location != null) {
                    request.setField(location, hostDir.resolve("checkpoint.tar").toString());
                }
                return request.build();
        }
    }

    /** The request with its pod, container and image fields set, at the top or in an ImageSpec. */
    private static Message fill(Message prototype, String podId, String containerId, String image) {
        Message.Builder request = prototype.toBuilder();
        for (FieldDescriptor field : request.getDescriptorForType().getFields()) {
            if (field.isRepeated()) {
                continue;
            }
            switch (field.getName()) {
                case "pod_sandbox_id" -> request.setField(field, podId);
                case "container_id" -> request.setField(field, containerId);
                case "image" -> {
                    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                        request.setField(field, ImageSpec.newBuilder().setImage(image).build());
                    }
                }
                default -> { }
            }
        }
        return request.build();
    }

    /** The element a repeated field gets before one of its fields is made hostile: one berth would accept. */
    private static Map<String, Message> seeds() {
        return Map.of(
                Mount.getDescriptor().getFullName(), Mount.newBuilder().setHostPath(hostDir.toString())
                        .setContainerPath("/data").build(),
                PortMapping.getDescriptor().getFullName(), PortMapping.newBuilder().setContainerPort(8080).build());
    }

    /** Takes away what a case that berth accepted made: the class's own pod and container stay. */
    private static void removeWhatWasNotThere(Records before) {
        Records now = Records.read();
        for (String id : now.containers()) {
            if (!before.containers().contains(id)) {
                cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            }
        }
        for (String id : now.pods()) {
            if (!before.pods().contains(id)) {
                cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            }
        }
    }

    private static String abbreviated(String s) {
        return s == null || s.length() < 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
    }

    /** The ids of every pod, container and image berth has. */
    private record Records(List<String> pods, List<String> containers, List<String> images) {
        static Records read() {
            return new Records(
                    cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
                            .map(p -> p.getId()).sorted().toList(),
                    cri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()
                            .stream().map(c -> c.getId()).sorted().toList(),
                    testbed.berthd().client().images().listImages(ListImagesRequest.getDefaultInstance())
                            .getImagesList().stream().map(i -> i.getId()).sorted().toList());
        }
    }
}
