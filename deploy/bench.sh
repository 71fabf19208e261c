#!/usr/bin/env bash
# README's benchmark: every scenario of `bench` against one node with every role, on this machine.
# 1. starts RabbitMQ and Redis on loopback like deploy/run-local.sh (.ci/services.sh start: skips what already runs)
#    and builds the jar when it is missing or older than the sources;
# 2. starts the embedded MongoDB-compatible store in a process of its own (`embedded-mongo`, in memory, on 127.0.0.1:27017,
#    output in run/bench/store.log), as a MongoDB server would be, so that the stored data is not on the node's heap;
#    SEP_BENCH_STORE=file: on a fresh H2 file run/bench/mongo.mv, committed per write as in standalone, removed again
#    at the end; SEP_BENCH_STORE=in-node: in memory inside the node (mongo.embedded.enabled, runs before 2026-12-03);
#    then a node in the background with deploy/local.json (or $SEP_CONFIG), output in run/bench/node.log;
# 3. waits (up to 2 min) for http://127.0.0.1:9102/health/ready;
# 4. runs `bench --scenarios $SEP_BENCH_SCENARIOS` (default backfill,fleet,steady,growth) against it (the node's pid given for its RSS; the bench
#    starts and stops its reference server itself); arguments are passed on to bench, e.g. --rounds 1,
#    --growth-readings 200000, --label "...";
#    SEP_NODE_JAVA_OPTS adds JVM options to the node only (GC logging, a flight recording);
# 5. prints the store process's peak RSS (VmHWM; the bench's RSS column is the node's), then stops the node and the
#    store it started (SIGTERM to their PIDs, SIGKILL after 30 s), also on Ctrl-C or failure.
# Ports 50051, 8080, 9102 and 27017 must be free. Run it on a quiet machine: the figures are only as good as that.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/services.sh start
JAR=verticles/target/energy-platform.jar
# the tools jar (bench/: simulator, benchmark) is built next to it; the product jar finds it there
TOOLS=verticles/target/energy-platform-bench.jar
if [ ! -f "$JAR" ] || [ ! -f "$TOOLS" ] || [ -n "$(find proto verticles/src verticles/pom.xml bench/src bench/pom.xml pom.xml -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
  ./mvnw -B -q -ntp package -DskipTests
fi
CONFIG="${SEP_CONFIG:-deploy/local.json}"
READY=http://127.0.0.1:9102/health/ready
if curl -s -o /dev/null "$READY"; then
  echo "something already answers on :9102; stop that node first" >&2
  exit 1
fi
DATA_DIR=run/bench
rm -rf "$DATA_DIR"
mkdir -p "$DATA_DIR"

NODE_PID=
STORE_PID=
# stop_process NAME PID: SIGTERM, SIGKILL after 30 s
stop_process() {
  if [ -n "$2" ] && kill -0 "$2" 2>/dev/null; then
    echo "stopping the $1 (pid $2)"
    kill -TERM "$2"
    for _ in $(seq 60); do kill -0 "$2" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$2" 2>/dev/null && kill -KILL "$2"
    wait "$2" 2>/dev/null || true
  fi
}
stop_node() {
  if [ -n "$STORE_PID" ] && [ -r "/proc/$STORE_PID/status" ]; then
    echo "store process (pid $STORE_PID) peak RSS: $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$STORE_PID/status")"
  fi
  stop_process node "$NODE_PID"
  stop_process store "$STORE_PID"
  rm -f "$DATA_DIR"/mongo.mv*
}
trap stop_node EXIT
trap 'exit 130' INT TERM

STORE="${SEP_BENCH_STORE:-memory}"
DATA_FILE=""
case "$STORE" in
  memory|in-node) ;;
  file) DATA_FILE="$DATA_DIR/mongo.mv" ;;
  *) echo "SEP_BENCH_STORE must be memory, file or in-node, was $STORE" >&2; exit 2 ;;
esac
EMBEDDED=true
if [ "$STORE" != in-node ]; then
  EMBEDDED=false
  if (exec 3<>/dev/tcp/127.0.0.1/27017) 2>/dev/null; then
    echo "something already listens on 127.0.0.1:27017; stop it first" >&2
    exit 1
  fi
  java -jar "$JAR" embedded-mongo --config "$CONFIG" --port 27017 --data-file "$DATA_FILE" > "$DATA_DIR/store.log" 2>&1 &
  STORE_PID=$!
  for _ in $(seq 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/27017) 2>/dev/null; then break; fi
    if ! kill -0 "$STORE_PID" 2>/dev/null; then echo "the store exited; see $DATA_DIR/store.log" >&2; exit 1; fi
    sleep 0.5
  done
  (exec 3<>/dev/tcp/127.0.0.1/27017) 2>/dev/null || { echo "the store did not listen within 1 min; see $DATA_DIR/store.log" >&2; exit 1; }
  echo "store started (pid $STORE_PID, ${DATA_FILE:-in memory}, log $DATA_DIR/store.log)"
fi
# SEP_NODE_JAVA_OPTS: extra JVM options for the node only (e.g. "-Xlog:gc:file=run/bench/gc.log"), split on spaces
# shellcheck disable=SC2086
SEP_MONGO_EMBEDDED_ENABLED="$EMBEDDED" SEP_MONGO_EMBEDDED_DATA_FILE="$DATA_FILE" \
  java ${SEP_NODE_JAVA_OPTS:-} -jar "$JAR" run --config "$CONFIG" > "$DATA_DIR/node.log" 2>&1 &
NODE_PID=$!
echo "node started (pid $NODE_PID, log $DATA_DIR/node.log); waiting for $READY"
for _ in $(seq 240); do
  if curl -sf -o /dev/null "$READY"; then break; fi
  if ! kill -0 "$NODE_PID" 2>/dev/null; then echo "the node exited; see $DATA_DIR/node.log" >&2; exit 1; fi
  sleep 0.5
done
curl -sf -o /dev/null "$READY" || { echo "the node was not ready within 2 min; see $DATA_DIR/node.log" >&2; exit 1; }

java -jar "$JAR" bench --config "$CONFIG" --node-pid "$NODE_PID" --scenarios "${SEP_BENCH_SCENARIOS:-backfill,fleet,steady,growth}" "$@"
