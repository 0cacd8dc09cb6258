package io.berth.server.image.registry;

import java.util.List;
import java.util.Locale;

/**
 * An OCI platform ({@code os}/{@code architecture}/{@code variant}). Variants are normalized the way
 * containerd does (arm64 means arm64/v8, arm means arm/v7, amd64 means amd64/v1) so that an index entry
 * that leaves out the default variant still matches. {@code os.version} is not part of matching on Linux.
 */
public record Platform(String os, String architecture, String variant) {

    public Platform {
        os = os == null ? "" : os.toLowerCase(Locale.ROOT);
        architecture = normalizeArchitecture(architecture == null ? "" : architecture.toLowerCase(Locale.ROOT));
        variant = normalizeVariant(architecture, variant == null ? "" : variant.toLowerCase(Locale.ROOT));
    }

    /** The platform of the machine berth runs on. */
    public static Platform host() {
        return new Platform("linux", System.getProperty("os.arch"), "");
    }

    /** Parses {@code os/arch[/variant]}, e.g. {@code linux/arm/v7}. */
    public static Platform parse(String text) {
        String[] parts = text.split("/", 3);
        return new Platform(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
    }

    /**
     * How well an image built for {@code candidate} runs here: 0 is an exact match, higher is an older but
     * compatible variant (arm/v6 on an arm/v7 host), -1 is not runnable at all.
     */
    public int matchRank(Platform candidate) {
        if (!os.equals(candidate.os) || !architecture.equals(candidate.architecture)) {
            return -1;
        }
        List<String> acceptable = compatibleVariants();
        return acceptable.indexOf(candidate.variant);
    }

    private List<String> compatibleVariants() {
        if (architecture.equals("arm")) {
            return switch (variant) {
                case "v8" -> List.of("v8", "v7", "v6", "v5");
                case "v7" -> List.of("v7", "v6", "v5");
                case "v6" -> List.of("v6", "v5");
                default -> List.of(variant);
            };
        }
        return List.of(variant);
    }

    private static String normalizeArchitecture(String architecture) {
        return switch (architecture) {
            case "x86_64", "x86-64" -> "amd64";
            case "aarch64" -> "arm64";
            case "armhf", "armel" -> "arm";
            default -> architecture;
        };
    }

    private static String normalizeVariant(String architecture, String variant) {
        String arch = normalizeArchitecture(architecture);
        if (variant.isEmpty()) {
            return switch (arch) {
                case "arm64" -> "v8";
                case "arm" -> "v7";
                case "amd64" -> "v1";
                default -> "";
            };
        }
        if (arch.equals("arm64") && variant.equals("8")) {
            return "v8";
        }
        if (arch.equals("arm") && variant.matches("[5-8]")) {
            return "v" + variant;
        }
        return variant;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
