package org.smartenergy.platform.deploy;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The deployment files of the repository, read as shipped. */
final class DeployFiles {

    private DeployFiles() {
    }

    /** @return the repository root (tests run in the module directory, {@code verticles/}) */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy/k8s")) && Files.isRegularFile(dir.resolve("docker-compose.yml"))) {
                return dir;
            }
        }
        throw new AssertionError("no deploy/k8s above " + Path.of("").toAbsolutePath());
    }

    /** @return every YAML file of deploy/k8s, sorted */
    static List<Path> k8sManifests() throws IOException {
        try (Stream<Path> files = Files.list(repositoryRoot().resolve("deploy/k8s"))) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted()
                    .toList();
        }
    }

    /** @return the documents of a (multi-document) YAML file, empty documents left out */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml().loadAll(reader)) {
                if (doc != null) {
                    docs.add((Map<String, Object>) doc);
                }
            }
        }
        return docs;
    }
}
