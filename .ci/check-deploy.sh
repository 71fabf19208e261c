#!/usr/bin/env bash
# Static checks of the deployment files, no container engine needed: the compose file, the Prometheus configuration,
# the alert rules and their unit tests. Needs the Debian packages `docker-compose` and `prometheus` (promtool).
# The Kubernetes manifests (deploy/k8s) are validated by the Maven test suite (K8sManifestsTest: the fabric8
# Kubernetes model, strict), the compose file's content by ComposeFileTest, runbook links by AlertRunbooksTest.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in docker-compose promtool; do
    command -v "$tool" >/dev/null || { echo "check-deploy: $tool is missing (apt-get install -y docker-compose prometheus)" >&2; exit 1; }
done

echo "== docker-compose config"
docker-compose -f docker-compose.yml config -q
echo "== promtool check config"
promtool check config deploy/prometheus/prometheus.yml
echo "== promtool check rules"
promtool check rules deploy/prometheus/alerts.yml
echo "== promtool test rules"
promtool test rules deploy/prometheus/alerts-test.yml
if command -v python3 >/dev/null; then
    echo "== dashboards are valid JSON"
    for f in deploy/grafana/dashboards/*.json; do python3 -m json.tool "$f" >/dev/null && echo "  $f OK"; done
fi
echo "check-deploy: OK"
