package io.berth.server.image.registry;

/** Told how far a blob download has come; called on the downloading thread, so keep it cheap. */
@FunctionalInterface
public interface DownloadProgress {
    DownloadProgress NONE = (blob, received) -> {};

    /** {@code received} bytes of {@code blob} are in (it starts again at 0 when a download switches mirror). */
    void onBytes(Descriptor blob, long received);
}
