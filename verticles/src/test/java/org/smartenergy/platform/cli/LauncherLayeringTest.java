package org.smartenergy.platform.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher layering of issue 9: {@code cli} assembles the command tree from {@code node} (the product) and
 * {@code bench} (the tools); {@code node} knows neither, {@code bench} does not know the launcher; and no package
 * cycle anywhere. Read from the sources, comments left out, so a javadoc mention is not a dependency.
 */
class LauncherLayeringTest {

    /** The product's sources and the tools module's (surefire runs in verticles/). */
    private static final List<Path> SOURCES = List.of(Path.of("src/main/java/org/smartenergy/platform"),
            Path.of("../bench/src/main/java/org/smartenergy/platform"));
    private static final Pattern REFERENCE = Pattern.compile("org\\.smartenergy\\.platform\\.([a-z][a-z.]*)\\.[A-Z]");

    @Test
    void nodeReferencesNeitherTheToolsNorTheLauncher() throws IOException {
        // GIVEN the node package's sources
        // WHEN the platform packages they reference are collected
        Set<String> referenced = referencedPackages("node");

        // THEN neither bench nor cli is among them
        assertThat(referenced).isNotEmpty().doesNotContain("bench", "cli");
    }

    @Test
    void benchDoesNotReferenceTheLauncher() throws IOException {
        assertThat(referencedPackages("bench")).doesNotContain("cli");
    }

    @Test
    void theLauncherAssemblesNodeAndBench() throws IOException {
        assertThat(referencedPackages("cli")).contains("node", "bench");
    }

    @Test
    void noPackageCycleAnywhere() throws IOException {
        // GIVEN every platform package of both modules (a.b for folder a/b) and the packages each one references
        java.util.Map<String, Set<String>> graph = new java.util.TreeMap<>();
        for (Path root : SOURCES) {
            try (Stream<Path> dirs = Files.walk(root)) {
                for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                    String pkg = root.relativize(dir).toString().replace('/', '.');
                    if (!pkg.isEmpty()) {
                        graph.computeIfAbsent(pkg, k -> new TreeSet<>()).addAll(referencedPackages(pkg));
                    }
                }
            }
        }
        assertThat(graph).containsKeys("gateway", "gateway.http", "node", "cli", "bench");
        // WHEN each package's transitive references are followed
        // THEN none leads back to the package itself
        for (String pkg : graph.keySet()) {
            Set<String> seen = new TreeSet<>();
            java.util.Deque<String> todo = new java.util.ArrayDeque<>(graph.get(pkg));
            while (!todo.isEmpty()) {
                String next = todo.pop();
                if (seen.add(next)) {
                    todo.addAll(graph.getOrDefault(next, Set.of()));
                }
            }
            assertThat(seen).as("packages reachable from %s", pkg).doesNotContain(pkg);
        }
    }

    private static Set<String> referencedPackages(String pkg) throws IOException {
        Set<String> referenced = new TreeSet<>();
        List<Path> files = new java.util.ArrayList<>();
        for (Path root : SOURCES) {
            Path dir = root.resolve(pkg.replace('.', '/'));
            if (Files.isDirectory(dir)) {
                try (Stream<Path> listed = Files.list(dir)) {
                    listed.filter(f -> f.toString().endsWith(".java")).forEach(files::add);
                }
            }
        }
        for (Path file : files) {
            List<String> code = Files.readAllLines(file).stream()
                    .filter(line -> !line.startsWith("package ") && !line.strip().matches("^(\\*|/\\*|//).*"))
                    .toList();
            for (String line : code) {
                Matcher m = REFERENCE.matcher(line);
                while (m.find()) {
                    referenced.add(m.group(1));
                }
            }
        }
        referenced.remove(pkg);
        return referenced;
    }
}
