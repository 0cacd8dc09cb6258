package io.berth.snapshotter;

/**
 * Space a snapshot's own directory takes: the apparent size of its files (each hardlinked inode counted
 * once) and the number of inodes, directories included.
 */
public record Usage(long bytes, long inodes) {}
