package io.berth.e2e.harness;

import java.util.List;

/** What a command that ran to completion left behind: its exit code and its two output streams. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    /** Non-blank stderr lines, for contracts like "exactly one line starting with `berthd: `". */
    public List<String> stderrLines() {
        return stderr.lines().filter(line -> !line.isBlank()).toList();
    }

    /** For assertion messages: everything a person needs to see why the expectation failed. */
    @Override
    public String toString() {
        return String.join(" ", command) + "\n  exit code: " + exitCode
                + "\n  ---- stdout ----\n" + stdout + "\n  ---- stderr ----\n" + stderr;
    }
}
