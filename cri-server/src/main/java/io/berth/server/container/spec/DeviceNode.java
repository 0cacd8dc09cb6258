package io.berth.server.container.spec;

/**
 * A host device node as {@code stat(2)} describes it.
 *
 * @param path     absolute host path
 * @param type     {@code c} (character) or {@code b} (block)
 * @param fileMode permission bits only (no file type bits)
 */
public record DeviceNode(String path, String type, long major, long minor, int fileMode, long uid, long gid) {}
