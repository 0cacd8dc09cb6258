package io.berth;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering rules of the architecture page, checked on the main classes of every module berthd is built from
 * (cri-server's test classpath holds them all, and no module's tests).
 */
class ArchitectureTest {
    /** The modules whose main code is checked, by their root package; each must be on the classpath. */
    private static final Set<String> MODULE_PACKAGES = Set.of("io.berth.common", "io.berth.linux",
            "io.berth.snapshotter", "io.berth.netplugin", "io.berth.shim", "io.berth.server", "io.berth.cri");

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.berth");
    }

    @Test
    void everyModuleIsChecked() {
        Set<String> packages = main.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
        for (String module : MODULE_PACKAGES) {
            assertThat(packages).as("main classes of %s on the classpath", module)
                    .anyMatch(p -> p.equals(module) || p.startsWith(module + "."));
        }
        assertThat(main.contain(ArchitectureTest.class)).as("test classes are not checked").isFalse();
    }

    /** A package cycle means neither side can be understood, tested or moved without the other. */
    @Test
    void noPackageCycles() {
        slices().matching("io.berth.(**)").namingSlices("$1")
                .should().beFreeOfCycles()
                .check(main);
    }

    /** JNA stays inside the linux module, behind its small public facade. */
    @Test
    void jnaOnlyInLinux() {
        noClasses().that().resideOutsideOfPackage("io.berth.linux..")
                .should().dependOnClassesThat().resideInAPackage("com.sun.jna..")
                .because("native calls belong to io.berth.linux, which the rest of berth uses through its facade")
                .check(main);
    }
}
