package io.berth.server.config;

/**
 * One runtime handler (a Kubernetes RuntimeClass handler name) and the OCI runtime binary behind it.
 *
 * @param name the handler name kubelet passes in RunPodSandboxRequest.runtime_handler
 * @param binary the OCI runtime executable: an absolute path, or a name looked up on PATH
 */
public record RuntimeHandlerConfig(String name, String binary) {}
