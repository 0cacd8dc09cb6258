package io.berth.snapshotter.fs;

/**
 * Space a directory tree takes, such as a snapshot's own directory: the apparent size of its files (each
 * hardlinked inode counted once) and the number of inodes, directories included.
 */
public record Usage(long bytes, long inodes) {}
