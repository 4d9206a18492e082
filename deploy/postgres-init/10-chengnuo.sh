#!/bin/sh
# Runs once, when the postgres volume is first initialised
# (/docker-entrypoint-initdb.d). Creates the application's own database and
# login role next to Temporal's databases. A shell wrapper rather than a bare
# .sql file so the password comes from the environment (CHENGNUO_DB_PASSWORD),
# matching the DATABASE_URL given to the api/worker services.
set -eu
if [ -n "${CHENGNUO_DB_PASSWORD_FILE:-}" ]; then  # compose `secrets:`
    CHENGNUO_DB_PASSWORD="$(cat "$CHENGNUO_DB_PASSWORD_FILE")"
fi
: "${CHENGNUO_DB_PASSWORD:?set CHENGNUO_DB_PASSWORD or CHENGNUO_DB_PASSWORD_FILE}"

psql -v ON_ERROR_STOP=1 \
     --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
     -v app_user="${CHENGNUO_DB_USER:-chengnuo}" \
     -v app_password="$CHENGNUO_DB_PASSWORD" \
     -v app_db="${CHENGNUO_DB_NAME:-chengnuo}" <<'EOSQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user" ENCODING 'UTF8';
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
EOSQL
