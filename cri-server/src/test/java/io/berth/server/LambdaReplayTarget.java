package io.berth.server;

import java.util.function.Function;

/** A class with a lambda, for {@link ClassListTrainingTest} to replay the record of. */
final class LambdaReplayTarget {
    private LambdaReplayTarget() {}

    static Function<String, String> twice() {
        return s -> s + s;
    }
}
