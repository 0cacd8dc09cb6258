package io.berth.server.container.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a seccomp profile in the Docker/Kubernetes format (the format of {@code localhost} profiles and of
 * berth's default) into the OCI {@code linux.seccomp} section: picks the host's architectures from
 * {@code archMap} and keeps a rule only when its {@code includes}/{@code excludes} match the container's
 * capabilities and the host architecture. Every member is checked, because a profile is just a file.
 */
final class SeccompConverter {
    static final Set<String> ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
            "SCMP_ACT_NOTIFY");
    private static final Set<String> OPS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
    /** Go architecture name to the libseccomp name of its native syscall ABI. */
    private static final Map<String, String> NATIVE_ARCH = Map.of("amd64", "SCMP_ARCH_X86_64",
            "arm64", "SCMP_ARCH_AARCH64", "386", "SCMP_ARCH_X86", "arm", "SCMP_ARCH_ARM",
            "ppc64le", "SCMP_ARCH_PPC64LE", "s390x", "SCMP_ARCH_S390X", "riscv64", "SCMP_ARCH_RISCV64");
    private static final Pattern ARCH = Pattern.compile("SCMP_ARCH_[A-Z0-9_]{1,32}");
    private static final Pattern FLAG = Pattern.compile("SECCOMP_FILTER_FLAG_[A-Z_]{1,64}");
    private static final Pattern SYSCALL = Pattern.compile("[a-z_][a-z0-9_]{0,63}");
    private static final int MAX_RULES = 4096;

    private final String source;
    private final String arch;
    private final Set<String> caps;

    SeccompConverter(String source, String arch, Set<String> caps) {
        this.source = source;
        this.arch = arch;
        this.caps = caps;
    }

    OciSpec.Seccomp convert(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw bad("is not a JSON object");
        }
        String defaultAction = action(root.get("defaultAction"), "defaultAction");
        Integer errnoRet = optionalErrno(root.get("defaultErrnoRet"), "defaultErrnoRet");
        List<String> arches = architectures(root);
        List<String> flags = strings(root.get("flags"), "flags", FLAG);
        String listenerPath = optionalText(root.get("listenerPath"), "listenerPath");
        String listenerMetadata = optionalText(root.get("listenerMetadata"), "listenerMetadata");
        List<OciSpec.Syscall> syscalls = new ArrayList<>();
        JsonNode rules = root.get("syscalls");
        if (rules != null && !rules.isNull()) {
            if (!rules.isArray() || rules.size() > MAX_RULES) {
                throw bad("syscalls must be an array of at most " + MAX_RULES + " rules");
            }
            for (int i = 0; i < rules.size(); i++) {
                OciSpec.Syscall s = syscall(rules.get(i), "syscalls[" + i + "]");
                if (s != null) {
                    syscalls.add(s);
                }
            }
        }
        return new OciSpec.Seccomp(defaultAction, errnoRet, arches, flags, listenerPath, listenerMetadata,
                List.copyOf(syscalls));
    }

    private List<String> architectures(JsonNode root) {
        JsonNode flat = root.get("architectures");
        if (flat != null && !flat.isNull()) {
            return strings(flat, "architectures", ARCH);
        }
        JsonNode map = root.get("archMap");
        if (map == null || map.isNull()) {
            return List.of();
        }
        if (!map.isArray()) {
            throw bad("archMap must be an array");
        }
        String native_ = NATIVE_ARCH.get(arch);
        for (JsonNode entry : map) {
            if (!entry.isObject()) {
                throw bad("archMap entries must be objects");
            }
            String a = optionalText(entry.get("architecture"), "archMap.architecture");
            if (a != null && a.equals(native_)) {
                List<String> out = new ArrayList<>();
                out.add(a);
                out.addAll(strings(entry.get("subArchitectures"), "archMap.subArchitectures", ARCH));
                return List.copyOf(out);
            }
        }
        return List.of();
    }

    private OciSpec.Syscall syscall(JsonNode rule, String where) {
        if (!rule.isObject()) {
            throw bad(where + " is not an object");
        }
        if (!applies(rule.get("includes"), true, where) || !applies(rule.get("excludes"), false, where)) {
            return null;
        }
        List<String> names = new ArrayList<>(strings(rule.get("names"), where + ".names", SYSCALL));
        String single = optionalText(rule.get("name"), where + ".name");
        if (single != null) {
            if (!SYSCALL.matcher(single).matches()) {
                throw bad(where + ".name '" + Require.printable(single) + "' is not a syscall name");
            }
            names.add(single);
        }
        if (names.isEmpty()) {
            throw bad(where + " names no syscall");
        }
        String action = action(rule.get("action"), where + ".action");
        Integer errnoRet = optionalErrno(rule.get("errnoRet"), where + ".errnoRet");
        List<OciSpec.SyscallArg> args = new ArrayList<>();
        JsonNode argsNode = rule.get("args");
        if (argsNode != null && !argsNode.isNull()) {
            if (!argsNode.isArray() || argsNode.size() > 6) {
                throw bad(where + ".args must be an array of at most 6 conditions");
            }
            for (JsonNode a : argsNode) {
                args.add(arg(a, where + ".args"));
            }
        }
        return new OciSpec.Syscall(List.copyOf(names), action, errnoRet, List.copyOf(args));
    }

    /** Docker's filter: includes need every listed cap and the host arch; excludes drop on any match. */
    private boolean applies(JsonNode filter, boolean include, String where) {
        if (filter == null || filter.isNull()) {
            return true;
        }
        if (!filter.isObject()) {
            throw bad(where + (include ? ".includes" : ".excludes") + " is not an object");
        }
        List<String> filterCaps = strings(filter.get("caps"), where + ".caps", Pattern.compile("CAP_[A-Z_]+"));
        List<String> filterArches = strings(filter.get("arches"), where + ".arches", Pattern.compile("[a-z0-9]+"));
        if (include) {
            return caps.containsAll(filterCaps) && (filterArches.isEmpty() || filterArches.contains(arch));
        }
        return filterCaps.stream().noneMatch(caps::contains) && !filterArches.contains(arch);
    }

    private OciSpec.SyscallArg arg(JsonNode a, String where) {
        if (!a.isObject()) {
            throw bad(where + " entries must be objects");
        }
        JsonNode index = a.get("index");
        if (index == null || !index.canConvertToInt() || index.asInt() < 0 || index.asInt() > 5) {
            throw bad(where + ".index must be 0..5");
        }
        String op = optionalText(a.get("op"), where + ".op");
        if (op == null || !OPS.contains(op)) {
            throw bad(where + ".op '" + (op == null ? "" : Require.printable(op)) + "' is not a seccomp operator");
        }
        JsonNode two = a.get("valueTwo");
        return new OciSpec.SyscallArg(index.asInt(), unsigned(a.get("value"), where + ".value"),
                two == null || two.isNull() ? null : unsigned(two, where + ".valueTwo"), op);
    }

    private long unsigned(JsonNode n, String where) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw bad(where + " must be a number in 0.." + Long.MAX_VALUE);
        }
        return n.asLong();
    }

    private String action(JsonNode n, String where) {
        String a = optionalText(n, where);
        if (a == null || !ACTIONS.contains(a)) {
            throw bad(where + " '" + (a == null ? "" : Require.printable(a)) + "' is not a seccomp action");
        }
        return a;
    }

    private Integer optionalErrno(JsonNode n, String where) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() > 4095) {
            throw bad(where + " must be an errno number");
        }
        return n.asInt();
    }

    private String optionalText(JsonNode n, String where) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().length() > 4096 || n.asText().indexOf('\0') >= 0) {
            throw bad(where + " must be a string");
        }
        return n.asText();
    }

    private List<String> strings(JsonNode n, String where, Pattern allowed) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray() || n.size() > MAX_RULES) {
            throw bad(where + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual() || !allowed.matcher(e.asText()).matches()) {
                throw bad(where + ": '" + Require.printable(e.toString()) + "' is not allowed here");
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    private InvalidArgumentException bad(String what) {
        return new InvalidArgumentException(source + ": invalid seccomp profile: " + what);
    }
}
