package org.smartenergy.platform.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.KubernetesConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.node.ConfigLoader;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests of {@code deploy/k8s} are valid Kubernetes objects (parsed by the fabric8 model, which
 * is generated from the Kubernetes API schema, with every field the schema does not know reported) and fit the node
 * they run: probes on the management port, Service ports on the gateway's ports, a PodDisruptionBudget per
 * Deployment, Hazelcast Kubernetes discovery with its headless Service and RBAC, secrets from the Secret, and a
 * termination grace period above the node's drain timeout. Ports, timeouts and option names come from the node's
 * built-in defaults ({@code config/defaults.json}), never from a list kept here.
 */
class K8sManifestsTest {

    /** Kind of every object the manifests may hold, with its model class (which knows its apiVersion). */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Deployment", Deployment.class,
            "Service", Service.class,
            "PodDisruptionBudget", PodDisruptionBudget.class,
            "Secret", Secret.class,
            "ServiceAccount", ServiceAccount.class,
            "Role", Role.class,
            "RoleBinding", RoleBinding.class);

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private static final List<HasMetadata> objects = new ArrayList<>();
    private static final Map<HasMetadata, String> origin = new IdentityHashMap<>();
    private static JsonObject defaults;

    @BeforeAll
    static void parseManifests() throws Exception {
        defaults = ConfigLoader.defaults();
        for (Path file : DeployFiles.k8sManifests()) {
            for (Map<String, Object> doc : DeployFiles.documents(file)) {
                String where = file.getFileName() + " " + doc.get("kind") + " "
                        + (doc.get("metadata") instanceof Map<?, ?> m ? m.get("name") : null);
                Class<? extends HasMetadata> type = KINDS.get(String.valueOf(doc.get("kind")));
                assertThat(type).as("kind of %s (known: %s)", where, KINDS.keySet()).isNotNull();
                assertThat(doc.get("apiVersion")).as("apiVersion of %s", where)
                        .isEqualTo(HasMetadata.getApiVersion(type));
                HasMetadata object = STRICT.convertValue(doc, type);
                List<String> unknown = new ArrayList<>();
                collectUnknownFields(object, where, unknown, new IdentityHashMap<>());
                assertThat(unknown).as("fields the Kubernetes schema does not know").isEmpty();
                assertThat(object.getMetadata().getName()).as("name of %s", where).isNotBlank();
                objects.add(object);
                origin.put(object, where);
            }
        }
    }

    @Test
    void everyManifestIsAKnownKubernetesObjectWithoutUnknownFields() {
        // THEN (parsed in parseManifests) the shipped set holds the parts of the deployment
        assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).contains(
                "Deployment/energy-gateway", "Deployment/energy-ingestion", "Deployment/energy-billing",
                "Service/energy-gateway", "Service/energy-platform-cluster", "Secret/energy-platform-secrets",
                "ServiceAccount/energy-platform", "Role/energy-platform-discovery",
                "RoleBinding/energy-platform-discovery");
        assertThat(List.copyOf(new TreeSet<>(objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .toList()))).as("no object twice").hasSize(objects.size());
    }

    @Test
    void theDeploymentsRunEveryRoleOnceAndSelectTheirOwnPods() {
        EnumSet<org.smartenergy.platform.node.Role> roles = EnumSet.noneOf(org.smartenergy.platform.node.Role.class);
        for (Deployment d : deployments()) {
            // the selector picks the template's pods, and no other Deployment's
            Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as("pod labels of %s", name(d))
                    .containsAllEntriesOf(selector);
            for (Deployment other : deployments()) {
                if (other != d) {
                    assertThat(selects(selector, other.getSpec().getTemplate())).as("%s selects pods of %s",
                            name(d), name(other)).isFalse();
                }
            }
            Set<org.smartenergy.platform.node.Role> own = org.smartenergy.platform.node.Role.parse(
                    env(d, "SEP_NODE_ROLES"));
            assertThat(java.util.Collections.disjoint(own, roles)).as("roles of %s (%s) run by no other Deployment",
                    name(d), own).isTrue();
            roles.addAll(own);
        }
        assertThat(roles).containsExactlyInAnyOrder(org.smartenergy.platform.node.Role.values());
    }

    @Test
    void probesAskTheNodesHealthEndpointsOnTheManagementPort() {
        int metricsPort = defaults.getJsonObject("node").getInteger("metricsPort");
        for (Deployment d : deployments()) {
            Container c = container(d);
            assertHttpProbe(d, c, c.getReadinessProbe(), "/health/ready", metricsPort);
            assertHttpProbe(d, c, c.getLivenessProbe(), "/health/live", metricsPort);
            if (c.getStartupProbe() != null) {
                assertHttpProbe(d, c, c.getStartupProbe(), "/health/live", metricsPort);
            }
        }
    }

    @Test
    void theGatewayServiceExposesTheGrpcAndHttpPortsOfGatewayPodsOnly() {
        JsonObject gateway = defaults.getJsonObject("gateway");
        Service service = named(Service.class, "energy-gateway");
        List<Deployment> selected = deployments().stream()
                .filter(d -> selects(service.getSpec().getSelector(), d.getSpec().getTemplate())).toList();
        assertThat(selected).as("Deployments behind the gateway Service").isNotEmpty();
        for (Deployment d : selected) {
            assertThat(org.smartenergy.platform.node.Role.parse(env(d, "SEP_NODE_ROLES")))
                    .as("roles of %s, behind the gateway Service", name(d))
                    .contains(org.smartenergy.platform.node.Role.GATEWAY);
            Map<String, Integer> targets = new HashMap<>();
            for (ServicePort p : service.getSpec().getPorts()) {
                targets.put(p.getName(), containerPort(d, container(d), p.getTargetPort()));
            }
            assertThat(targets).as("Service port -> container port of %s", name(d))
                    .containsEntry("grpc", gateway.getInteger("grpcPort"))
                    .containsEntry("http", gateway.getInteger("httpPort"));
        }
    }

    @Test
    void everyDeploymentHasADisruptionBudgetForExactlyItsPods() {
        List<PodDisruptionBudget> budgets = all(PodDisruptionBudget.class);
        for (Deployment d : deployments()) {
            List<PodDisruptionBudget> covering = budgets.stream()
                    .filter(b -> selects(b.getSpec().getSelector().getMatchLabels(), d.getSpec().getTemplate()))
                    .toList();
            assertThat(covering).as("budgets of %s", name(d)).hasSize(1);
            PodDisruptionBudget budget = covering.get(0);
            assertThat(budget.getSpec().getSelector().getMatchLabels()).as("selector of %s", name(budget))
                    .isEqualTo(d.getSpec().getSelector().getMatchLabels());
            // a budget that allows no disruption at all would block every node drain
            IntOrString maxUnavailable = budget.getSpec().getMaxUnavailable();
            IntOrString minAvailable = budget.getSpec().getMinAvailable();
            assertThat(maxUnavailable != null || minAvailable != null).as("%s sets a budget", name(budget)).isTrue();
            if (maxUnavailable != null) {
                assertThat(maxUnavailable.getIntVal()).as("maxUnavailable of %s", name(budget)).isPositive();
            } else {
                assertThat(minAvailable.getIntVal()).as("minAvailable of %s", name(budget))
                        .isLessThan(d.getSpec().getReplicas());
            }
        }
    }

    @Test
    void terminationGraceCoversThePreStopPauseAndTheNodesDrainTimeout() {
        long defaultDrainMs = defaults.getJsonObject("node").getLong("shutdownTimeoutMs");
        for (Deployment d : deployments()) {
            Container c = container(d);
            String drainEnv = envOrNull(d, "SEP_NODE_SHUTDOWN_TIMEOUT_MS");
            long drainMs = drainEnv == null ? defaultDrainMs : Long.parseLong(drainEnv);
            long preStopSeconds = 0;
            if (c.getLifecycle() != null && c.getLifecycle().getPreStop() != null) {
                List<String> command = c.getLifecycle().getPreStop().getExec().getCommand();
                assertThat(command).as("preStop of %s", name(d)).hasSize(2).first().isEqualTo("sleep");
                preStopSeconds = Long.parseLong(command.get(1));
            }
            Long grace = d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
            assertThat(grace).as("terminationGracePeriodSeconds of %s", name(d)).isNotNull();
            assertThat(grace * 1000).as("grace of %s (ms) vs preStop %d s + drain %d ms", name(d), preStopSeconds,
                    drainMs).isGreaterThan(preStopSeconds * 1000 + drainMs);
        }
    }

    @Test
    void nodesDiscoverEachOtherThroughTheHeadlessServiceWithTheRbacHazelcastNeeds() throws Exception {
        JsonObject cluster = defaults.getJsonObject("cluster");
        for (Deployment d : deployments()) {
            // GIVEN each Deployment's cluster settings
            assertThat(env(d, "SEP_CLUSTER_ENABLED")).isEqualTo("true");
            Path configFile = DeployFiles.repositoryRoot().resolve(env(d, "SEP_CLUSTER_CONFIG_FILE"));
            assertThat(configFile).as("cluster config of %s (the image holds cluster-config/)", name(d))
                    .isRegularFile().hasFileName("hazelcast-kubernetes.xml");
            assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                    .filteredOn(e -> e.getName().equals("SEP_CLUSTER_PUBLIC_ADDRESS"))
                    .singleElement().satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                            .as("public address of %s", name(d)).isEqualTo("status.podIP"));

            // WHEN Hazelcast reads its configuration as the node fills it in
            String serviceName = env(d, "SEP_CLUSTER_K8S_SERVICE");
            Properties placeholders = new Properties();
            placeholders.setProperty("sep.cluster.name", cluster.getString("name"));
            placeholders.setProperty("sep.cluster.members", cluster.getString("members"));
            placeholders.setProperty("sep.cluster.port", String.valueOf(cluster.getInteger("port")));
            placeholders.setProperty("sep.cluster.interface", "127.0.0.1");
            placeholders.setProperty("sep.cluster.k8sService", serviceName);
            Config hazelcast = new FileSystemXmlConfig(configFile.toFile(), placeholders);

            // THEN it discovers members through that headless Service, which selects the pods of every role
            // (not-ready ones too: a node is ready only once it is a member) on the Hazelcast port
            KubernetesConfig k8s = hazelcast.getNetworkConfig().getJoin().getKubernetesConfig();
            assertThat(k8s.isEnabled()).isTrue();
            assertThat(k8s.getProperty("service-name")).isEqualTo(serviceName);
            Service headless = named(Service.class, serviceName);
            assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
            assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
            assertThat(selects(headless.getSpec().getSelector(), d.getSpec().getTemplate()))
                    .as("%s selects the pods of %s", serviceName, name(d)).isTrue();
            assertThat(headless.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(
                    containerPort(d, container(d), p.getTargetPort())).isEqualTo(cluster.getInteger("port")));

            // AND the pods' service account may read what Hazelcast asks the Kubernetes API for
            String account = d.getSpec().getTemplate().getSpec().getServiceAccountName();
            named(ServiceAccount.class, account);
            List<PolicyRule> rules = new ArrayList<>();
            for (RoleBinding binding : all(RoleBinding.class)) {
                if (binding.getSubjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                        && s.getName().equals(account))) {
                    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
                    rules.addAll(named(Role.class, binding.getRoleRef().getName()).getRules());
                }
            }
            for (String resource : List.of("endpoints", "pods", "services")) {
                assertThat(allows(rules, "", resource, "get") && allows(rules, "", resource, "list"))
                        .as("%s may get and list %s", account, resource).isTrue();
            }
            assertThat(allows(rules, "discovery.k8s.io", "endpointslices", "list"))
                    .as("%s may list endpointslices", account).isTrue();
        }
    }

    @Test
    void secretsComeFromTheSecretAndEveryVariableIsANodeOption() {
        Map<String, String> environment = new LinkedHashMap<>();
        for (Deployment d : deployments()) {
            Container c = container(d);
            for (EnvVar e : c.getEnv()) {
                environment.put(e.getName(), "");
            }
            assertThat(c.getEnv()).as("%s sets no secret inline", name(d)).extracting(EnvVar::getName)
                    .doesNotContain("SEP_GATEWAY_JWT_SECRET", "SEP_RABBITMQ_URI", "SEP_MONGO_CONNECTION_STRING",
                            "SEP_REDIS_CONNECTION_STRING");
            assertThat(c.getEnvFrom()).as("envFrom of %s", name(d)).isNotEmpty();
            for (EnvFromSource from : c.getEnvFrom()) {
                Secret secret = named(Secret.class, from.getSecretRef().getName());
                secret.getStringData().keySet().forEach(k -> environment.put(k, ""));
                assertThat(secret.getStringData()).as("keys of %s", name(secret)).containsKeys(
                        "SEP_GATEWAY_JWT_SECRET", "SEP_RABBITMQ_URI", "SEP_MONGO_CONNECTION_STRING",
                        "SEP_REDIS_CONNECTION_STRING");
                // a placeholder the node accepts (>= 32 characters), visibly not a real secret
                assertThat(secret.getStringData().get("SEP_GATEWAY_JWT_SECRET")).hasSizeGreaterThanOrEqualTo(32)
                        .contains("CHANGE-ME");
                assertThat(secret.getMetadata().getAnnotations()).as("demo warning of %s", name(secret))
                        .containsKey("energy-platform/demo-values");
            }
        }
        assertThat(ConfigLoader.unknownEnvironmentKeys(environment)).as("variables that match no option").isEmpty();
    }

    @Test
    void everyContainerRequestsAndLimitsCpuAndMemory() {
        for (Deployment d : deployments()) {
            Container c = container(d);
            assertThat(c.getResources().getRequests()).as("requests of %s", name(d)).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as("limits of %s", name(d)).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits().get("memory").getNumericalAmount())
                    .as("memory limit of %s is at least its request", name(d))
                    .isGreaterThanOrEqualTo(c.getResources().getRequests().get("memory").getNumericalAmount());
        }
    }

    // -----------------------------------------------------------------------------------------------------------

    private static void assertHttpProbe(Deployment d, Container c, Probe probe, String path, int port) {
        assertThat(probe).as("probe for %s of %s", path, name(d)).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get).as("httpGet probe for %s of %s", path, name(d)).isNotNull();
        assertThat(get.getPath()).isEqualTo(path);
        assertThat(containerPort(d, c, get.getPort())).as("port of the %s probe of %s", path, name(d))
                .isEqualTo(port);
    }

    /** @return the container port a Service or probe port (a number or a port name) refers to */
    private static int containerPort(Deployment d, Container c, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no port named " + port.getStrVal() + " in " + name(d)));
    }

    private static boolean allows(List<PolicyRule> rules, String group, String resource, String verb) {
        return rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource)
                && r.getVerbs().contains(verb));
    }

    private static boolean selects(Map<String, String> selector, PodTemplateSpec pod) {
        return selector != null && !selector.isEmpty()
                && pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
    }

    private static String env(Deployment d, String name) {
        String value = envOrNull(d, name);
        assertThat(value).as("%s of %s", name, name(d)).isNotNull();
        return value;
    }

    private static String envOrNull(Deployment d, String name) {
        return container(d).getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue)
                .findFirst().orElse(null);
    }

    private static Container container(Deployment d) {
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).as("containers of %s", name(d)).hasSize(1);
        return containers.get(0);
    }

    private static List<Deployment> deployments() {
        List<Deployment> deployments = all(Deployment.class);
        assertThat(deployments).as("Deployments in deploy/k8s").isNotEmpty();
        return deployments;
    }

    private static <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }

    private static String name(HasMetadata o) {
        return origin.getOrDefault(o, o.getKind() + " " + o.getMetadata().getName());
    }

    /**
     * The model keeps fields its schema does not know in {@code additionalProperties} instead of failing: any
     * non-empty one, anywhere in the object, is a typo or a field of another API version.
     */
    private static void collectUnknownFields(Object node, String path, List<String> unknown,
                                             Map<Object, Boolean> seen) throws Exception {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectUnknownFields(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = m.invoke(node);
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
                continue;
            }
            collectUnknownFields(value, path + "." + m.getName().substring(3), unknown, seen);
        }
    }

    @Test
    void anUnknownFieldIsReportedNotIgnored() throws Exception {
        // GIVEN a Deployment with a misspelled field in its probe (the check above must be able to fail)
        Map<String, Object> probe = Map.of("httpGet", Map.of("path", "/health/ready", "port", 9102),
                "periodSecond", 5);
        Map<String, Object> doc = Map.of("apiVersion", "apps/v1", "kind", "Deployment",
                "metadata", Map.of("name", "typo"),
                "spec", Map.of("selector", Map.of("matchLabels", Map.of("a", "b")),
                        "template", Map.of("metadata", Map.of("labels", Map.of("a", "b")),
                                "spec", Map.of("containers", List.of(Map.of("name", "node", "image", "x",
                                        "readinessProbe", probe))))));
        // WHEN it is parsed and checked
        List<String> unknown = new ArrayList<>();
        collectUnknownFields(STRICT.convertValue(doc, Deployment.class), "typo", unknown, new IdentityHashMap<>());
        // THEN the field is named
        assertThat(unknown).singleElement().asString().contains("periodSecond");
        assertThat(Files.exists(DeployFiles.repositoryRoot().resolve("deploy/k8s"))).isTrue();
    }
}
