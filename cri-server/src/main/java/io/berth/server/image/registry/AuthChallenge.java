package io.berth.server.image.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge, e.g.
 * {@code Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"}.
 * Parsing is lenient about spacing and strict about structure; a header it cannot read yields nothing.
 */
record AuthChallenge(String scheme, Map<String, String> parameters) {
    private static final int MAX_HEADER_LENGTH = 8192;

    String parameter(String name) {
        return parameters.getOrDefault(name, "");
    }

    /** All challenges in the given header values (several may share one header, separated by commas). */
    static List<AuthChallenge> parse(List<String> headerValues) {
        List<AuthChallenge> challenges = new ArrayList<>();
        for (String value : headerValues) {
            if (value.length() <= MAX_HEADER_LENGTH) {
                parseOne(value, challenges);
            }
        }
        return challenges;
    }

    private static void parseOne(String header, List<AuthChallenge> out) {
        int i = 0;
        int n = header.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && isTokenChar(header.charAt(i))) {
                i++;
            }
            if (start == i) {
                return;
            }
            String token = header.substring(start, i);
            while (i < n && header.charAt(i) == ' ') {
                i++;
            }
            if (i < n && header.charAt(i) == '=' && scheme != null) {
                i++;
                while (i < n && header.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && header.charAt(i) == '"') {
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(header.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < n && header.charAt(i) != ',' && header.charAt(i) != ' ') {
                        value.append(header.charAt(i++));
                    }
                }
                params.put(token.toLowerCase(Locale.ROOT), value.toString());
            } else {
                if (scheme != null) {
                    out.add(new AuthChallenge(scheme, Map.copyOf(params)));
                    params.clear();
                }
                scheme = token.toLowerCase(Locale.ROOT);
            }
        }
        if (scheme != null) {
            out.add(new AuthChallenge(scheme, Map.copyOf(params)));
        }
    }

    private static boolean isTokenChar(char c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={} ".indexOf(c) < 0;
    }
}
