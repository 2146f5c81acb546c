# Source this file to have a local PostgreSQL 15 running for the production-database tests:
#   . scripts/postgres.sh
# It starts Debian's cluster if needed, gives the postgres role a password, and exports the connection
# string Backstage's TestDatabases reads (instead of Docker, which our machines do not have).

bg_pg_port=5432
if command -v pg_ctlcluster >/dev/null 2>&1; then
  if ! pg_lsclusters -h 2>/dev/null | awk '$1 == 15 && $2 == "main" { found = 1 } END { exit !found }'; then
    pg_createcluster 15 main >/dev/null
  fi
  if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main" && $4 == "online" { ok = 1 } END { exit !ok }'; then
    pg_ctlcluster 15 main start
  fi
  bg_pg_port=$(pg_lsclusters -h | awk '$1 == 15 && $2 == "main" { print $3 }')
  su postgres -c "psql -q -p $bg_pg_port -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="postgresql://postgres:postgres@127.0.0.1:$bg_pg_port"
  export BACKSTAGE_TEST_DISABLE_DOCKER=1
else
  echo "[postgres] pg_ctlcluster not found: PostgreSQL tests will be skipped" >&2
fi
