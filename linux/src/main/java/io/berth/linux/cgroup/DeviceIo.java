package io.berth.linux.cgroup;

/**
 * One per-device I/O counter of a cgroup: bytes or operations of one kind ({@code Read}, {@code Write},
 * {@code Sync}, {@code Async}, {@code Discard}, {@code Total}, as v1's blkio files name them) on the block device
 * {@code major:minor}.
 */
public record DeviceIo(long major, long minor, String operation, long value) {}
