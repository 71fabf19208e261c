package org.smartenergy.platform.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Specification of {@link ProcFs}'s parsing of /proc tables. */
class ProcFsTest {

    private static final String TCP = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1628 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
               1: 0100007F:C353 0100007F:1628 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 30 10 -1
               2: 00000000:C353 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5150 1 0000000000000000 100 0 0 10 0
            """;

    @Test
    void findsTheInodeOfTheListeningSocketOnAPort() {
        assertThat(ProcFs.listeningInode(TCP, 0x1628)).hasValue(31337);
        // port 0xC353 (50003) is both a client's local port (state 01) and a listener (0A): the listener counts
        assertThat(ProcFs.listeningInode(TCP, 0xC353)).hasValue(5150);
        assertThat(ProcFs.listeningInode(TCP, 9102)).isEmpty();
    }

    @Test
    void readsVmRssInBytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  123456 kB\nThreads:\t42\n";

        assertThat(ProcFs.vmRssBytes(status)).hasValue(123456L * 1024);
        assertThat(ProcFs.vmRssBytes("Name:\tkthreadd\n")).isEmpty();
    }
}
