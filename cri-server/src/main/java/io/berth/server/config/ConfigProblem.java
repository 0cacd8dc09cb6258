package io.berth.server.config;

/**
 * One thing wrong with a config file.
 *
 * @param line the line to fix, from 1; 0 when no line can be named
 * @param message what is wrong, naming the key
 */
public record ConfigProblem(int line, String message) {
    /** As compilers print it: {@code FILE:LINE: message}. */
    public String format(String file) {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }
}
