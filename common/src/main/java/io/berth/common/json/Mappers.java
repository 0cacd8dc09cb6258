package io.berth.common.json;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One default ObjectMapper, shared and made at first use. The first ObjectMapper a JVM makes costs some 45 ms of
 * interpreted set-up; as a static field of each class that uses one, it was made while berthd started, by classes
 * that are only loaded then (an RPC's, the registry client's) and use it only when called.
 */
public final class Mappers {
    private Mappers() {}

    /** Jackson's defaults; thread-safe, as ObjectMapper is once configured. Do not reconfigure it. */
    public static ObjectMapper plain() {
        return Plain.MAPPER;
    }

    private static final class Plain {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
