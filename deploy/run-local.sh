#!/usr/bin/env bash
# README's run command: one node with every role on this machine.
# Starts RabbitMQ and Redis on loopback (installs them with apt when missing and root), builds the jar when needed,
# prints an operator (admin) token and runs the node with deploy/local.json (embedded MongoDB-compatible store in
# run/). Ctrl-C stops the node; `.ci/services.sh stop` stops the broker and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/services.sh start
JAR=verticles/target/energy-platform.jar
if [ ! -f "$JAR" ] || [ -n "$(find proto verticles/src verticles/pom.xml pom.xml -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
  ./mvnw -B -q -ntp package -DskipTests
fi
CONFIG="${SEP_CONFIG:-deploy/local.json}"
echo "operator admin token (use as: Authorization: Bearer <token>):"
java -jar "$JAR" mint-admin-token --config "$CONFIG"
echo "gRPC for loggers on :50051, operator API on http://127.0.0.1:8080/api/v1, metrics on http://127.0.0.1:9102/metrics"
exec java -jar "$JAR" run --config "$CONFIG"
