package org.smartenergy.platform.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With the tools on the class path, the launcher has their commands, each answering {@code --help}. */
class ToolCommandsTest {

    @Test
    void theToolsAddSimulateBenchAndBenchReferenceToTheLauncher() {
        // GIVEN the launcher's command tree with this module on the class path
        CommandLine launcher = Main.commandLine();

        // THEN the product's commands and the tools' are there
        assertThat(launcher.getSubcommands())
                .containsKeys("run", "mint-admin-token", "standalone", "simulate", "bench", "bench-reference");
        for (String name : List.of("simulate", "bench", "bench-reference")) {
            // WHEN a tool command is asked for help THEN it prints its usage and exits 0
            StringWriter out = new StringWriter();
            CommandLine commandLine = Main.commandLine();
            commandLine.setOut(new PrintWriter(out));
            assertThat(commandLine.execute(name, "--help")).as(name).isZero();
            assertThat(out.toString()).as(name).contains("Usage:", name);
        }
    }

    @Test
    void theToolsAreFoundThroughTheServiceLoader() {
        assertThat(Tools.installed()).hasSize(1).first().isInstanceOf(BenchTools.class);
    }
}
