package io.berth.server.image.content;

/** A committed blob: its digest and its verified size in bytes. */
public record BlobInfo(Digest digest, long size) {}
