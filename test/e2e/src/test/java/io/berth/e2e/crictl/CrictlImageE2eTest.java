package io.berth.e2e.crictl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real crictl's runtime and image commands against a packaged berthd: version, info, the image life cycle. */
class CrictlImageE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static CrictlTestbed testbed;
    private static Crictl crictl;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = CrictlTestbed.start(daemons, "img");
        crictl = testbed.crictl();
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void versionNamesTheRuntimeAndCriV1() {
        String out = crictl.ok("version").stdout();

        assertThat(out).containsPattern("(?m)^Version:\\s+\\S+")
                .containsPattern("(?m)^RuntimeName:\\s+\\S+")
                .containsPattern("(?m)^RuntimeVersion:\\s+\\S+")
                .containsPattern("(?m)^RuntimeApiVersion:\\s+v1$");
    }

    @Test
    void infoReportsTheRuntimeAndTheNetworkReady() {
        JsonNode info = CrictlTestbed.parse(crictl.ok("info").stdout());

        JsonNode conditions = info.at("/status/conditions");
        assertThat(conditions.isArray()).as("%s", info).isTrue();
        assertThat(conditions.findValuesAsText("type")).contains("RuntimeReady", "NetworkReady");
        for (JsonNode condition : conditions) {
            assertThat(condition.get("status").asBoolean()).as("%s", condition).isTrue();
        }
    }

    @Test
    void imagefsinfoShowsWhereImagesLiveAndWhatTheyUse() {
        JsonNode fs = CrictlTestbed.parse(crictl.ok("imagefsinfo").stdout()).at("/status/imageFilesystems/0");

        assertThat(fs.at("/fsId/mountpoint").asText()).as("%s", fs).isNotBlank();
        assertThat(fs.at("/usedBytes/value").isMissingNode()).as("%s", fs).isFalse();
        assertThat(fs.at("/timestamp").asLong()).as("%s", fs).isPositive();
    }

    @Test
    void pullImagesInspectiAndRmiTakeAnImageThroughItsLife() {
        String image = testbed.image();
        String repository = image.substring(0, image.lastIndexOf(':'));

        CommandResult pull = crictl.ok("pull", image);
        assertThat(pull.stdout()).matches("Image is up to date for sha256:[0-9a-f]{64}\\n");
        String id = pull.stdout().trim().substring("Image is up to date for ".length());

        CommandResult images = crictl.ok("images");
        assertThat(images.stdout().lines().findFirst()).hasValueSatisfying(header -> assertThat(header)
                .containsPattern("IMAGE\\s+TAG\\s+IMAGE ID\\s+SIZE"));
        assertThat(images.stdout()).containsPattern("(?m)^" + repository.replace(".", "\\.") + "\\s+"
                + CrictlTestbed.TAG + "\\s+" + id.substring("sha256:".length(), "sha256:".length() + 13)
                + "\\s+\\d");
        assertThat(crictl.ok("images", "-q").stdout().lines()).contains(id);

        JsonNode status = CrictlTestbed.parse(crictl.ok("inspecti", image).stdout()).get("status");
        assertThat(status.get("id").asText()).isEqualTo(id);
        assertThat(status.get("repoTags")).extracting(JsonNode::asText).contains(image);
        assertThat(Long.parseLong(status.get("size").asText())).isPositive();

        assertThat(crictl.ok("rmi", image).stdout()).isEqualTo("Deleted: " + image + "\n");
        assertThat(crictl.ok("images", "-q").stdout().lines()).doesNotContain(id);
        CommandResult gone = crictl.run("inspecti", image);
        assertThat(gone.exitCode()).as("%s", gone).isNotZero();
        assertThat(gone.stderr()).as("%s", gone).contains("no such image");
    }
}
