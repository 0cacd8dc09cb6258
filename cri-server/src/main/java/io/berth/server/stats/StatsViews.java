package io.berth.server.stats;

import io.berth.cri.v1.ContainerAttributes;
import io.berth.cri.v1.ContainerStats;
import io.berth.cri.v1.CpuUsage;
import io.berth.cri.v1.FilesystemIdentifier;
import io.berth.cri.v1.FilesystemUsage;
import io.berth.cri.v1.LinuxPodSandboxStats;
import io.berth.cri.v1.MemoryUsage;
import io.berth.cri.v1.NetworkInterfaceUsage;
import io.berth.cri.v1.NetworkUsage;
import io.berth.cri.v1.PodSandboxAttributes;
import io.berth.cri.v1.PodSandboxStats;
import io.berth.cri.v1.ProcessUsage;
import io.berth.cri.v1.SwapUsage;
import io.berth.cri.v1.UInt64Value;
import io.berth.linux.cgroup.CgroupStats;
import io.berth.linux.net.InterfaceCounters;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Readings as the CRI stats messages kubelet reads. A value the host could not give is left unset (kubelet
 * treats an unset {@code UInt64Value} as unknown, which zero would not be); a whole section is left out when
 * its main value is unknown, e.g. cpu and memory of a container that is not running.
 */
final class StatsViews {
    /** The interface kubelet reports as the pod's network (CNI and berth's bridge plugin both name it so). */
    static final String DEFAULT_INTERFACE = "eth0";

    private final String writableLayerMountpoint;

    /** @param writableLayerMountpoint the snapshotter root, as ImageFsInfo reports the container filesystem */
    StatsViews(String writableLayerMountpoint) {
        this.writableLayerMountpoint = writableLayerMountpoint;
    }

    ContainerStats container(ContainerReading r) {
        ContainerStats.Builder out = ContainerStats.newBuilder().setAttributes(ContainerAttributes.newBuilder()
                .setId(r.id())
                .setMetadata(r.config().getMetadata())
                .putAllLabels(r.config().getLabelsMap())
                .putAllAnnotations(r.config().getAnnotationsMap()));
        cpu(r.cgroup(), r.nanoCores(), r.atNanos(), out::setCpu);
        memory(r.cgroup(), r.atNanos(), out::setMemory);
        CgroupStats cg = r.cgroup();
        if (cg.swapUsageBytes().isPresent()) {
            SwapUsage.Builder swap = SwapUsage.newBuilder().setTimestamp(r.atNanos());
            set(cg.swapUsageBytes(), swap::setSwapUsageBytes);
            set(cg.swapAvailableBytes(), swap::setSwapAvailableBytes);
            out.setSwap(swap);
        }
        r.layer().ifPresent(layer -> out.setWritableLayer(FilesystemUsage.newBuilder()
                .setTimestamp(layer.atNanos())
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(writableLayerMountpoint))
                .setUsedBytes(uint64(layer.usage().bytes()))
                .setInodesUsed(uint64(layer.usage().inodes()))));
        return out.build();
    }

    PodSandboxStats pod(SandboxReading r) {
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
        cpu(r.cgroup(), r.nanoCores(), r.atNanos(), linux::setCpu);
        memory(r.cgroup(), r.atNanos(), linux::setMemory);
        if (!r.interfaces().isEmpty()) {
            NetworkUsage.Builder network = NetworkUsage.newBuilder().setTimestamp(r.atNanos());
            for (InterfaceCounters i : r.interfaces()) {
                network.addInterfaces(networkInterface(i));
                if (i.name().equals(DEFAULT_INTERFACE)) {
                    network.setDefaultInterface(networkInterface(i));
                }
            }
            linux.setNetwork(network);
        }
        if (r.cgroup().pids().isPresent()) {
            linux.setProcess(ProcessUsage.newBuilder().setTimestamp(r.atNanos())
                    .setProcessCount(uint64(r.cgroup().pids().getAsLong())));
        }
        r.containers().forEach(c -> linux.addContainers(container(c)));
        return PodSandboxStats.newBuilder()
                .setAttributes(PodSandboxAttributes.newBuilder()
                        .setId(r.id())
                        .setMetadata(r.config().getMetadata())
                        .putAllLabels(r.config().getLabelsMap())
                        .putAllAnnotations(r.config().getAnnotationsMap()))
                .setLinux(linux)
                .build();
    }

    private static void cpu(CgroupStats cg, OptionalLong nanoCores, long at, Consumer<CpuUsage> to) {
        if (cg.cpuUsageNanos().isEmpty()) {
            return;
        }
        CpuUsage.Builder cpu = CpuUsage.newBuilder().setTimestamp(at)
                .setUsageCoreNanoSeconds(uint64(cg.cpuUsageNanos().getAsLong()));
        set(nanoCores, cpu::setUsageNanoCores);
        to.accept(cpu.build());
    }

    private static void memory(CgroupStats cg, long at, Consumer<MemoryUsage> to) {
        if (cg.memoryUsageBytes().isEmpty()) {
            return;
        }
        MemoryUsage.Builder memory = MemoryUsage.newBuilder().setTimestamp(at);
        set(cg.workingSetBytes(), memory::setWorkingSetBytes);
        set(cg.availableBytes(), memory::setAvailableBytes);
        set(cg.memoryUsageBytes(), memory::setUsageBytes);
        set(cg.rssBytes(), memory::setRssBytes);
        set(cg.pageFaults(), memory::setPageFaults);
        set(cg.majorPageFaults(), memory::setMajorPageFaults);
        to.accept(memory.build());
    }

    private static NetworkInterfaceUsage networkInterface(InterfaceCounters i) {
        return NetworkInterfaceUsage.newBuilder()
                .setName(i.name())
                .setRxBytes(uint64(i.rxBytes()))
                .setRxErrors(uint64(i.rxErrors()))
                .setTxBytes(uint64(i.txBytes()))
                .setTxErrors(uint64(i.txErrors()))
                .build();
    }

    private static void set(OptionalLong value, Consumer<UInt64Value> to) {
        if (value.isPresent()) {
            to.accept(uint64(value.getAsLong()));
        }
    }

    static UInt64Value uint64(long value) {
        return UInt64Value.newBuilder().setValue(value).build();
    }
}
