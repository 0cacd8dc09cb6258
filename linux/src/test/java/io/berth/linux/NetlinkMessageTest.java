package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NetlinkMessageTest {
    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    }

    @Test
    void headerCarriesLengthTypeFlagsAndSequence() {
        byte[] b = new NetlinkMessage(Netlink.RTM_NEWLINK, 0x405).ifinfo(0, 7, 1, 1).bytes(42);
        ByteBuffer m = le(b);
        assertThat(b).hasSize(32);
        assertThat(m.getInt(0)).isEqualTo(32);
        assertThat(m.getShort(4)).isEqualTo((short) 16);
        assertThat(m.getShort(6)).isEqualTo((short) 0x405);
        assertThat(m.getInt(8)).isEqualTo(42);
        assertThat(m.getInt(20)).as("ifi_index").isEqualTo(7);
        assertThat(m.getInt(24)).as("ifi_flags").isEqualTo(1);
    }

    @Test
    void stringAttributesAreNulTerminatedAndPaddedToFourBytes() {
        byte[] b = new NetlinkMessage(Netlink.RTM_GETLINK, 1).ifinfo(0, 0, 0, 0)
                .attrString(Netlink.IFLA_IFNAME, "eth0").attrInt(Netlink.IFLA_MTU, 1400).bytes(1);
        ByteBuffer m = le(b);
        assertThat(m.getShort(32)).as("nla_len counts the NUL, not the padding").isEqualTo((short) 9);
        assertThat(m.getShort(34)).isEqualTo((short) Netlink.IFLA_IFNAME);
        assertThat(new String(b, 36, 4)).isEqualTo("eth0");
        assertThat(b[40]).isZero();
        assertThat(m.getShort(44)).as("next attribute starts aligned").isEqualTo((short) 8);
        assertThat(m.getInt(48)).isEqualTo(1400);
        assertThat(b).hasSize(52);
    }

    @Test
    void nestedAttributesGetTheirLengthPatchedAndTheNestedFlagWhenAsked() {
        byte[] b = new NetlinkMessage(Netlink.RTM_SETLINK, 5).ifinfo(Netlink.AF_BRIDGE, 3, 0, 0)
                .beginNested(Netlink.IFLA_PROTINFO).attrByte(Netlink.IFLA_BRPORT_MODE, 1).end().bytes(1);
        ByteBuffer m = le(b);
        assertThat(b[16]).as("ifi_family").isEqualTo((byte) Netlink.AF_BRIDGE);
        assertThat(m.getShort(32)).as("outer length = 4 + inner 8").isEqualTo((short) 12);
        assertThat(m.getShort(34)).isEqualTo((short) (Netlink.IFLA_PROTINFO | NetlinkMessage.NLA_F_NESTED));
        assertThat(m.getShort(36)).isEqualTo((short) 5);
        assertThat(b[40]).isEqualTo((byte) 1);
    }

    @Test
    void vethPeerCarriesItsOwnIfinfoInsideInfoData() {
        byte[] b = new NetlinkMessage(Netlink.RTM_NEWLINK, 1).ifinfo(0, 0, 0, 0)
                .beginRaw(Netlink.IFLA_LINKINFO).attrString(Netlink.IFLA_INFO_KIND, "veth")
                .beginRaw(Netlink.IFLA_INFO_DATA).beginRaw(Netlink.VETH_INFO_PEER).ifinfo(0, 0, 0, 0)
                .attrString(Netlink.IFLA_IFNAME, "eth0").end().end().end().bytes(1);
        ByteBuffer m = le(b);
        int linkinfo = 32;
        assertThat(m.getShort(linkinfo + 2)).isEqualTo((short) Netlink.IFLA_LINKINFO);
        assertThat(m.getShort(linkinfo)).isEqualTo((short) (b.length - linkinfo));
        int data = linkinfo + 4 + 12; // "veth\0" attribute is 9 bytes, padded to 12
        assertThat(m.getShort(data + 2)).isEqualTo((short) Netlink.IFLA_INFO_DATA);
        int peer = data + 4;
        assertThat(m.getShort(peer)).as("peer = 4 + ifinfomsg 16 + name 12").isEqualTo((short) 32);
    }

    @Test
    void addressesCarryLocalAndAddressAndNoDadForIpv6() throws Exception {
        byte[] v4 = Netlink.addressMessage(4, InetAddress.getByName("10.213.0.5"), 24).bytes(1);
        assertThat(v4[16]).isEqualTo((byte) Netlink.AF_INET);
        assertThat(v4[17]).isEqualTo((byte) 24);
        assertThat(le(v4).getInt(20)).isEqualTo(4);
        assertThat(new byte[] {v4[28], v4[29], v4[30], v4[31]}).containsExactly(10, (byte) 213, 0, 5);
        byte[] v6 = Netlink.addressMessage(4, InetAddress.getByName("fd00:213::5"), 64).bytes(1);
        assertThat(v6[16]).isEqualTo((byte) Netlink.AF_INET6);
        assertThat(v6[18]).isEqualTo((byte) Netlink.IFA_F_NODAD);
    }

    @Test
    void anUnclosedNestIsAProgrammingError() {
        NetlinkMessage m = new NetlinkMessage(16, 1).ifinfo(0, 0, 0, 0).beginRaw(Netlink.IFLA_LINKINFO);
        assertThatThrownBy(() -> m.bytes(1)).isInstanceOf(IllegalStateException.class);
    }
}
