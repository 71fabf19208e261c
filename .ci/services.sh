#!/usr/bin/env bash
# Starts / stops the backing services the tests need, on loopback only, in a scratch folder:
#   .ci/services.sh start   RabbitMQ (5672) and Redis (6379); skips one that already answers
# (the prometheus and docker-compose packages are installed here too: tests and .ci/check-deploy.sh use them)
#   .ci/services.sh stop    stops what `start` started (by the PIDs it recorded), nothing else
# Installs the Debian packages first when they are missing and we are root.
set -euo pipefail
STATE_DIR="${SEP_SERVICES_DIR:-/tmp/sep-services}"
REDIS_PORT="${SEP_REDIS_PORT:-6379}"
export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE="$STATE_DIR/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$STATE_DIR/rabbitmq/log"
export RABBITMQ_PID_FILE="$STATE_DIR/rabbitmq/rabbit.pid"

ensure_packages() {
  local missing=()
  command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then echo "missing ${missing[*]}; install them (apt-get install ${missing[*]})" >&2; exit 1; fi
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
}

rabbit_up() { rabbitmq-diagnostics -q ping >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start() {
  ensure_packages
  mkdir -p "$STATE_DIR"
  # make every rabbitmqctl / rabbitmq-diagnostics call (tests use them) address this loopback node by default
  if [ "$(id -u)" = 0 ] && ! grep -q '^NODENAME=rabbit@localhost' /etc/rabbitmq/rabbitmq-env.conf 2>/dev/null; then
    printf 'NODENAME=rabbit@localhost\nNODE_IP_ADDRESS=127.0.0.1\n' >> /etc/rabbitmq/rabbitmq-env.conf
  fi
  if rabbit_up; then
    echo "RabbitMQ already running; leaving it alone"
  else
    # the Debian package may start a node of its own through systemd-less init scripts: we do not rely on it
    mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    chown -R rabbitmq:rabbitmq "$STATE_DIR/rabbitmq" 2>/dev/null || true
    su rabbitmq -s /bin/sh -c "env RABBITMQ_NODENAME=$RABBITMQ_NODENAME RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=$RABBITMQ_MNESIA_BASE RABBITMQ_LOG_BASE=$RABBITMQ_LOG_BASE \
      RABBITMQ_PID_FILE=$RABBITMQ_PID_FILE rabbitmq-server -detached"
    for _ in $(seq 1 60); do rabbit_up && break; sleep 1; done
    rabbit_up || { echo "RabbitMQ did not start; log:" >&2; tail -50 "$RABBITMQ_LOG_BASE"/*.log >&2 || true; exit 1; }
    touch "$STATE_DIR/rabbitmq.started"
    echo "RabbitMQ started on 127.0.0.1:5672"
  fi
  if redis_up; then
    echo "Redis already running; leaving it alone"
  else
    mkdir -p "$STATE_DIR/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
      --dir "$STATE_DIR/redis" --pidfile "$STATE_DIR/redis/redis.pid" --logfile "$STATE_DIR/redis/redis.log"
    for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
    redis_up || { echo "Redis did not start" >&2; exit 1; }
    echo "Redis started on 127.0.0.1:$REDIS_PORT"
  fi
}

stop() {
  if [ -f "$STATE_DIR/rabbitmq.started" ]; then
    rabbitmqctl stop >/dev/null 2>&1 || true
    epmd -kill >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/rabbitmq.started"
    echo "RabbitMQ stopped"
  fi
  if [ -f "$STATE_DIR/redis/redis.pid" ]; then
    kill "$(cat "$STATE_DIR/redis/redis.pid")" 2>/dev/null || true
    rm -f "$STATE_DIR/redis/redis.pid"
    echo "Redis stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
