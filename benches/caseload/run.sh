#!/bin/bash
# A caseload entered at once, as a user meets it: the release binary on the shipped config
# (config.sh) and a fresh PostgreSQL database, aiosmtpd writing a Maildir, a webhook receiver
# saving each post, then N back-dated Durham complaints opened through the API (seed.py). It
# reports when the first email arrived and when nothing due was left unsent, then what each
# recipient received. Needs `cargo build --release`, python3 with aiosmtpd, and PostgreSQL on
# 127.0.0.1:5432 (trust). Inside the send window only (working days, 08:00-18:00 London).
# Usage: benches/caseload/run.sh 1000   (then 10000). Outside the window, run the service's
# clock in it: TIMESCALES_NOW=2026-12-02T10:00:00Z benches/caseload/run.sh 1000
set -u
n=${1:-1000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
db=caseload_$$
psql -qh 127.0.0.1 -U postgres -c "CREATE DATABASE $db" >/dev/null
mkdir -p "$work/mail/new" "$work/mail/cur" "$work/mail/tmp" "$work/hooks" "$work/state"
python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox "$work/mail" 2>"$work/smtp.log" &
smtp=$!
python3 "$here/webhook.py" 8491 "$work/hooks" &
hook=$!
sh "$here/config.sh" "$db" "$work/state" > "$work/timescales.toml"
TIMESCALES_CONFIG="$work/timescales.toml" TIMESCALES_LOG=warn "$root/target/release/timescales" serve 2>"$work/serve.log" &
serve=$!
trap 'kill $serve $smtp $hook 2>/dev/null; wait $serve 2>/dev/null; psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf 127.0.0.1:8490/healthz >/dev/null && break; sleep 0.2; done
start=$(date +%s.%N)
python3 "$here/seed.py" "$n" http://127.0.0.1:8490 caseload-run-token-0123456789abcdef
first=""
# Left to send: planned, due by its planned instant (a claimed one's next attempt is its lease's end).
left() {
  psql -h 127.0.0.1 -U postgres "$db" -Atc \
    "SELECT count(*) FROM notifications WHERE state = 'planned' AND planned_at <= now()"
}
while true; do
  sleep 1
  m=$(ls "$work/mail/new" | wc -l)
  t=$(echo "$(date +%s.%N) - $start" | bc)
  if [ -z "$first" ] && [ "$m" -gt 0 ]; then first=$t; printf 'first email %.1f s after the first complaint was opened\n' "$t"; fi
  if [ "$(left)" = 0 ]; then printf 'nothing due left unsent %.1f s after the first complaint was opened\n' "$t"; break; fi
done
sleep 2
echo "received:"
for f in "$work"/mail/new/*; do
  printf '  email %s: %s (%s bytes)\n' "$(grep -m1 '^To:' "$f" | cut -d' ' -f2)" "$(grep -m1 '^Subject:' "$f" | cut -d' ' -f2-)" "$(wc -c < "$f")"
done
for f in "$work"/hooks/*; do
  printf '  card: %s (%s bytes)\n' "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['attachments'][0]['content']['body'][0]['text'])" "$f")" "$(wc -c < "$f")"
done
psql -h 127.0.0.1 -U postgres "$db" -Atc "SELECT 'outbox: ' || state || ' ' || count(*) FROM notifications GROUP BY state ORDER BY state"
# CASELOAD_KEEP=DIR keeps what was received (the Maildir and the posts) to read afterwards.
[ -n "${CASELOAD_KEEP:-}" ] && mkdir -p "$CASELOAD_KEEP" && cp -r "$work/mail" "$work/hooks" "$CASELOAD_KEEP/"
grep -E "WARN|ERROR" "$work/serve.log" | head -5
