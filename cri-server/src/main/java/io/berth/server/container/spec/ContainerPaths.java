package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.util.ArrayList;
import java.util.List;

/** Lexical checks of paths that come from requests and images. */
final class ContainerPaths {
    private ContainerPaths() {}

    /** An absolute path with {@code .}, {@code ..} and repeated slashes removed; {@code ..} stops at the root. */
    static String cleanAbsolute(String path, String field) {
        if (path.isEmpty() || !path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field + ": '" + Require.printable(path) + "' is not an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** A relative path that stays below its base: no leading slash, no {@code ..} component, no NUL. */
    static String checkedRelative(String path, String field) {
        if (path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field + ": '" + Require.printable(path) + "' must be a relative path");
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw new InvalidArgumentException(field + ": '" + Require.printable(path) + "' must not contain '..'");
            }
        }
        return path;
    }

    static int depth(String cleanAbsolute) {
        return cleanAbsolute.equals("/") ? 0 : cleanAbsolute.split("/").length - 1;
    }

}
