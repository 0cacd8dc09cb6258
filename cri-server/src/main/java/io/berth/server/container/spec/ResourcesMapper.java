package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.HugepageLimit;
import io.berth.cri.v1.LinuxContainerResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** CRI {@code LinuxContainerResources} to OCI {@code linux.resources} and {@code process.oomScoreAdj}. */
public final class ResourcesMapper {
    private static final String FIELD = "config.linux.resources.";
    private static final Pattern PAGE_SIZE = Pattern.compile("[1-9][0-9]{0,5}[KMG]B");
    // A cgroup v2 interface file name, e.g. "memory.high" or "io.bfq.weight": never a path.
    private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");
    private static final Pattern CPU_LIST = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");

    private static final long MIN_CFS_MICROS = 1_000;
    private static final long MAX_CFS_PERIOD_MICROS = 1_000_000;
    private static final long MAX_CFS_QUOTA_MICROS = (1L << 44) - 1;

    private final HostFacts host;

    public ResourcesMapper(HostFacts host) {
        this.host = host;
    }

    /** Resources with the given device rules; {@code null} sections stay out of the JSON. */
    public OciSpec.Resources map(LinuxContainerResources r, List<OciSpec.DeviceRule> deviceRules) {
        return new OciSpec.Resources(deviceRules, memory(r), cpu(r), pids(r), hugepages(r), unified(r));
    }

    /**
     * The requested score, but never below berthd's own: the kernel lets only a privileged process lower a
     * child's score, and containerd's {@code restrict_oom_score_adj} makes the same choice.
     */
    public int oomScoreAdj(LinuxContainerResources r) {
        long requested = r.getOomScoreAdj();
        if (requested < -1000 || requested > 1000) {
            throw new InvalidArgumentException(FIELD + "oom_score_adj: " + requested + " is outside -1000..1000");
        }
        return (int) Math.max(requested, host.oomScoreAdjFloor());
    }

    private OciSpec.Memory memory(LinuxContainerResources r) {
        long limit = r.getMemoryLimitInBytes();
        long swap = r.getMemorySwapLimitInBytes();
        if (limit < 0) {
            throw new InvalidArgumentException(FIELD + "memory_limit_in_bytes: " + limit + " is negative");
        }
        if (swap < -1) {
            throw new InvalidArgumentException(FIELD + "memory_swap_limit_in_bytes: " + swap + " is invalid");
        }
        Long swapOut = null;
        if (host.swapControllerAvailable()) {
            // Memory+swap equal to memory means "no swap", which is what kubelet expects unless it asked for swap.
            if (swap != 0) {
                swapOut = swap;
            } else if (limit != 0) {
                swapOut = limit;
            }
        }
        if (limit == 0 && swapOut == null) {
            return null;
        }
        if (limit != 0 && swapOut != null && swapOut != -1 && swapOut < limit) {
            throw new InvalidArgumentException(FIELD + "memory_swap_limit_in_bytes: " + swapOut
                    + " is below memory_limit_in_bytes " + limit + " (it limits memory plus swap)");
        }
        return new OciSpec.Memory(limit == 0 ? null : limit, null, swapOut, null);
    }

    private static OciSpec.Cpu cpu(LinuxContainerResources r) {
        long shares = r.getCpuShares();
        long quota = r.getCpuQuota();
        long period = r.getCpuPeriod();
        if (shares < 0 || shares > 262144) {
            throw new InvalidArgumentException(FIELD + "cpu_shares: " + shares + " is outside 0..262144");
        }
        // The kernel's own CFS bounds (kernel/sched/core.c); beyond them runc fails half-way into the cgroup.
        if (quota < -1 || (quota > 0 && (quota < MIN_CFS_MICROS || quota > MAX_CFS_QUOTA_MICROS))) {
            throw new InvalidArgumentException(FIELD + "cpu_quota: " + quota + " is outside " + MIN_CFS_MICROS + ".."
                    + MAX_CFS_QUOTA_MICROS + " microseconds (-1 means unlimited, 0 unset)");
        }
        if (period < 0 || (period > 0 && (period < MIN_CFS_MICROS || period > MAX_CFS_PERIOD_MICROS))) {
            throw new InvalidArgumentException(FIELD + "cpu_period: " + period + " is outside " + MIN_CFS_MICROS
                    + ".." + MAX_CFS_PERIOD_MICROS + " microseconds (0 unset)");
        }
        String cpus = cpuList(r.getCpusetCpus(), "cpuset_cpus");
        String mems = cpuList(r.getCpusetMems(), "cpuset_mems");
        if (shares == 0 && quota == 0 && period == 0 && cpus == null && mems == null) {
            return null;
        }
        return new OciSpec.Cpu(shares == 0 ? null : shares, quota == 0 ? null : quota,
                period == 0 ? null : period, cpus, mems);
    }

    private static String cpuList(String s, String field) {
        if (s.isEmpty()) {
            return null;
        }
        String compact = s.replace(" ", "");
        if (!CPU_LIST.matcher(compact).matches() || compact.length() > 4096) {
            throw new InvalidArgumentException(FIELD + field + ": '" + Require.printable(s)
                    + "' is not a list like 0-3,6");
        }
        return compact;
    }

    private OciSpec.Pids pids(LinuxContainerResources r) {
        // CRI has no pids field; kubelet's pod-level limit arrives as unified "pids.max". On cgroup v1 runc
        // refuses any unified key, so it is translated there and passed through unchanged on v2.
        String max = r.getUnifiedMap().get("pids.max");
        if (max == null || host.cgroupV2()) {
            return null;
        }
        if (max.equals("max")) {
            return new OciSpec.Pids(-1);
        }
        try {
            long v = Long.parseLong(max.trim());
            if (v > 0) {
                return new OciSpec.Pids(v);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidArgumentException(FIELD + "unified[pids.max]: '" + Require.printable(max)
                + "' is not a positive number or 'max'");
    }

    /**
     * Checked either way; left out where the host has no usable hugetlb controller, since kubelet sends limits for
     * every page size the node has and runc would then fail every container (containerd tolerates it the same way).
     */
    private List<OciSpec.HugepageLimit> hugepages(LinuxContainerResources r) {
        List<OciSpec.HugepageLimit> out = new ArrayList<>();
        for (HugepageLimit h : r.getHugepageLimitsList()) {
            if (!PAGE_SIZE.matcher(h.getPageSize()).matches()) {
                throw new InvalidArgumentException(FIELD + "hugepage_limits: page size '"
                        + Require.printable(h.getPageSize()) + "' is not like 2MB or 1GB");
            }
            if (h.getLimit() < 0) {
                throw new InvalidArgumentException(FIELD + "hugepage_limits[" + h.getPageSize()
                        + "]: limit is beyond 2^63");
            }
            out.add(new OciSpec.HugepageLimit(h.getPageSize(), h.getLimit()));
        }
        return host.hugetlbController() ? out : List.of();
    }

    private Map<String, String> unified(LinuxContainerResources r) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : r.getUnifiedMap().entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (!UNIFIED_KEY.matcher(key).matches() || key.length() > 255) {
                throw new InvalidArgumentException(FIELD + "unified: '" + Require.printable(key)
                        + "' is not a cgroup v2 interface file name");
            }
            if (value.indexOf('\0') >= 0 || value.indexOf('\n') >= 0 || value.length() > 4096) {
                throw new InvalidArgumentException(FIELD + "unified[" + key + "]: value is not one line");
            }
            if (!host.cgroupV2()) {
                if (key.equals("pids.max")) {
                    continue;
                }
                throw new InvalidArgumentException(FIELD + "unified[" + key + "]: this host uses cgroup v1;"
                        + " unified (cgroup v2) settings cannot be applied");
            }
            out.put(key, value);
        }
        return out;
    }
}
