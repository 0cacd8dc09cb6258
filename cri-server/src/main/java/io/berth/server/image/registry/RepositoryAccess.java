package io.berth.server.image.registry;

/**
 * Who asks for what in one registry request: the image (for messages), the repository (for the token
 * scope) and the caller's credentials.
 */
record RepositoryAccess(String image, String repository, RegistryCredentials credentials) {
    /** The docker token spec scope for pulling. */
    String scope() {
        return "repository:" + repository + ":pull";
    }
}
