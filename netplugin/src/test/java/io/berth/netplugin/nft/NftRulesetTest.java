package io.berth.netplugin.nft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.berth.netplugin.HostPortMapping;
import io.berth.netplugin.ip.Cidr;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NftRulesetTest {
    private static final PodRules POD = new PodRules("abc123",
            List.of(Cidr.parseAddress("10.213.0.5", "ip"), Cidr.parseAddress("fd00:213::5", "ip")),
            List.of(HostPortMapping.of("tcp", 80, 8080, "", "m"),
                    HostPortMapping.of("udp", 53, 5353, "127.0.0.1", "m"),
                    HostPortMapping.of("sctp", 9, 9999, "", "m"),
                    HostPortMapping.of("tcp", 80, 8081, "fd00::1", "m")));

    @Test
    void dnatPerMappingByFamilyAndHostIp() {
        String s = NftRuleset.script("tbr0", false, List.of(POD));
        assertThat(s).contains("meta nfproto ipv4 tcp dport 8080 dnat ip to 10.213.0.5:80 comment \"pod abc123\"")
                .contains("ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.213.0.5:53")
                .contains("meta nfproto ipv4 sctp dport 9999 dnat ip to 10.213.0.5:9")
                .contains("ip6 daddr fd00:0:0:0:0:0:0:1 tcp dport 8081 dnat ip6 to [fd00:213:0:0:0:0:0:5]:80")
                .contains("fib daddr type local jump hostports");
    }

    @Test
    void replacesTheWholeTableInOneTransaction() {
        String s = NftRuleset.script("tbr-0", false, List.of());
        assertThat(s).startsWith("table inet berth_tbr_0\ndelete table inet berth_tbr_0\ntable inet berth_tbr_0 {");
    }

    @Test
    void forwardDropsBetweenBridgeAndOtherInterfacesUnlessEgressIsAllowed() {
        assertThat(NftRuleset.script("tbr0", false, List.of(POD)))
                .contains("iifname \"tbr0\" oifname != \"tbr0\" drop")
                .contains("oifname \"tbr0\" iifname != \"tbr0\" drop");
        assertThat(NftRuleset.script("tbr0", true, List.of(POD))).doesNotContain("drop");
    }

    @Test
    void masqueradesLocalhostHairpinAndEgress() {
        String s = NftRuleset.script("tbr0", false, List.of(POD));
        assertThat(s).contains("oifname \"tbr0\" ip saddr 127.0.0.0/8 ct status dnat masquerade")
                .contains("oifname \"tbr0\" ip saddr 10.213.0.5 ct status dnat masquerade")
                .contains("ip saddr 10.213.0.5 oifname != \"tbr0\" masquerade")
                .contains("ip6 saddr fd00:213:0:0:0:0:0:5 oifname != \"tbr0\" masquerade");
    }

    @Test
    void namesThatCouldInjectIntoTheScriptAreRefused() {
        assertThatThrownBy(() -> NftRuleset.script("br\"; flush ruleset", false, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NftRuleset.script("tbr0", false,
                List.of(new PodRules("x\" drop", List.of(), List.of())))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nftAcceptsTheScript() throws Exception {
        assumeThat(io.berth.linux.Posix.euid()).as("nft -c needs root").isZero();
        String script = NftRuleset.script("tbr0", false, List.of(POD));
        Process p = new ProcessBuilder(Nft.resolve("nft").orElseThrow().toString(), "-c", "-f", "-")
                .redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out + "\n" + script).isZero();
    }
}
