package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.Device;
import org.junit.jupiter.api.Test;

class DevicePlannerTest {
    private final FakeHostFilesystem fs = new FakeHostFilesystem()
            .withDevice(new DeviceNode("/dev/fuse", "c", 10, 229, 0666, 0, 0));
    private final DevicePlanner planner = new DevicePlanner(fs);

    private static Device device(String dst, String src, String perms) {
        return Device.newBuilder().setContainerPath(dst).setHostPath(src).setPermissions(perms).build();
    }

    @Test
    void unprivilegedDeniesAllThenAllowsThePseudoDevices() {
        DevicePlanner.Plan p = planner.plan(Fixtures.config().build(), false);
        assertThat(p.devices()).isEmpty();
        assertThat(p.rules().get(0)).isEqualTo(new OciSpec.DeviceRule(false, null, null, null, "rwm"));
        assertThat(p.rules()).contains(new OciSpec.DeviceRule(true, "c", 1L, 3L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 1L, 9L, "rwm"), new OciSpec.DeviceRule(true, "c", 5L, 2L, "rwm"),
                new OciSpec.DeviceRule(true, "c", 136L, null, "rwm"));
        assertThat(p.rules()).noneMatch(r -> r.allow() && r.type() == null);
    }

    @Test
    void requestedDeviceIsCreatedAndAllowed() {
        DevicePlanner.Plan p = planner.plan(Fixtures.config().addDevices(device("/dev/fuse", "/dev/fuse", "rw"))
                .build(), false);
        assertThat(p.devices()).containsExactly(new OciSpec.Device("/dev/fuse", "c", 10, 229, 0666, 0L, 0L));
        assertThat(p.rules()).endsWith(new OciSpec.DeviceRule(true, "c", 10L, 229L, "rw"));
    }

    @Test
    void privilegedGetsEveryHostDeviceAndNoRestriction() {
        fs.hostDevices.add(new DeviceNode("/dev/sda", "b", 8, 0, 0660, 0, 6));
        DevicePlanner.Plan p = planner.plan(Fixtures.config().build(), true);
        assertThat(p.devices()).extracting(OciSpec.Device::path).containsExactly("/dev/sda");
        assertThat(p.rules()).containsExactly(new OciSpec.DeviceRule(true, null, null, null, "rwm"));
    }

    @Test
    void badDevicesAreNamed() {
        assertThatThrownBy(() -> planner.plan(Fixtures.config().addDevices(device("/dev/x", "/dev/nope", "r"))
                .build(), false)).isInstanceOf(NotFoundException.class)
                .hasMessage("config.devices[0].host_path: '/dev/nope' is not a device node on the host");
        assertThatThrownBy(() -> planner.plan(Fixtures.config().addDevices(device("/dev/x", "/dev/fuse", "rx"))
                .build(), false)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.devices[0].permissions");
        assertThatThrownBy(() -> planner.plan(Fixtures.config().addDevices(device("dev/x", "/dev/fuse", "r"))
                .build(), false)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.devices[0].container_path");
    }
}
