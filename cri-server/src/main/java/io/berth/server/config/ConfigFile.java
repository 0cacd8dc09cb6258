package io.berth.server.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;

/**
 * The shape of config.toml as written by an operator: every field optional (null = use the default).
 * Jackson binds it strictly, so a misspelt key is an error with its line rather than a silent default.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
final class ConfigFile {
    public String root;
    public String state;
    public String socket;
    public String logLevel;
    public Integer shutdownGraceSeconds;
    public String cgroupDriver;
    public String defaultRuntime;
    public Map<String, RuntimeSection> runtimes;
    public StreamingSection streaming;

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class RuntimeSection {
        public String binary;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class StreamingSection {
        public String address;
        public Integer port;
        public String tlsCertFile;
        public String tlsKeyFile;
        public Integer idleTimeoutSeconds;
        public Integer streamCreationTimeoutSeconds;
    }
}
