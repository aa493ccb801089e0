#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis when they do not answer (machines of this kind have
# both installed; elsewhere, point DATABASE_URL / REDIS_URL at yours or use docker compose).
set -u
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if [ -z "${DATABASE_URL:-}" ] && ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "hookbox: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || echo "hookbox: PostgreSQL does not answer on 127.0.0.1:5432 (set DATABASE_URL)" >&2
fi
if [ -z "${REDIS_URL:-}" ] && ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "hookbox: starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  fi
  redis_up || echo "hookbox: Redis does not answer on 127.0.0.1:6379 (set REDIS_URL)" >&2
fi
exit 0
