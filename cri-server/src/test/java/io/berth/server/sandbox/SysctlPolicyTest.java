package io.berth.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.berth.common.error.InvalidArgumentException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SysctlPolicyTest {
    private static final boolean HOST = true;
    private static final boolean POD = false;

    /** requested name, value, host network?, host IPC?, the name kept in the record and the spec. */
    static Stream<Arguments> admitted() {
        return Stream.of(
                arguments("net.ipv4.ip_forward", "1", POD, POD, "net.ipv4.ip_forward"),
                arguments("net.ipv4.ping_group_range", "0 2147483647", POD, HOST, "net.ipv4.ping_group_range"),
                arguments("net/core/somaxconn", "1024", POD, POD, "net.core.somaxconn"),
                // sysctl(8)'s slash form: the dot belongs to the VLAN interface's name.
                arguments("net/ipv4/conf/eno2.100/rp_filter", "2", POD, POD, "net.ipv4.conf.eno2/100.rp_filter"),
                arguments("net.ipv4.conf.enP1s0.forwarding", "1", POD, POD, "net.ipv4.conf.enP1s0.forwarding"),
                arguments("kernel.shm_rmid_forced", "1", HOST, POD, "kernel.shm_rmid_forced"),
                arguments("kernel.msgmax", "8192", POD, POD, "kernel.msgmax"),
                arguments("kernel.msgmnb", "16384", POD, POD, "kernel.msgmnb"),
                arguments("kernel.msgmni", "32000", POD, POD, "kernel.msgmni"),
                arguments("kernel.sem", "250\t32000\t32\t128", HOST, POD, "kernel.sem"),
                arguments("kernel.shmall", "18446744073692774399", POD, POD, "kernel.shmall"),
                arguments("kernel.shmmax", "68719476736", POD, POD, "kernel.shmmax"),
                arguments("kernel.shmmni", "4096", POD, POD, "kernel.shmmni"),
                arguments("fs.mqueue.msg_max", "20", HOST, POD, "fs.mqueue.msg_max"),
                arguments("fs/mqueue/queues_max", "512", POD, POD, "fs.mqueue.queues_max"),
                arguments("kernel.domainname", "example.org", POD, HOST, "kernel.domainname"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("admitted")
    void admitsANamespacedSysctlOfThePodsOwnNamespaceUnderItsDottedName(String name, String value,
            boolean hostNetwork, boolean hostIpc, String kept) {
        assertThat(SysctlPolicy.admit(Map.of(name, value), hostNetwork, hostIpc))
                .containsExactly(Map.entry(kept, value));
    }

    /** requested sysctls, host network?, host IPC?, the field the error names, what it says. */
    static Stream<Arguments> refused() {
        return Stream.of(
                arguments(Map.of("net.ipv4.ip_forward", "1"), HOST, POD, "net.ipv4.ip_forward", "host network"),
                arguments(Map.of("net/ipv4/ip_forward", "1"), HOST, POD, "net/ipv4/ip_forward", "host network"),
                arguments(Map.of("kernel.domainname", "x"), HOST, POD, "kernel.domainname", "UTS namespace"),
                arguments(Map.of("kernel.sem", "1"), POD, HOST, "kernel.sem", "host's IPC namespace"),
                arguments(Map.of("fs.mqueue.msg_max", "1"), POD, HOST, "fs.mqueue.msg_max", "host's IPC namespace"),
                arguments(Map.of("kernel.hostname", "x"), POD, POD, "kernel.hostname", "config.hostname"),
                arguments(Map.of("vm.swappiness", "1"), POD, POD, "vm.swappiness", "not a namespaced sysctl"),
                arguments(Map.of("kernel.panic", "1"), POD, POD, "kernel.panic", "not a namespaced sysctl"),
                // kubelet's kernel.shm* prefix, but not a sysctl runc knows to be per IPC namespace.
                arguments(Map.of("kernel.shmfoo", "1"), POD, POD, "kernel.shmfoo", "not a namespaced sysctl"),
                arguments(Map.of("../../proc", "1"), POD, POD, "../../proc", "not a sysctl name"),
                arguments(Map.of("net/ipv4/../../x", "1"), POD, POD, "net/ipv4/../../x", "not a sysctl name"),
                arguments(Map.of("net..ipv4", "1"), POD, POD, "net..ipv4", "not a sysctl name"),
                arguments(Map.of("net.ipv4/", "1"), POD, POD, "net.ipv4/", "not a sysctl name"),
                arguments(Map.of("net", "1"), POD, POD, "net", "not a sysctl name"),
                arguments(Map.of("NET.ipv4.ip_forward", "1"), POD, POD, "NET.ipv4.ip_forward", "not a sysctl name"),
                arguments(Map.of("net.a b", "1"), POD, POD, "net.a b", "not a sysctl name"),
                arguments(Map.of("net." + "x".repeat(250), "1"), POD, POD, "net.xxx", "at most 253 characters"),
                arguments(Map.of("net.core.somaxconn", ""), POD, POD, "net.core.somaxconn", "non-empty"),
                arguments(Map.of("net.ipv4.ip_forward", "1\nkernel.panic=1"), POD, POD, "net.ipv4.ip_forward",
                        "free of control characters"),
                arguments(Map.of("net.core.somaxconn", "1".repeat(4097)), POD, POD, "net.core.somaxconn",
                        "at most 4096 characters"),
                arguments(Map.of("net.core.somaxconn", "1", "net/core/somaxconn", "2"), POD, POD,
                        "net/core/somaxconn", "the same sysctl as config.linux.sysctls[net.core.somaxconn]"));
    }

    @ParameterizedTest(name = "{0} host network {1} host IPC {2}")
    @MethodSource("refused")
    void refusesTheRequestNamingTheSysctlAsRequested(Map<String, String> requested, boolean hostNetwork,
            boolean hostIpc, String named, String says) {
        assertThatThrownBy(() -> SysctlPolicy.admit(requested, hostNetwork, hostIpc))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.linux.sysctls[" + named)
                .hasMessageContaining(says);
    }

    @Test
    void aHostileNameIsQuotedWithoutItsControlCharacters() {
        assertThatThrownBy(() -> SysctlPolicy.admit(Map.of("net.x\nkernel.panic", "1"), POD, POD))
                .hasMessageStartingWith("config.linux.sysctls[net.x\\x0akernel.panic]")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theAdmittedSetIsSortedAndCannotBeChanged() {
        Map<String, String> admitted = SysctlPolicy.admit(
                Map.of("net.ipv4.tcp_syncookies", "1", "kernel.shm_rmid_forced", "1", "fs.mqueue.msg_max", "20"),
                POD, POD);
        assertThat(admitted.keySet()).containsExactly("fs.mqueue.msg_max", "kernel.shm_rmid_forced",
                "net.ipv4.tcp_syncookies");
        assertThatThrownBy(() -> admitted.put("vm.swappiness", "1")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(SysctlPolicy.admit(Map.of(), HOST, HOST)).isEmpty();
    }
}
