package org.smartenergy.platform.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** README promises {@code --help} on every command; the launcher reports a bad configuration as a message. */
class CommandHelpTest {

    @Test
    void everySubcommandAcceptsHelpAndExitsZero() {
        // GIVEN the launcher's command tree
        Map<String, CommandLine> subcommands = Main.commandLine().getSubcommands();
        assertThat(subcommands).containsKeys("run", "mint-admin-token", "standalone", "embedded-mongo");
        for (String name : subcommands.keySet()) {
            // WHEN a subcommand is asked for help
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine commandLine = Main.commandLine();
            commandLine.setOut(new PrintWriter(out));
            commandLine.setErr(new PrintWriter(err));
            int exit = commandLine.execute(name, "--help");

            // THEN it prints its usage and exits 0
            assertThat(exit).as(name + ": " + err).isZero();
            assertThat(out.toString()).as(name).contains("Usage:", name);
        }
    }

    @Test
    void theTopLevelCommandAcceptsHelp() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        assertThat(commandLine.execute("--help")).isZero();
        assertThat(out.toString()).contains("Usage:", "run", "mint-admin-token", "standalone");
    }

    @Test
    void runWithAnUnknownKeyInItsFileExitsOneNamingTheKey(@TempDir Path dir) throws Exception {
        // GIVEN a configuration file with a misspelt billing key
        Path file = dir.resolve("node.json");
        Files.writeString(file, "{\"billing\": {\"prefetchh\": 4}}");
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err));

        // WHEN a node is started with it
        int exit = commandLine.execute("run", "--config", file.toString());

        // THEN it does not start, and says which key
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("unknown configuration key billing.prefetchh");
    }

    @Test
    void theConfigurationFileDefaultsToSepConfig() {
        ConfigOption option = new ConfigOption();
        assertThat(option.file(Map.of("SEP_CONFIG", "deploy/local.json"))).isEqualTo(Path.of("deploy/local.json"));
        assertThat(option.file(Map.of("SEP_CONFIG", " "))).isNull();
        assertThat(option.file(Map.of())).isNull();
        option.config = Path.of("other.json");
        assertThat(option.file(Map.of("SEP_CONFIG", "deploy/local.json"))).isEqualTo(Path.of("other.json"));
    }
}
