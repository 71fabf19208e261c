package org.smartenergy.platform.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The reference server in its own JVM, started from this JVM's java and class path plus the tools jar (with
 * {@code java -jar energy-platform.jar bench} the class path names only the product jar: the tools jar comes
 * from its manifest).
 */
record ReferenceProcess(Process process, int port) implements AutoCloseable {

    static ReferenceProcess start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        try {
            classPath += File.pathSeparator
                    + Path.of(ReferenceServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            // the class path alone, as when every class comes from it
        }
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", classPath,
                ReferenceServer.class.getName(), "--port", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(ReferenceServer.READY)) {
                return new ReferenceProcess(process, Integer.parseInt(line.substring(ReferenceServer.READY.length()).strip()));
            }
        }
        process.destroy();
        throw new IOException("the reference server exited before listening (exit " + waitFor(process) + ")");
    }

    long pid() {
        return process.pid();
    }

    private static String waitFor(Process process) {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() throws IOException {
        // closing its standard input is its signal to stop
        process.getOutputStream().close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
