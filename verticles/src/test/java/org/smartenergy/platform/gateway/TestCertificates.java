package org.smartenergy.platform.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made for a test, in a temporary directory, with the JDK's {@code keytool} (no extra library): a test
 * CA, a server certificate it signed (SAN {@code localhost} and {@code 127.0.0.1}), a client certificate it signed
 * and a self-signed client certificate no CA vouches for. Each is written as PEM (certificate chain, PKCS#8 key) as
 * the gateway's {@code gateway.tls} options and grpc-java's {@code GrpcSslContexts} read them.
 */
final class TestCertificates {

    private static final String PASSWORD = "changeit";

    final Path dir;
    /** PEM certificate of the test CA. */
    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    /** Client certificate chain (leaf, CA) signed by {@link #caCert}. */
    final Path clientCert;
    final Path clientKey;
    /** A self-signed client certificate: not signed by {@link #caCert}. */
    final Path strangerCert;
    final Path strangerKey;

    private TestCertificates(Path dir) throws Exception {
        this.dir = dir;
        Path ca = dir.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=energy-test-ca", "-ext", "bc:c", "-keystore", ca.toString());
        caCert = dir.resolve("ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caCert.toString());

        Path server = signed(ca, "server", "CN=localhost", "san=dns:localhost,ip:127.0.0.1");
        serverCert = dir.resolve("server.pem");
        serverKey = dir.resolve("server-key.pem");
        exportPem(server, "server", serverCert, serverKey);

        Path client = signed(ca, "client", "CN=meter-1", null);
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client-key.pem");
        exportPem(client, "client", clientCert, clientKey);

        Path stranger = dir.resolve("stranger.p12");
        keytool("-genkeypair", "-alias", "stranger", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=meter-1", "-keystore", stranger.toString());
        strangerCert = dir.resolve("stranger.pem");
        strangerKey = dir.resolve("stranger-key.pem");
        exportPem(stranger, "stranger", strangerCert, strangerKey);
    }

    static TestCertificates create() throws Exception {
        return new TestCertificates(Files.createTempDirectory("gateway-tls-"));
    }

    /** @return a JDK SSL context trusting only the test CA (for the JDK HttpClient) */
    SSLContext trustingCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCert)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** A key pair in its own keystore, with a certificate chain (leaf, CA) signed by the CA in {@code ca}. */
    private Path signed(Path ca, String alias, String dname, String san) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", dname, "-keystore", store.toString());
        Path csr = dir.resolve(alias + ".csr");
        keytool("-certreq", "-alias", alias, "-keystore", store.toString(), "-file", csr.toString());
        Path signedCert = dir.resolve(alias + "-signed.pem");
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore",
                ca.toString(), "-validity", "2", "-infile", csr.toString(), "-outfile", signedCert.toString()));
        if (san != null) {
            gencert.addAll(List.of("-ext", san));
        }
        keytool(gencert.toArray(String[]::new));
        // the reply must chain to a trusted certificate: import the CA first, then the signed certificate
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", store.toString());
        keytool("-importcert", "-noprompt", "-alias", alias, "-file", signedCert.toString(), "-keystore",
                store.toString());
        return store;
    }

    private static void exportPem(Path store, String alias, Path certOut, Path keyOut) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) keyStore.getKey(alias, PASSWORD.toCharArray());
        StringBuilder chain = new StringBuilder();
        for (Certificate cert : keyStore.getCertificateChain(alias)) {
            chain.append(pem("CERTIFICATE", ((X509Certificate) cert).getEncoded()));
        }
        Files.writeString(certOut, chain.toString());
        Files.writeString(keyOut, pem("PRIVATE KEY", key.getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
