package io.berth.snapshotter.apply;

/**
 * Which extended attributes a layer may set. File capabilities and the user and trusted namespaces are
 * content; the rest is host policy or filesystem bookkeeping that an image must not choose:
 * {@code security.selinux} and other LSM labels belong to the host's policy, {@code system.*} ACLs are
 * not part of OCI layers, and {@code trusted.overlay.*} would let a layer forge overlayfs whiteouts,
 * opaque markers or redirects into other layers.
 */
final class XattrPolicy {
    private static final int MAX_NAME = 255;

    private XattrPolicy() {}

    static boolean allowed(String name, boolean onSymlink) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.indexOf('\0') >= 0) {
            return false;
        }
        if (name.equals("security.capability")) {
            return !onSymlink;
        }
        if (name.startsWith("user.")) {
            return !onSymlink; // the kernel refuses user.* on links
        }
        return name.startsWith("trusted.") && !name.startsWith("trusted.overlay.");
    }
}
