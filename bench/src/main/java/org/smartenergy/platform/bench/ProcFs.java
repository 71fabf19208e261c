package org.smartenergy.platform.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Linux {@code /proc} look-ups for the benchmark: which process listens on a TCP port (the socket's inode from
 * {@code /proc/net/tcp[6]}, then the process holding that inode among its {@code /proc/<pid>/fd} links) and a
 * process's resident set size ({@code VmRSS} in {@code /proc/<pid>/status}). Empty where /proc is missing or the
 * process is not ours to inspect.
 */
final class ProcFs {

    private static final String LISTEN = "0A";

    private ProcFs() {
    }

    /** @return the pid of the process listening on TCP {@code port} (any address, IPv4 or IPv6) */
    static OptionalLong pidListeningOn(int port) {
        for (String table : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                OptionalLong inode = listeningInode(Files.readString(Path.of(table)), port);
                if (inode.isPresent()) {
                    return pidHoldingSocket(inode.getAsLong());
                }
            } catch (IOException e) {
                // no such table (no IPv6) or no /proc: try the next
            }
        }
        return OptionalLong.empty();
    }

    /** @return the inode of the socket listening on {@code port} in a {@code /proc/net/tcp} table */
    static OptionalLong listeningInode(String table, int port) {
        for (String line : table.split("\n")) {
            String[] f = line.strip().split("\\s+");
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            if (f.length < 10 || !f[3].equals(LISTEN)) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            try {
                if (colon > 0 && Integer.parseInt(f[1].substring(colon + 1), 16) == port) {
                    long inode = Long.parseLong(f[9]);
                    if (inode != 0) {
                        return OptionalLong.of(inode);
                    }
                }
            } catch (NumberFormatException e) {
                // the header line
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong pidHoldingSocket(long inode) {
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().equals(target)) {
                                return OptionalLong.of(Long.parseLong(proc.getFileName().toString()));
                            }
                        } catch (IOException e) {
                            // the fd closed meanwhile
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // another user's process, or it exited
                }
            }
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** @return the resident set size of {@code pid} in bytes */
    static OptionalLong rssBytes(long pid) {
        try {
            return vmRssBytes(Files.readString(Path.of("/proc", String.valueOf(pid), "status")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** @return {@code VmRSS} of a {@code /proc/<pid>/status} text, in bytes */
    static OptionalLong vmRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.substring("VmRSS:".length()).strip().split("\\s+");
                long kb = Long.parseLong(f[0]);
                return OptionalLong.of(kb * 1024);
            }
        }
        return OptionalLong.empty();
    }
}
