package io.berth.netplugin.bridge;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.linux.Netlink;
import io.berth.netplugin.HostPortMapping;
import io.berth.netplugin.HostPorts;
import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.PluginStatus;
import io.berth.netplugin.PodAttachment;
import io.berth.netplugin.PodRequest;
import io.berth.netplugin.ip.Cidr;
import io.berth.netplugin.ipam.HostLocalIpam;
import io.berth.netplugin.nft.Nft;
import io.berth.netplugin.nft.NftRuleset;
import io.berth.netplugin.nft.PodRules;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The built-in plugin: a Linux bridge with the gateway address, a veth pair per pod (eth0 inside), host-local
 * IPAM and berth's nftables table for hostPorts and NAT. Set-up order: record, addresses, veth, rules;
 * tear-down undoes that in reverse from the record, or from the pod id alone (the veth name and the
 * address files are derived from it), so a crash at any point leaves nothing tear-down cannot find.
 */
public final class BridgePlugin implements NetworkPlugin {
    private static final Logger LOG = Logger.getLogger(BridgePlugin.class.getName());

    private final BridgeConfig config;
    private final BridgeDevice device;
    private final BridgePodRecords records;
    private final Nft nft;
    /** Serialises port checks, record changes and table rebuilds, so the table always matches the records. */
    private final ReentrantLock rulesLock = new ReentrantLock();

    public BridgePlugin(BridgeConfig config) {
        this.config = config;
        this.device = new BridgeDevice(config.bridge(), config.mtu());
        this.records = new BridgePodRecords(config.stateDir().resolve("pods"));
        this.nft = new Nft(config.nftBinary());
    }

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public PluginStatus status() {
        try (Netlink host = Netlink.host()) {
            Optional<String> clash = device.clash(host, config.ranges());
            if (clash.isPresent()) {
                return PluginStatus.notReady("BridgeSubnetClash", clash.get());
            }
        } catch (RuntimeException | IOException e) {
            return PluginStatus.notReady("NetworkPluginNotReady", "bridge plugin: " + e.getMessage());
        }
        if (!executable(config.nftBinary())) {
            return PluginStatus.notReady("NftablesMissing", "the bridge plugin needs '" + config.nftBinary()
                    + "' for hostPorts and NAT; install nftables");
        }
        return PluginStatus.ok();
    }

    @Override
    public void start(Set<String> livePodIds) throws IOException {
        // A berthd killed while writing a record or an IPAM file left its temp file; nothing else removes it.
        records.removeTempLeftovers();
        for (HostLocalIpam ipam : allIpams()) {
            ipam.removeTempLeftovers();
        }
        for (BridgePodRecord r : records.all()) {
            if (!livePodIds.contains(r.podId())) {
                LOG.info("releasing the network of pod " + r.podId() + ": its sandbox is gone"
                        + (r.complete() ? "" : " (set-up was interrupted)"));
                tearDown(r.podId());
            }
        }
        for (HostLocalIpam ipam : allIpams()) {
            for (String owner : Set.copyOf(ipam.allocations().values())) {
                if (!livePodIds.contains(owner) && records.read(owner).isEmpty()) {
                    LOG.info("releasing addresses of pod " + owner + " in " + ipam.range() + ": no sandbox owns them");
                    tearDown(owner);
                }
            }
        }
        rulesLock.lock();
        try {
            rebuildRules();
        } finally {
            rulesLock.unlock();
        }
    }

    @Override
    public PodAttachment setUp(PodRequest pod) throws IOException {
        PluginStatus status = status();
        if (!status.ready()) {
            throw new FailedPreconditionException("pod network is not ready (" + status.reason() + "): "
                    + status.message());
        }
        BridgePodRecord record = new BridgePodRecord(pod.id(), hostVeth(pod.id()), pod.netns().toString(), List.of(),
                pod.portMappings().stream().map(BridgePodRecords::encode).toList(), false);
        rulesLock.lock();
        try {
            Map<String, List<HostPortMapping>> taken = new HashMap<>();
            for (BridgePodRecord r : records.all()) {
                taken.put(r.podId(), r.portMappings().stream().map(BridgePodRecords::decode).toList());
            }
            HostPorts.checkFree(pod.id(), pod.portMappings(), taken);
            records.write(record);
        } finally {
            rulesLock.unlock();
        }
        try {
            List<Cidr> ranges = config.ranges();
            checkPortFamilies(pod.portMappings(), ranges);
            List<String> ips = new ArrayList<>();
            List<InetAddress> addresses = new ArrayList<>();
            for (Cidr range : ranges) {
                InetAddress ip = ipam(range).allocate(pod.id());
                addresses.add(ip);
                ips.add(ip.getHostAddress() + "/" + range.prefixLength());
            }
            record = record.withIps(ips);
            records.write(record);
            try (Netlink host = Netlink.host()) {
                int bridge = device.ensure(host, ranges);
                PodInterfaces.create(host, bridge, record.hostVeth(), pod.netns(), config.mtu(), addresses, ranges);
            }
            rulesLock.lock();
            try {
                records.write(record.completed());
                rebuildRules();
            } finally {
                rulesLock.unlock();
            }
            return new PodAttachment(addresses.stream().map(InetAddress::getHostAddress).toList());
        } catch (IOException | RuntimeException e) {
            undoSetUp(pod.id(), e);
            throw e;
        }
    }

    @Override
    public void tearDown(String podId) throws IOException {
        Optional<BridgePodRecord> record = records.read(podId);
        rulesLock.lock();
        try {
            if (record.isPresent() && !record.get().portMappings().isEmpty()) {
                // Rules first, so no packet is DNATed to an address that is about to be handed out again. A pod
                // without host ports has no DNAT rule: its rules change only with the record's removal below,
                // and an nft run here (some 10 ms) would rewrite the same ruleset.
                records.write(new BridgePodRecord(podId, hostVeth(podId), record.get().netns(), record.get().ips(),
                        List.of(), false));
                rebuildRules();
            }
        } finally {
            rulesLock.unlock();
        }
        try (Netlink host = Netlink.host()) {
            host.deleteLink(hostVeth(podId));
        }
        for (HostLocalIpam ipam : allIpams()) {
            ipam.release(podId);
        }
        rulesLock.lock();
        try {
            records.delete(podId);
            rebuildRules();
        } finally {
            rulesLock.unlock();
        }
    }

    @Override
    public void check(String podId) throws IOException {
        BridgePodRecord record = records.read(podId)
                .orElseThrow(() -> new NotFoundException("pod " + podId + " has no network set up by the bridge plugin"));
        try (Netlink host = Netlink.host()) {
            int bridge = host.link(config.bridge()).map(Netlink.Link::index)
                    .orElseThrow(() -> new IOException("bridge " + config.bridge() + " is gone"));
            Netlink.Link veth = host.link(record.hostVeth())
                    .orElseThrow(() -> new IOException("veth " + record.hostVeth() + " of pod " + podId + " is gone"));
            if (veth.master() != bridge || !veth.up()) {
                throw new IOException("veth " + record.hostVeth() + " of pod " + podId + " is not up on " + config.bridge());
            }
        }
        PodInterfaces.check(Path.of(record.netns()), record.ips());
    }

    /** Deletes the bridge and berth's table (tests, decommissioning). Pods must be torn down first. */
    public void removeHostState() throws IOException {
        nft.apply(NftRuleset.removal(config.bridge()));
        try (Netlink host = Netlink.host()) {
            device.remove(host);
        }
    }

    /** The address allocator of a range (exposed for tests and status). */
    public HostLocalIpam ipam(Cidr range) {
        String dirName = range.toString().replace('/', '_').replace(':', '-');
        return new HostLocalIpam(config.stateDir().resolve("ipam").resolve(dirName), range);
    }

    /** The host-side veth of a pod: derived from the id, so tear-down finds it without any record. */
    public static String hostVeth(String podId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(podId.getBytes(StandardCharsets.UTF_8));
            return "bv" + HexFormat.of().formatHex(h).substring(0, 13);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void rebuildRules() throws IOException {
        List<PodRules> pods = new ArrayList<>();
        for (BridgePodRecord r : records.all()) {
            List<InetAddress> ips = r.ips().stream()
                    .map(s -> Cidr.parseAddress(s.substring(0, s.indexOf('/')), "recorded ip")).toList();
            pods.add(new PodRules(r.podId(), ips, r.portMappings().stream().map(BridgePodRecords::decode).toList()));
        }
        if (pods.isEmpty()) {
            // No pod: no table. Nothing of berth's stays in the ruleset of a node without pods.
            nft.apply(NftRuleset.removal(config.bridge()));
        } else {
            nft.apply(NftRuleset.script(config.bridge(), config.allowEgress(), pods));
        }
    }

    private List<HostLocalIpam> allIpams() throws IOException {
        Path dir = config.stateDir().resolve("ipam");
        List<HostLocalIpam> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                String n = d.getFileName().toString();
                int us = n.lastIndexOf('_');
                String address = n.substring(0, us);
                if (address.contains("-")) {
                    address = address.replace('-', ':');
                }
                out.add(new HostLocalIpam(d, Cidr.parse(address + "/" + n.substring(us + 1), "ipam dir " + d)));
            }
        }
        return out;
    }

    private static void checkPortFamilies(List<HostPortMapping> mappings, List<Cidr> ranges) {
        boolean hasV6 = ranges.stream().anyMatch(Cidr::isIpv6);
        for (HostPortMapping m : mappings) {
            if (m.hostIpIsV6() && !hasV6) {
                throw new InvalidArgumentException("port mapping " + m + " has an IPv6 host_ip but pods get no IPv6"
                        + " address; configure network.ipv6_subnet for dual stack");
            }
        }
    }

    private static boolean executable(String binary) {
        return Nft.resolve(binary).isPresent();
    }
}
