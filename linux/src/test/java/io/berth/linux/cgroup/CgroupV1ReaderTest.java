package io.berth.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hybrid host in a temp dir: v1 controllers (cpu and cpuacct co-mounted) plus a bare cgroup2 mount. */
class CgroupV1ReaderTest {
    static final String CONTAINER = "/kubepods/burstable/pod1/c1";

    @TempDir
    Path tmp;
    FakeCgroupfs fs;
    Path cpuacct;
    Path memory;
    Path pids;
    Path blkio;

    @BeforeEach
    void hybridHost() {
        fs = new FakeCgroupfs(tmp);
        fs.mountinfo(
                FakeCgroupfs.mountLine(25, fs.mountPoint("unified"), "cgroup2", "rw,nsdelegate"),
                FakeCgroupfs.mountLine(26, fs.mountPoint("systemd"), "cgroup", "rw,xattr,name=systemd"),
                FakeCgroupfs.mountLine(30, fs.mountPoint("cpu,cpuacct"), "cgroup", "rw,cpu,cpuacct"),
                FakeCgroupfs.mountLine(31, fs.mountPoint("memory"), "cgroup", "rw,memory"),
                FakeCgroupfs.mountLine(32, fs.mountPoint("pids"), "cgroup", "rw,pids"),
                FakeCgroupfs.mountLine(33, fs.mountPoint("blkio"), "cgroup", "rw,blkio"));
        String rel = CONTAINER.substring(1);
        cpuacct = fs.mountPoint("cpu,cpuacct").resolve(rel);
        memory = fs.mountPoint("memory").resolve(rel);
        pids = fs.mountPoint("pids").resolve(rel);
        blkio = fs.mountPoint("blkio").resolve(rel);
        fs.processCgroup(77, "12:pids:" + CONTAINER, "7:blkio:" + CONTAINER, "5:cpu,cpuacct:" + CONTAINER,
                "4:memory:" + CONTAINER, "1:name=systemd:/system.slice/berth.service", "0::/system.slice/berth.service");
    }

    void everyFile() {
        fs.file(cpuacct, "cpuacct.usage", "2039958937441");
        fs.file(cpuacct, "cpuacct.usage_user", "1500000000000");
        fs.file(cpuacct, "cpuacct.usage_sys", "539958937441");
        fs.file(cpuacct, "cpuacct.stat", "user 150000", "system 53995");
        fs.file(memory, "memory.usage_in_bytes", "3432448");
        fs.file(memory, "memory.stat", "cache 180224", "rss 1757184", "rss_huge 0", "shmem 0", "mapped_file 0",
                "dirty 24576", "writeback 0", "swap 0", "pgpgin 22679", "pgpgout 22210", "pgfault 51737",
                "pgmajfault 1", "inactive_anon 1642496", "active_anon 12288", "inactive_file 45056",
                "active_file 135168", "unevictable 0", "hierarchical_memory_limit 536870912",
                "hierarchical_memsw_limit 9223372036854771712", "total_cache 180224", "total_rss 1757184",
                "total_rss_huge 0", "total_shmem 0", "total_mapped_file 0", "total_dirty 24576",
                "total_writeback 0", "total_swap 0", "total_pgpgin 22679", "total_pgpgout 22210",
                "total_pgfault 61737", "total_pgmajfault 3", "total_inactive_anon 1642496",
                "total_active_anon 12288", "total_inactive_file 55056", "total_active_file 135168",
                "total_unevictable 0");
        fs.file(memory, "memory.limit_in_bytes", "536870912");
        fs.file(memory, "memory.memsw.usage_in_bytes", "3436544");
        fs.file(memory, "memory.memsw.limit_in_bytes", "1073741824");
        fs.file(memory, "memory.oom_control", "oom_kill_disable 0", "under_oom 0", "oom_kill 2");
        fs.file(pids, "pids.current", "5");
        fs.file(blkio, "blkio.throttle.io_service_bytes_recursive", "8:0 Read 1048576", "8:0 Write 8192",
                "8:0 Sync 8192", "8:0 Async 1048576", "8:0 Discard 0", "8:0 Total 1056768", "253:0 Read 512",
                "253:0 Write 0", "253:0 Sync 0", "253:0 Async 512", "253:0 Discard 0", "253:0 Total 512",
                "Total 1057280");
    }

    @Test
    void everyValueIsReadFromItsController() throws Exception {
        everyFile();
        Cgroups host = Cgroups.detect(fs.proc);
        assertThat(host.layout()).isEqualTo(CgroupLayout.HYBRID);

        CgroupStats s = host.statsOf(CONTAINER);
        assertThat(s.cpuUsageNanos()).hasValue(2_039_958_937_441L);
        assertThat(s.cpuUserNanos()).hasValue(1_500_000_000_000L);
        assertThat(s.cpuSystemNanos()).hasValue(539_958_937_441L);
        assertThat(s.memoryUsageBytes()).hasValue(3_432_448L);
        assertThat(s.workingSetBytes()).as("usage - total_inactive_file").hasValue(3_432_448L - 55_056L);
        assertThat(s.rssBytes()).as("total_rss").hasValue(1_757_184L);
        assertThat(s.cacheBytes()).hasValue(180_224L);
        assertThat(s.pageFaults()).as("total_pgfault, not pgfault").hasValue(61_737L);
        assertThat(s.majorPageFaults()).hasValue(3);
        assertThat(s.memoryLimitBytes()).hasValue(536_870_912L);
        assertThat(s.swapUsageBytes()).as("memsw - usage").hasValue(4096);
        assertThat(s.swapLimitBytes()).as("memsw limit - memory limit").hasValue(1_073_741_824L - 536_870_912L);
        assertThat(s.swapAvailableBytes()).hasValue(1_073_741_824L - 536_870_912L - 4096);
        assertThat(s.oomKills()).hasValue(2);
        assertThat(s.pids()).hasValue(5);
        assertThat(s.ioReadBytes()).hasValue(1_048_576L + 512);
        assertThat(s.ioWriteBytes()).hasValue(8192);

        assertThat(host.statsOfProcess(77)).isEqualTo(s);
    }

    @Test
    void throttlingPeaksKernelMemoryAndPerDeviceIo() throws Exception {
        everyFile();
        fs.file(cpuacct, "cpu.stat", "nr_periods 120", "nr_throttled 7", "throttled_time 350000000", "nr_bursts 0",
                "burst_time 0");
        fs.file(memory, "memory.failcnt", "4");
        fs.file(memory, "memory.max_usage_in_bytes", "9437184");
        fs.file(memory, "memory.kmem.usage_in_bytes", "786432");
        fs.file(memory, "memory.stat", "pgfault 100", "pgmajfault 2", "mapped_file 4096", "total_pgfault 300",
                "total_pgmajfault 5", "total_mapped_file 8192");
        fs.file(pids, "pids.max", "max");
        fs.file(blkio, "blkio.throttle.io_serviced_recursive", "8:0 Read 12", "8:0 Write 3", "8:0 Sync 3",
                "8:0 Async 12", "8:0 Discard 0", "8:0 Total 15", "Total 15");
        CgroupStats s = Cgroups.detect(fs.proc).statsOf(CONTAINER);
        assertThat(s.cfsPeriods()).as("cpu.stat of the cpu controller, co-mounted with cpuacct").hasValue(120);
        assertThat(s.cfsThrottledPeriods()).hasValue(7);
        assertThat(s.cfsThrottledNanos()).as("throttled_time is nanoseconds on v1").hasValue(350_000_000L);
        assertThat(s.memoryFailcnt()).hasValue(4);
        assertThat(s.memoryMaxUsageBytes()).hasValue(9_437_184L);
        assertThat(s.kernelUsageBytes()).hasValue(786_432L);
        assertThat(s.mappedFileBytes()).as("total_mapped_file: the subtree").hasValue(8192);
        assertThat(s.ownPageFaults()).as("bare pgfault: this cgroup alone").hasValue(100);
        assertThat(s.ownMajorPageFaults()).hasValue(2);
        assertThat(s.pageFaults()).hasValue(300);
        assertThat(s.threadsMax()).as("max is no limit, 0 as cAdvisor says").hasValue(0);
        assertThat(s.ioServiceBytes()).as("every per-device line, not the device-less Total").hasSize(12)
                .contains(new DeviceIo(8, 0, "Read", 1_048_576L), new DeviceIo(253, 0, "Async", 512));
        assertThat(s.ioServiced()).containsExactly(new DeviceIo(8, 0, "Read", 12), new DeviceIo(8, 0, "Write", 3),
                new DeviceIo(8, 0, "Sync", 3), new DeviceIo(8, 0, "Async", 12), new DeviceIo(8, 0, "Discard", 0),
                new DeviceIo(8, 0, "Total", 15));

        fs.file(pids, "pids.max", "64");
        assertThat(Cgroups.detect(fs.proc).statsOf(CONTAINER).threadsMax()).hasValue(64);
    }

    @Test
    void processesAndTheirDescriptorsAreCounted() throws Exception {
        fs.file(pids, "cgroup.procs", "77", "78", "79");
        fs.fd(77, 0, "/dev/null").fd(77, 1, "pipe:[1234]").fd(77, 3, "socket:[5678]");
        fs.fd(78, 0, "/dev/null").fd(78, 4, "socket:[5679]");
        // 79 has exited since cgroup.procs was read: no /proc/79.
        ProcessCounts counts = Cgroups.detect(fs.proc).processesOf(ProcessCgroups.ofProcess(fs.proc, 77));
        assertThat(counts.processes()).hasValue(3);
        assertThat(counts.fileDescriptors()).hasValue(5);
        assertThat(counts.sockets()).hasValue(2);
    }

    @Test
    void tooManyProcessesToWalkLeaveTheDescriptorCountsOut() throws Exception {
        String[] many = new String[CgroupProcesses.MAX_WALKED_PROCESSES + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = Integer.toString(1000 + i);
        }
        fs.file(pids, "cgroup.procs", many);
        ProcessCounts counts = Cgroups.detect(fs.proc).processesOf(ProcessCgroups.ofProcess(fs.proc, 77));
        assertThat(counts.processes()).hasValue(many.length);
        assertThat(counts.fileDescriptors()).as("never a partial count").isEmpty();
        assertThat(counts.sockets()).isEmpty();
    }

    @Test
    void noLimitNoSwapAccountingAndAnOldKernelLeaveValuesAbsent() throws Exception {
        fs.file(memory, "memory.usage_in_bytes", "4096");
        fs.file(memory, "memory.limit_in_bytes", "9223372036854771712");
        fs.file(memory, "memory.stat", "hierarchical_memsw_limit 18446744073709551615", "total_rss 8192");
        fs.file(memory, "memory.oom_control", "oom_kill_disable 0", "under_oom 0");
        fs.file(blkio, "blkio.throttle.io_service_bytes", "8:0 Read 100", "8:0 Write 200", "8:0 Total 300",
                "Total 300");
        CgroupStats s = Cgroups.detect(fs.proc).statsOf(CONTAINER);
        assertThat(s.memoryUsageBytes()).hasValue(4096);
        assertThat(s.memoryLimitBytes()).as("page-rounded LONG_MAX is no limit").isEmpty();
        assertThat(s.rssBytes()).as("a u64 beyond LONG_MAX in memory.stat costs only its own key").hasValue(8192);
        assertThat(s.swapUsageBytes()).as("no memsw files").isEmpty();
        assertThat(s.swapLimitBytes()).isEmpty();
        assertThat(s.swapAvailableBytes()).isEmpty();
        assertThat(s.oomKills()).as("kernel before 4.13").isEmpty();
        assertThat(s.cpuUsageNanos()).isEmpty();
        assertThat(s.pids()).isEmpty();
        assertThat(s.ioReadBytes()).as("the flat blkio file when there is no _recursive one").hasValue(100);
        assertThat(s.ioWriteBytes()).hasValue(200);
    }

    @Test
    void aControllerTheProcessIsNotInIsAbsent() throws Exception {
        everyFile();
        fs.processCgroup(78, "4:memory:" + CONTAINER, "0::/");
        CgroupStats s = Cgroups.detect(fs.proc).statsOfProcess(78);
        assertThat(s.memoryUsageBytes()).hasValue(3_432_448L);
        assertThat(s.cpuUsageNanos()).isEmpty();
        assertThat(s.pids()).isEmpty();
    }
}
