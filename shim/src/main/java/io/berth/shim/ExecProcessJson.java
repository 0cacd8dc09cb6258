package io.berth.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.shim.api.ExecRequest;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The OCI {@code process} of an exec ({@code runc exec --process}): the container's own process from
 * its config.json with the exec's args, terminal and whatever else the request sets. Starting from the
 * container's process is what keeps an exec inside the container's security settings: capabilities,
 * rlimits, AppArmor and SELinux labels, no_new_privileges and the user all carry over unless replaced.
 */
final class ExecProcessJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExecProcessJson() {}

    static byte[] build(Path configJson, ExecRequest request) throws IOException {
        if (request.getArgsCount() == 0 || request.getArgs(0).isEmpty()) {
            throw new IllegalArgumentException("exec needs a command (args[0])");
        }
        JsonNode config = JSON.readTree(configJson.toFile());
        if (!(config.get("process") instanceof ObjectNode containerProcess)) {
            throw new IOException(configJson + " has no process object");
        }
        ObjectNode process = containerProcess.deepCopy();
        ArrayNode args = process.putArray("args");
        request.getArgsList().forEach(args::add);
        process.remove("commandLine"); // a Windows field; never let it override args
        process.put("terminal", request.getTty());
        process.remove("consoleSize");
        if (request.getTty() && request.getWidth() > 0 && request.getHeight() > 0) {
            process.putObject("consoleSize").put("width", request.getWidth()).put("height", request.getHeight());
        }
        if (request.getEnvCount() > 0) {
            ArrayNode env = process.putArray("env");
            request.getEnvList().forEach(env::add);
        }
        if (!request.getCwd().isEmpty()) {
            process.put("cwd", request.getCwd());
        }
        if (request.hasUser()) {
            ObjectNode user = process.putObject("user");
            user.put("uid", Integer.toUnsignedLong(request.getUser().getUid()));
            user.put("gid", Integer.toUnsignedLong(request.getUser().getGid()));
            ArrayNode gids = user.putArray("additionalGids");
            request.getUser().getAdditionalGidsList().forEach(g -> gids.add(Integer.toUnsignedLong(g)));
        }
        return JSON.writeValueAsBytes(process);
    }
}
