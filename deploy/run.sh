#!/usr/bin/env bash
# README's run command on a fresh clone with only a JDK 17: builds the jar with the Maven wrapper when it is missing
# or older than the sources, then runs `standalone` (embedded AMQP broker, Redis and MongoDB-compatible store under
# run/standalone, built-in logger simulator). Arguments go to the standalone command (e.g. --no-simulator,
# --config FILE); SEP_* environment variables override options as usual. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=verticles/target/energy-platform.jar
# the tools jar (bench/: simulator, benchmark) is built next to it; the product jar finds it there
TOOLS=verticles/target/energy-platform-bench.jar
if [ ! -f "$JAR" ] || [ ! -f "$TOOLS" ] || [ -n "$(find proto verticles/src verticles/pom.xml bench/src bench/pom.xml pom.xml -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
  ./mvnw -B -q -ntp package -DskipTests
fi
exec java -jar "$JAR" standalone "$@"
