package io.berth.server.config;

/** How pod and container cgroups are named and created; must match kubelet's --cgroup-driver. */
public enum CgroupDriver {
    CGROUPFS("cgroupfs"),
    SYSTEMD("systemd");

    private final String configName;

    CgroupDriver(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    static CgroupDriver parse(String value) {
        for (CgroupDriver d : values()) {
            if (d.configName.equals(value)) {
                return d;
            }
        }
        throw new ConfigException("cgroup_driver '" + value + "' is not one of cgroupfs, systemd");
    }
}
