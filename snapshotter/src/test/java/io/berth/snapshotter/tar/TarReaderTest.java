package io.berth.snapshotter.tar;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.berth.common.error.InvalidArgumentException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/**
 * The tar dialects images come in, read as their writers mean them; and hostile tars, each refused with an
 * error naming what is wrong and, for a bound, which one.
 */
class TarReaderTest {
    private static final TarLimits ROOMY = new TarLimits(1 << 30, 1 << 20, 1 << 20, 1 << 30, 4096);
    private static final byte X = TarConstants.LF_PAX_EXTENDED_HEADER_LC;
    private static final byte GLOBAL = TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER;

    private static List<TarHeader> readAll(byte[] tar, TarLimits limits) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(tar), limits);
        List<TarHeader> headers = new ArrayList<>();
        for (TarHeader h; (h = reader.next()) != null; ) {
            headers.add(h);
        }
        reader.finish();
        return headers;
    }

    private static List<TarHeader> readAll(TarBuilder tar) throws IOException {
        return readAll(tar.bytes(), ROOMY);
    }

    private static void assertOverBound(byte[] tar, TarLimits limits, TarLimits.Bound bound, String message) {
        assertThatThrownBy(() -> readAll(tar, limits)).isInstanceOfSatisfying(TarLimitException.class,
                e -> assertThat(e.bound()).isEqualTo(bound)).hasMessageContaining(message);
    }

    private static TarLimits withEntryMeta(int maxEntryMetaBytes) {
        return new TarLimits(1 << 30, 1 << 20, maxEntryMetaBytes, 1 << 30, 4096);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'v');
        return b;
    }

    @Test
    void longNamesFromGnuRecordsPaxRecordsAndTheUstarPrefixAreFoldedIn() throws IOException {
        String longName = "g/" + "n".repeat(150);
        String longTarget = "t".repeat(150);
        assertThat(readAll(new TarBuilder().gnuLongNames().file(longName, "x").symlink("l", longTarget)))
                .extracting(TarHeader::name, TarHeader::linkName)
                .containsExactly(tuple(longName, ""), tuple("l", longTarget));

        String nonAscii = "p/" + "\u00e9".repeat(80);
        assertThat(readAll(new TarBuilder().file(nonAscii, "x")).get(0).name()).isEqualTo(nonAscii);

        byte[] plain = new TarBuilder().file("name", "x").bytes();
        byte[] posix = TarBuilder.patch(plain, 0, 257, "ustar\0".getBytes(US_ASCII));
        byte[] prefixed = TarBuilder.patch(posix, 0, 345, "dir/sub".getBytes(US_ASCII));
        assertThat(readAll(prefixed, ROOMY).get(0).name()).isEqualTo("dir/sub/name");
    }

    @Test
    void paxValuesStayBytesSoABinaryXattrSurvives() throws IOException {
        byte[] capability = {0x01, 0x00, 0x00, 0x02, (byte) 0xff, (byte) 0xfe, (byte) 0x80, 0x00};
        TarHeader h = readAll(new TarBuilder().fileWithXattr("f", "x", "security.capability", capability)).get(0);
        assertThat(h.xattrs()).containsOnlyKeys("security.capability");
        assertThat(h.xattrs().get("security.capability")).isEqualTo(capability);
    }

    @Test
    void globalRecordsApplyToEveryLaterEntryAndExtendedOnesToTheNextOnly() throws IOException {
        List<TarHeader> headers = readAll(new TarBuilder()
                .pax(GLOBAL, "g", "SCHILY.xattr.user.global", "g".getBytes(UTF_8))
                .pax(X, "a", "SCHILY.xattr.user.own", "a".getBytes(UTF_8)).file("a", "x")
                .file("b", "y"));
        assertThat(headers.get(0).xattrs()).containsOnlyKeys("user.global", "user.own");
        assertThat(headers.get(1).xattrs()).containsOnlyKeys("user.global");
    }

    @Test
    void contentEndsWithTheEntryAndWhatIsLeftOfItIsSkipped() throws IOException {
        TarReader reader = new TarReader(new TarBuilder().file("a", "a".repeat(2000)).file("b", "second").stream(),
                ROOMY);
        assertThat(reader.next().name()).isEqualTo("a");
        assertThat(reader.content().readNBytes(10)).hasSize(10);
        assertThat(reader.next().name()).isEqualTo("b");
        assertThat(reader.content().readAllBytes()).isEqualTo("second".getBytes(UTF_8));
        assertThat(reader.content().read()).isEqualTo(-1);
        assertThat(reader.next()).isNull();
    }

    @Test
    void linksHaveNoContentWhateverTheirSizeFieldSays() throws IOException {
        byte[] tar = new TarBuilder().symlink("l", "target").file("f", "after").bytes();
        byte[] sized = TarBuilder.patch(tar, 0, 124, "00000001000\0".getBytes(US_ASCII));
        TarReader reader = new TarReader(new ByteArrayInputStream(sized), ROOMY);
        assertThat(reader.next().isSymlink()).isTrue();
        assertThat(reader.content().read()).isEqualTo(-1);
        assertThat(reader.next().name()).isEqualTo("f");
        assertThat(reader.content().readAllBytes()).isEqualTo("after".getBytes(UTF_8));
    }

    @Test
    void anOldStyleEntryNamedWithATrailingSlashIsADirectory() throws IOException {
        TarHeader h = readAll(new TarBuilder().special("d/", '\0')).get(0);
        assertThat(h.isDirectory()).isTrue();
        assertThat(h.isRegular()).isFalse();
    }

    @Test
    void base256NumbersAreReadAndOnesOutOfRangeRefused() throws IOException {
        byte[] tar = new TarBuilder().file("f", "x").bytes();
        byte[] bigUid = TarBuilder.patch(tar, 0, 108, new byte[] {(byte) 0x80, 0, 0, 0, 0, 0x10, 0, 0});
        assertThat(readAll(bigUid, ROOMY).get(0).uid()).isEqualTo(0x100000);

        byte[] negative = TarBuilder.patch(tar, 0, 108, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 1});
        assertThatThrownBy(() -> readAll(negative, ROOMY)).isInstanceOf(InvalidArgumentException.class)
                .hasMessage("tar header at offset 0: negative uid");

        byte[] farFuture = {(byte) 0x80, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0}; // 2^60 seconds
        byte[] beyondInstant = TarBuilder.patch(tar, 0, 136, farFuture);
        assertThatThrownBy(() -> readAll(beyondInstant, ROOMY)).isInstanceOf(InvalidArgumentException.class)
                .hasMessage("tar header at offset 0: mtime 1152921504606846976 is not a time");
    }

    @Test
    void aPaxMtimeKeepsItsFraction() throws IOException {
        TarHeader h = readAll(new TarBuilder().pax(X, "f", "mtime", "1600000000.25".getBytes(UTF_8))
                .file("f", "x")).get(0);
        assertThat(h.mtime()).isEqualTo(Instant.ofEpochSecond(1_600_000_000L, 250_000_000L));
    }

    @Test
    void aCorruptOrTruncatedTarIsRefusedNamingTheOffset() {
        byte[] tar = new TarBuilder().file("f", "x".repeat(1000)).bytes();
        byte[] corrupt = tar.clone();
        corrupt[0] ^= 1;
        assertThatThrownBy(() -> readAll(corrupt, ROOMY)).isInstanceOf(InvalidArgumentException.class)
                .hasMessage("not a valid tar archive, or a corrupt one: bad header checksum at offset 0");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(tar, 300), ROOMY)).isInstanceOf(EOFException.class)
                .hasMessage("the tar is truncated at offset 300");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(tar, 700), ROOMY)).isInstanceOf(EOFException.class)
                .hasMessageContaining("the tar ends inside an entry at offset 700");
    }

    @Test
    void aTarWithoutItsEndMarkerIsAccepted() throws IOException {
        byte[] tar = new TarBuilder().file("f", "x").bytes();
        assertThat(readAll(Arrays.copyOf(tar, 1024), ROOMY)).extracting(TarHeader::name).containsExactly("f");
    }

    @Test
    void sparseFilesAreRefusedInEitherDialect() {
        assertThatThrownBy(() -> readAll(new TarBuilder().special("s", 'S')))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("tar entry at offset 0 is a sparse file");
        assertThatThrownBy(() -> readAll(new TarBuilder().pax(X, "f", "GNU.sparse.major", "1".getBytes(UTF_8))
                .file("f", "x"))).isInstanceOf(InvalidArgumentException.class).hasMessageContaining("sparse file");
    }

    @Test
    void aPaxRecordLengthThatWouldWrapAroundIsMalformedNotACrash() {
        byte[] records = "11 a=bcdef\n2147483647 b=c\n".getBytes(US_ASCII);
        assertThatThrownBy(() -> readAll(new TarBuilder().paxRecords(X, "f", records).file("f", "x")))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("malformed PAX record in the tar header at offset 0");
    }

    @Test
    void theRecordsOfOneEntryAreBoundTogether() throws IOException {
        TarBuilder oneEntry = new TarBuilder();
        TarBuilder threeEntries = new TarBuilder();
        for (int i = 0; i < 3; i++) {
            oneEntry.pax(X, "f", "comment" + i, bytes(3000));
            threeEntries.pax(X, "f" + i, "comment", bytes(3000)).file("f" + i, "x");
        }
        assertOverBound(oneEntry.file("f", "x").bytes(), withEntryMeta(8192), TarLimits.Bound.ENTRY_META_BYTES,
                "at most 8192 bytes accepted per entry");
        assertThat(readAll(threeEntries.bytes(), withEntryMeta(8192))).hasSize(3);
    }

    @Test
    void globalRecordsStayHeldAndSoCountForEveryLaterEntry() {
        TarBuilder tar = new TarBuilder();
        for (int i = 0; i < 3; i++) {
            tar.pax(GLOBAL, "g", "comment" + i, bytes(3000)).file("f" + i, "x");
        }
        assertOverBound(tar.bytes(), withEntryMeta(8192), TarLimits.Bound.ENTRY_META_BYTES, "global ones included");
    }

    @Test
    void theMetaBoundCountsTheRecordsOfTheWholeStream() {
        TarBuilder tar = new TarBuilder();
        for (int i = 0; i < 5; i++) {
            tar.pax(X, "f" + i, "comment", bytes(4000)).file("f" + i, "x");
        }
        assertOverBound(tar.bytes(), new TarLimits(1 << 30, 1 << 20, 8192, 16384, 4096), TarLimits.Bound.META_BYTES,
                "more than the 16384 accepted");
    }

    @Test
    void aPathOrLinkTargetPastTheNameBoundIsRefusedCountingBytes() {
        TarLimits limits = new TarLimits(1 << 30, 1 << 20, 1 << 20, 1 << 30, 100);
        // Named by its own header's offset, after the PAX record that holds the long path.
        assertOverBound(new TarBuilder().file("a/" + "n".repeat(150), "x").bytes(), limits,
                TarLimits.Bound.NAME_BYTES, "the path of the tar entry at offset 1024 is longer than 100 bytes (152)");
        assertOverBound(new TarBuilder().symlink("l", "t".repeat(150)).bytes(), limits, TarLimits.Bound.NAME_BYTES,
                "the link target of the tar entry");
        // 40 three-byte chars are 120 bytes.
        assertOverBound(new TarBuilder().file("\u20ac".repeat(40), "x").bytes(), limits,
                TarLimits.Bound.NAME_BYTES, "(120)");
    }

    @Test
    void theTarBoundCountsHeadersAndPaddingNotOnlyContent() throws IOException {
        // 512 bytes of header, 2000 of content, then 48 of padding.
        TarReader reader = new TarReader(new TarBuilder().file("f", "c".repeat(2000)).stream(),
                new TarLimits(2512, 1 << 20, 1 << 20, 1 << 30, 4096));
        reader.next();
        assertThat(reader.content().readAllBytes()).hasSize(2000);
        assertThatThrownBy(reader::next).isInstanceOfSatisfying(TarLimitException.class,
                e -> assertThat(e.bound()).isEqualTo(TarLimits.Bound.TAR_BYTES))
                .hasMessage("the tar holds more than 2512 bytes (uncompressed)");
    }

    @Test
    void theTarBoundCountsWhatFollowsTheEndMarker() throws IOException {
        byte[] tar = new TarBuilder().file("f", "x").bytes();
        assertThat(readAll(tar, new TarLimits(tar.length, 1 << 20, 1 << 20, 1 << 30, 4096))).hasSize(1);
        assertOverBound(tar, new TarLimits(tar.length - 1, 1 << 20, 1 << 20, 1 << 30, 4096),
                TarLimits.Bound.TAR_BYTES, "more than " + (tar.length - 1) + " bytes");
    }

    @Test
    void muchMoreThanPaddingAfterTheEndMarkerIsSeveralArchivesJoinedAndRefused() throws IOException {
        byte[] first = new TarBuilder().file("f", "x").bytes();
        byte[] second = new TarBuilder().file("g", "y".repeat(20_000)).bytes();
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        TarLimits limits = new TarLimits(1 << 30, 16384, 1 << 20, 1 << 30, 4096);
        assertThat(readAll(first, limits)).hasSize(1);
        assertOverBound(joined, limits, TarLimits.Bound.TRAILER_BYTES,
                "more than 16384 bytes follow the end of the tar archive; is it several archives joined together?");
    }
}
