#!/bin/bash
# Checks on a running Citus cluster that the PostgreSQL schema distributes by subject:
#
#   scripts/citus-check.sh [COORDINATOR_URL]     # default postgres://postgres@127.0.0.1:9700/postgres
#
# It makes a fresh database on every node (dropping the one a previous run left), with the citus
# extension and the cluster's workers registered in it; runs the migrations with `credence init`
# and the shipped packs; distributes every table about subjects by `subject` and makes the
# catalogue tables reference tables; ingests a small generated city, one file per source,
# resubmits one and recomputes; runs `check`, `report`, `token issue` and `audit verify` on it;
# prints EXPLAIN for the per-subject reads (each must route to one shard: "Task Count: 1") and
# for what a check still asks every shard; and tries to UPDATE and DELETE the append-only tables.
# It exits non-zero at the first step that fails. CI cannot build Citus, so this is run by hand.
#
# Environment: CREDENCE (the binary; by default the workspace's, built or brought up to date),
# CITUS_CHECK_DB (the database made on every node; default credence_citus_check),
# CITUS_CHECK_DIR (the registry directory and the city; default /tmp/credence-citus-check).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
URL=${1:-postgres://postgres@127.0.0.1:9700/postgres}
DB=${CITUS_CHECK_DB:-credence_citus_check}
WORK=${CITUS_CHECK_DIR:-/tmp/credence-citus-check}
CREDENCE=${CREDENCE:-}

fail() { echo "citus-check: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || fail "CITUS_CHECK_DB must be a plain lower-case name, not \`$DB\`"
[[ $URL =~ ^(postgres(ql)?://)(([^@/]*)@)?([^/?]*)(/[^?]*)?(\?.*)?$ ]] ||
    fail "not a postgres:// URL: $URL"
SCHEME=${BASH_REMATCH[1]}
USERINFO=${BASH_REMATCH[3]}
QUERY=${BASH_REMATCH[7]}
# The URL of database $2 on node $1 (host:port), with the coordinator URL's user and options.
node_url() { echo "$SCHEME$USERINFO$1/$2$QUERY"; }
DB_URL=$(node_url "${BASH_REMATCH[5]}" "$DB")
command -v psql >/dev/null || fail "psql is not installed"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -v ON_ERROR_STOP=1 -q "$@"; }

if [[ -z $CREDENCE ]]; then
    step "building credence (release)"
    (cd "$ROOT" && cargo build --release -q -p credence)
    CREDENCE=$ROOT/target/release/credence
fi
[[ -x $CREDENCE ]] || fail "CREDENCE=$CREDENCE is not an executable"
if [[ -e $WORK && ! -e $WORK/reg && -n $(ls -A "$WORK") ]]; then
    fail "CITUS_CHECK_DIR=$WORK holds files this check did not make: give an empty or new directory"
fi

step "the cluster"
q "$URL" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'citus'" | grep -q . ||
    fail "$URL has no citus extension: is it a Citus coordinator?"
COORDINATOR=$(q "$URL" -Atc "SELECT nodename || ':' || nodeport FROM pg_dist_node
                             WHERE groupid = 0 AND noderole = 'primary'")
[[ -n $COORDINATOR ]] || fail "the coordinator is not in pg_dist_node (citus_set_coordinator_host)"
mapfile -t WORKERS < <(q "$URL" -Atc "SELECT nodename || ':' || nodeport FROM pg_dist_node
                                      WHERE groupid <> 0 AND noderole = 'primary' AND isactive
                                      ORDER BY nodeport")
[[ ${#WORKERS[@]} -gt 0 ]] || fail "the cluster has no active workers"
echo "citus $(q "$URL" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'citus'");" \
     "coordinator $COORDINATOR, workers ${WORKERS[*]}"

step "a fresh database $DB on every node"
for node in "$COORDINATOR" "${WORKERS[@]}"; do
    admin=$(node_url "$node" postgres)
    q "$admin" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    q "$(node_url "$node" "$DB")" -c "CREATE EXTENSION citus"
done
q "$DB_URL" -c "SELECT citus_set_coordinator_host('${COORDINATOR%:*}', ${COORDINATOR##*:})" >/dev/null
for node in "${WORKERS[@]}"; do
    q "$DB_URL" -c "SELECT citus_add_node('${node%:*}', ${node##*:})" >/dev/null
done
q "$DB_URL" -c "SELECT nodename, nodeport, groupid FROM pg_dist_node ORDER BY groupid"

step "credence init (the migrations) with the shipped packs"
rm -rf "$WORK" && mkdir -p "$WORK"
"$CREDENCE" --database "$DB_URL" init "$WORK/reg" \
    --policy "$ROOT"/policies/*.toml --sources "$ROOT/policies/sources.toml"

step "distribution: subject tables by subject, catalogue tables as reference tables"
# The append-only triggers on event and access: Citus copies a table's triggers to its shards
# only when told that it may (the trigger function must then be safe to run on a shard).
q "$DB_URL" -o /dev/null <<'SQL'
SET citus.enable_unsafe_triggers = on;
SELECT create_reference_table(t), truncate_local_data_after_distributing_table(t)
  FROM unnest(ARRAY['meta', 'batch', 'policy', 'source', 'token', 'schema_migrations']) AS t;
SELECT create_distributed_table('subject', 'subject');
SELECT create_distributed_table(t, 'subject', colocate_with => 'subject')
  FROM unnest(ARRAY['event', 'link', 'linked', 'subject_head', 'standing', 'access']) AS t;
SQL
q "$DB_URL" -c "SELECT table_name, citus_table_type, distribution_column, colocation_id,
                       shard_count
                  FROM citus_tables ORDER BY citus_table_type, table_name"
LOCAL=$(q "$DB_URL" -Atc "SELECT string_agg(c.relname, ' ') FROM pg_class c
                          JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname = current_schema() AND c.relkind = 'r'
                            AND c.oid NOT IN (SELECT logicalrelid FROM pg_dist_partition)")
[[ -z $LOCAL ]] || fail "tables left undistributed: $LOCAL"
SEQUENCES=$(q "$DB_URL" -Atc "SELECT string_agg(sequencename, ' ') FROM pg_sequences
                              WHERE schemaname = current_schema()")
[[ -z $SEQUENCES ]] || fail "sequences in the schema (a global counter): $SEQUENCES"
echo "every table is distributed or a reference table; no sequences"

step "a generated city, ingested one source at a time"
"$CREDENCE" gen --people 2000 --orgs 200 --out "$WORK/city"
for file in "$WORK"/city/*.jsonl; do
    source=$(basename "$file" .jsonl)
    "$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" ingest "$file" --source "$source"
done

# Resubmitted unchanged, a file appends nothing (its references are looked up on every shard).
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" ingest "$WORK/city/court.jsonl" --source court
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" recompute

# A person named in the court's file.
LISTED=$(grep -o '"subject":"[0-9X]*"' "$WORK/city/court.jsonl" | head -1 | cut -d'"' -f4)
[[ -n $LISTED ]] || fail "the generated court file names no subject"

step "check, report and audit verify on the distributed history"
set +e
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" check "$LISTED" no-flights --as airline
status=$?
set -e
# A decision, whether the measure applies or not, exits 0.
[[ $status -eq 0 ]] || fail "check exited $status"
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" report "$LISTED" | head -20
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" token issue --role auditor \
    --for "audit office" >/dev/null
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" token list
"$CREDENCE" --database "$DB_URL" --registry "$WORK/reg" audit verify

step "per-subject reads route to one shard"
read -r KEY PSEUDONYM < <(q "$DB_URL" -Atc "SELECT e.subject, s.pseudonym
                                             FROM event e JOIN subject s USING (subject)
                                             WHERE e.source = 'court' ORDER BY e.seq LIMIT 1" |
                          tr '|' ' ')
echo "subject $KEY"
routed=0
explain() {
    local name=$1 sql=$2 plan tasks
    plan=$(q "$DB_URL" -Atc "EXPLAIN (COSTS OFF) $sql")
    tasks=$(grep -o 'Task Count: [0-9]*' <<<"$plan" | head -1)
    printf -- '-- %s: %s\n%s\n' "$name" "${tasks:-no distributed scan}" "$plan"
    [[ $tasks == "Task Count: 1" ]] || fail "$name does not route to one shard"
    routed=$((routed + 1))
}
explain "the subject" \
    "SELECT subject, pseudonym, kind, birth, masked FROM subject
     WHERE subject = $KEY AND pseudonym = '$PSEUDONYM'"
explain "the subject's events, with their links" \
    "SELECT e.seq, e.source, e.reference, e.hash,
            (SELECT string_agg(l.pseudonym, ' ') FROM link l
              WHERE l.subject = $KEY AND l.seq = e.seq)
       FROM event e WHERE e.subject = $KEY ORDER BY e.position"
explain "the subject's chain heads" \
    "SELECT batch, head, count FROM subject_head WHERE subject = $KEY ORDER BY batch"
explain "the stored standing" "SELECT body FROM standing WHERE subject = $KEY"
explain "the count of links naming the subject, MAC'd" \
    "SELECT count, mac FROM linked WHERE subject = $KEY AND pseudonym = '$PSEUDONYM'"
explain "the subject's accesses" \
    "SELECT party, purpose, at_ms, outcome, day FROM access
     WHERE subject = $KEY AND pseudonym = '$PSEUDONYM' ORDER BY seq"
explain "a check's access-log entry" \
    "INSERT INTO access (subject, seq, pseudonym, party, purpose, at_ms, outcome, day, mac)
     VALUES ($KEY, 0, '$PSEUDONYM', 'p', 'p', 0, 'o', 0, '\\x00')"
echo "$routed per-subject reads and writes route to one shard"

step "what a check still asks every shard"
# The links naming the subject live with the subjects whose events name it, and the access log
# is one chain: a check counts the first and reads the head of the second on every shard.
for sql in "SELECT count(*) FROM link WHERE pseudonym = '$PSEUDONYM'" \
           "SELECT subject FROM subject WHERE subject IN
              (SELECT subject FROM link WHERE pseudonym = '$PSEUDONYM')" \
           "SELECT seq, mac FROM access ORDER BY seq DESC LIMIT 1"; do
    tasks=$(q "$DB_URL" -Atc "EXPLAIN (COSTS OFF) $sql" | grep -o 'Task Count: [0-9]*' | head -1)
    echo "-- $tasks: $(tr -s ' \n' ' ' <<<"$sql")"
done

step "the append-only tables refuse UPDATE and DELETE on their shards"
refuses() {
    local out
    if out=$(q "$DB_URL" -c "BEGIN" -c "$1" -c "ROLLBACK" 2>&1); then
        fail "accepted: $1"
    fi
    grep -q 'append-only' <<<"$out" || fail "refused for another reason: $1: $out"
    echo "refused: $1: $(grep -o 'ERROR: .*' <<<"$out" | head -1)"
}
refuses "UPDATE event SET valid = valid + 1 WHERE subject = $KEY"
refuses "DELETE FROM event WHERE subject = $KEY"
refuses "UPDATE access SET outcome = 'x' WHERE subject = $KEY"
refuses "DELETE FROM access WHERE subject = $KEY"
refuses "UPDATE event SET valid = valid + 1"
refuses "DELETE FROM access"

step "citus-check: the schema distributes by subject"
