#!/bin/sh
# The shipped config (config/timescales.toml) with a run's store, API token, SMTP relay and
# Teams channel: what an administrator changes, nothing else.
# Usage: config.sh DATABASE STATE_DIR > timescales.toml
db=$1; state=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
sed -e '/^\[store\]/,/^\[/{s|^state_dir = .*|state_dir = "'"$state"'"\ndatabase_url = "postgres://postgres@127.0.0.1:5432/'"$db"'"|}' \
    -e 's|^listen = .*|listen = "127.0.0.1:8490"|' \
    -e 's|^# link_template = .*|link_template = "https://casework.example.gov.uk/complaints/{reference}"|' \
    -e 's|^# admin = .*|admin = ["email:it-service-desk@example.gov.uk"]|' \
    -e 's|^# procedures = \["durham"\]|procedures = ["durham"]|' \
    "$here/config/timescales.toml"
cat <<'T'

[[api.tokens]]
name = "case-system"
token = "caseload-run-token-0123456789abcdef"
scopes = ["read", "write"]

[notify.roles.chair]
email = ["conference-chairs@example.gov.uk"]
chat = ["csr-team"]
[notify.roles.resolution-lead]
email = ["resolution@example.gov.uk"]
[notify.roles.panel-chair]
email = ["panel@example.gov.uk"]
[notify.roles.manager]
email = ["csr-managers@example.gov.uk"]
chat = ["csr-team"]

[notify.smtp]
host = "127.0.0.1"
port = 2525
security = "none"
from = "timescales <timescales@example.gov.uk>"

[[notify.chat]]
name = "csr-team"
kind = "teams"
url = "http://127.0.0.1:8491/teams"
T
