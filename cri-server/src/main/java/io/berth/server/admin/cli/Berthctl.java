package io.berth.server.admin.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.berth.admin.v1.AdminGrpc;
import io.berth.admin.v1.DebugDumpReply;
import io.berth.admin.v1.DebugDumpRequest;
import io.berth.admin.v1.HealthReply;
import io.berth.admin.v1.HealthRequest;
import io.berth.admin.v1.VersionReply;
import io.berth.admin.v1.VersionRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** berthctl: berthd's admin client. Exit status 0 done, 1 an error from berthd (or the local files), 2 usage. */
public final class Berthctl {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    /** Health asks every shim host, each within a few seconds; a minute covers many hung ones. */
    private static final long QUERY_DEADLINE_SECONDS = 60;

    private final Invocation invocation;
    private final InputStream in;
    private final PrintStream out;

    private Berthctl(Invocation invocation, InputStream in, PrintStream out) {
        this.invocation = invocation;
        this.in = in;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Invocation invocation;
        List<ArchiveSource> sources = new ArrayList<>();
        try {
            invocation = Invocation.parse(args);
            if (invocation.command() == Invocation.Command.IMAGES_IMPORT) {
                // Every file is checked before the first byte goes out: a typo in the third name imports nothing.
                for (String operand : invocation.operands()) {
                    sources.add(ArchiveSource.of(operand, in));
                }
            }
        } catch (Invocation.UsageException e) {
            err.println("berthctl: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (invocation.command() == Invocation.Command.HELP) {
            out.print(Invocation.USAGE);
            return EXIT_OK;
        }
        try (AdminConnection connection = AdminConnection.open(invocation.socket())) {
            new Berthctl(invocation, in, out).execute(connection, sources);
            return EXIT_OK;
        } catch (StatusRuntimeException e) {
            err.println("berthctl: " + describe(e.getStatus(), invocation.socket()));
            return EXIT_FAILED;
        } catch (IOException e) {
            err.println("berthctl: " + describe(e));
            return EXIT_FAILED;
        }
    }

    private void execute(AdminConnection connection, List<ArchiveSource> sources) throws IOException {
        AdminGrpc.AdminBlockingStub queries = AdminGrpc.newBlockingStub(connection.channel())
                .withDeadlineAfter(QUERY_DEADLINE_SECONDS, TimeUnit.SECONDS);
        switch (invocation.command()) {
            case VERSION -> {
                VersionReply v = queries.version(VersionRequest.getDefaultInstance());
                print(v, () -> TextReports.version(v, out));
            }
            case HEALTH -> {
                HealthReply h = queries.health(HealthRequest.getDefaultInstance());
                print(h, () -> TextReports.health(h, out));
            }
            case DEBUG_DUMP -> {
                DebugDumpReply d = queries.debugDump(DebugDumpRequest.getDefaultInstance());
                print(d, () -> DumpText.print(d, out));
            }
            case IMAGES_IMPORT -> importAll(AdminGrpc.newStub(connection.channel()), sources);
            case IMAGES_EXPORT -> export(AdminGrpc.newBlockingStub(connection.channel()));
            default -> throw new IllegalStateException("no handler for " + invocation.command());
        }
    }

    private void print(MessageOrBuilder reply, Runnable asText) throws InvalidProtocolBufferException {
        if (invocation.json()) {
            out.println(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(reply));
        } else {
            asText.run();
        }
    }

    /** In order; the first failure stops the rest, after the images imported so far are shown. */
    private void importAll(AdminGrpc.AdminStub admin, List<ArchiveSource> sources) throws IOException {
        TextTable imported = new TextTable("ARCHIVE", "IMAGE ID", "NAMES");
        try {
            for (ArchiveSource source : sources) {
                TextReports.imported(source.name(), ImageUpload.send(admin, source).getImagesList(), imported);
            }
        } finally {
            if (imported.hasRows()) {
                imported.print(out);
            }
        }
    }

    private void export(AdminGrpc.AdminBlockingStub admin) throws IOException {
        String reference = invocation.operands().get(0);
        String file = invocation.operands().get(1);
        if (file.equals("-")) {
            ImageDownload.toStream(admin, reference, out);
            return;
        }
        long size = ImageDownload.toFile(admin, reference, Path.of(file));
        out.println("exported " + reference + " to " + file + " (" + TextReports.bytes(size) + ")");
    }

    /** A local failure: NIO names only the file for some, so the reason is added. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        return e.getMessage();
    }

    /** The gRPC code and berthd's message; for a socket nobody answers on, where to look. */
    static String describe(Status status, Path socket) {
        String line = status.getCode() + ": " + (status.getDescription() == null ? "" : status.getDescription());
        if (status.getCode() == Status.Code.UNAVAILABLE) {
            line += " (is berthd running, and is this root? admin socket " + socket + ")";
        }
        return line;
    }
}
