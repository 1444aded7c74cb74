# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_timescales_global_optspecs
    string join \n config= now= log-format= h/help V/version
end

function __fish_timescales_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_timescales_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_timescales_using_subcommand
    set -l cmd (__fish_timescales_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c timescales -n "__fish_timescales_needs_command" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_needs_command" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_needs_command" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_needs_command" -s V -l version -d 'Print version'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "deadline" -d 'Compute a due date: N working days, calendar days or months after a date'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "holidays" -d 'Inspect and update the bank-holiday data'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "procedures" -d 'List, show and check the complaint procedures'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "plan" -d 'What-if: the deadlines a procedure gives for the events you name, and where each stands'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "complaint" -d 'Record complaints and what happens to them; show, list and audit them'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "serve" -d 'Run the service: the HTTP API, keeping every stored deadline true'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "config" -d 'The configuration in force: `config check` validates everything a start would (settings, procedures, that every role owning a deadline reaches someone, holiday data, tokens) and prints each setting, where it came from, secrets redacted'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "doctor" -d 'Check everything the service depends on (config, procedures, routing of every role, holiday data, time zone and clock, database, API tokens, SMTP, each chat webhook) and say what to fix. Exit 1 when a check fails. Changes nothing; `--send-test` also sends a test message'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "backup" -d 'Copy the SQLite store to FILE as it stands, while the service runs (for PostgreSQL, use pg_dump). Example: timescales backup /var/backups/timescales-$(date +%F).db'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "restore" -d 'Put a backup in the store\'s place: the service must be stopped, and a backup from a newer version is refused. The database it replaces is kept beside it'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "report" -d 'The compliance report: per procedure and deadline, how many fell due in a period, were met on time or late (median and worst working days late), extended, not applicable, unmet or still open; the complaints by outcome and stage reached. Default: this financial year. Example: timescales report --from 2026-04-01 --to 2027-03-31 --format csv'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "retention" -d 'Anonymise complaints closed longer ago than retention.after_close (the service does it hourly); `--dry-run` lists them'
complete -c timescales -n "__fish_timescales_needs_command" -f -a "init" -d 'Write a commented starter config (the shipped one: every key, its default and why)'
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l from -d 'The trigger date the timescale counts from (YYYY-MM-DD): the conference, receipt of the complaint, a meeting, a letter' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l working-days -d 'Count N working days (Monday to Friday, less bank holidays and closures)' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l calendar-days -d 'Count N calendar days' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l months -d 'Count N calendar months' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l roll -d 'Move a calendar-day or month due date that is not a working day: none, forward, backward' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l region -d 'The bank-holiday calendar: england-and-wales, scotland or northern-ireland. Default: the configured default region (england-and-wales out of the box)' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l batch -d 'Compute every row of a CSV FILE (`-` for standard input); see below' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l as-is -d 'Working days only: day 1 is the first working day after --from, even when --from is not a working day'
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l explain -d 'Show the working: day 0, each skipped holiday by name, and whether each year came from official data or the standing rules'
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -l json -d 'Print JSON (always with the working) instead of text'
complete -c timescales -n "__fish_timescales_using_subcommand deadline" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -f -a "list" -d 'List one year\'s non-working weekdays for a region: bank holidays and closures, each marked official, computed (from the standing rules) or configured'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -f -a "coverage" -d 'Which years each region\'s official GOV.UK data covers, with a warning when it runs out within 12 months'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -f -a "import" -d 'Validate a GOV.UK bank-holidays.json and install it in the holidays folder as bank-holidays.json, where it is used from the next start or reload for every year it covers. Prints the bank holidays it adds, removes or renames from today on. A malformed file is refused and nothing is written; so is one that changes a day that has passed or covers fewer years than the data in force, unless --force'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and not __fish_seen_subcommand_from list coverage import refresh" -f -a "refresh" -d 'Fetch GOV.UK\'s bank-holidays.json now (what the service does daily when calendar.holidays_url is set), validate it as import does and install it when it changes anything. A running service puts it in force at its next daily refresh, or at once with `systemctl reload timescales`. Exit status 1 when the file cannot be fetched or is refused'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -l region -d 'england-and-wales, scotland or northern-ireland. Default: the configured default region' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -l year -d 'The year. Default: this year' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from coverage" -l as-of -d 'Judge "within 12 months" from this date instead of today (YYYY-MM-DD)' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from coverage" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from coverage" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from coverage" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from coverage" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from coverage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -l dir -d 'The holidays folder. Default: calendar.holidays_dir from the config' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -l force -d 'Install a well-formed file even though it changes past days or covers fewer years (putting back an older file on purpose, say)'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l url -d 'The address. Default: calendar.holidays_url from the config' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l dir -d 'The holidays folder. Default: calendar.holidays_dir from the config' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l dry-run -d 'Fetch, validate and show what would change; write nothing'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand holidays; and __fish_seen_subcommand_from refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -f -a "list" -d 'One line per procedure in force: the five shipped ones and any local ones'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -f -a "show" -d 'A procedure in full: who may complain, tracks, stages and owners, every deadline with its rule, anchor, whose it is and the sentence it comes from'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and not __fish_seen_subcommand_from list show check" -f -a "check" -d 'Validate procedure files. Without FILEs: everything in force (shipped and the local folder), as at start-up. With FILEs: those files, on top of the shipped procedures. Each problem names the file, line and column; the exit status is 1 when there is any'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from list" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from list" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from list" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (the whole procedures)'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from show" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from show" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from show" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from check" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from check" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from check" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand procedures; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l procedure -d 'The procedure\'s id (see `timescales procedures list`)' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l track -d 'The track, where the procedure has more than one. Default: its first followed track' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l event -d 'An event and its date, NAME=YYYY-MM-DD. Repeat for each; give an event twice for a meeting held again' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l outcome -d 'An outcome recorded (starts follow-on deadlines, e.g. Kent\'s review conference)' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l extend -d 'What if DEADLINE were extended to DATE (DEADLINE=YYYY-MM-DD), where the procedure allows' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l accept-late -d 'What if the complainant\'s late action on DEADLINE were accepted, where the procedure allows' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l as-of -d 'Judge each deadline as of this date: met, open with working days left, or missed by N working days' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand plan" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "open" -d 'Open a complaint under a procedure (eligibility is checked)'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "event" -d 'Record an event the current stage allows'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "outcome" -d 'Record an outcome the current stage can end with'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "extend" -d 'Extend an obligation, where the procedure allows'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "not-applicable" -d 'Mark one deadline as not applicable to this complaint (its circumstances do not arise): it leaves every list and alert. Undo with --undo'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "accept-late" -d 'Accept a complainant\'s late action on a window, where the procedure allows'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "correct" -d 'Correct the date of an earlier event (its entry number is in `show`)'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "close" -d 'Close a complaint'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "erase" -d 'Erase a complaint on request (UK GDPR): its reference, notes and who recorded each thing are replaced and its reminders removed, at once and whatever its state; dates, stages, deadlines and verdicts stay for the figures. Prints the new reference (ANON-ID). Example: timescales complaint erase CP-1001 --reason "erasure request DPA-2027-014"'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "reopen" -d 'Reopen a complaint where its outcome allows (a panel that meets again)'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "show" -d 'The timeline and every deadline with its status and colour'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "list" -d 'Complaints, filtered, in reference order. Default: every open one'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "audit" -d 'Every change to a complaint: who, when, what, and which deadlines moved'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and not __fish_seen_subcommand_from open event outcome extend not-applicable accept-late correct close erase reopen show list audit export" -f -a "export" -d 'Everything held about one complaint, for a subject access request: its record and timeline, every deadline, the audit, and every reminder and alert planned or sent (to whom, when, what became of it). Example: timescales complaint export CP-1001 --format html --output CP-1001.html'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l procedure -d 'The procedure\'s id (see `timescales procedures list`)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l complainant -d 'Who complains: child, child-representative, parent or carer' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l conference -d 'The date of the conference complained about (YYYY-MM-DD)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l track -d 'The track, where the procedure has more than one' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l conference-type -d 'initial or review' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l out-of-scope -d 'The matter is outside the procedure: record it as referred (an out-of-scope id)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l event -d 'An event that has already happened, NAME=YYYY-MM-DD, recorded with the open in one change (reminders and alerts are planned once, for where the complaint stands). Repeat for each, oldest first; each is checked as `complaint event` would check it' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l outcome -d 'An outcome already decided, NAME=YYYY-MM-DD, recorded after the events' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l date -d 'When it happened (default: today)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from event" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l date -d 'When it was decided (default: today)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from outcome" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l to -d 'The new due date' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l reason -d 'Why (required)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l retrospective -d 'Why it is agreed only now, after the due date has passed (required then, refused before)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from extend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l reason -d 'Why (required)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l undo -d 'Undo an earlier mark: the deadline applies again'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from not-applicable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l reason -d 'Why (required)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from accept-late" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l date -d 'The right date' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l reason -d 'Why (required)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from correct" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l reason -d 'Why (required)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from close" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -l reason -d 'Why: the request\'s number or a short reason; never a name' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from erase" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l reason -d 'Why (required)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l by -d 'Who records it: a role or job title (default: who runs the command; see below)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l note -d 'A line of context. No names or other personal data' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -l json -d 'Print the complaint as JSON afterwards'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from reopen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from show" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from show" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from show" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l due-within -d 'Only those with a deadline due within N working days (or overdue)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l procedure -d 'Only this procedure' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l stage -d 'Only this stage' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l owner -d 'Only those with a pending deadline owned by this role' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l limit -d 'List at most N (read 1,000 at a time). The text then ends with the --cursor that lists the rest, and --json prints one object, {"complaints": [...], "next_cursor": "..."}, without next_cursor once nothing is left. Without --limit every match is listed (--json: an array)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l cursor -d 'Go on where an earlier --limit listing stopped: the cursor it printed (with the same filters)' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l all -d 'Include closed and referred complaints'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l overdue -d 'Only those with an overdue obligation'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from audit" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from audit" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from audit" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from audit" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from export" -l format -d 'json (for a system) or html (one page a person can read and print)' -r -f -a "json\t''
html\t''"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from export" -l output -d 'Write it to this file (which must not exist) rather than standard output' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from export" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from export" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from export" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand complaint; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand serve" -l listen -d 'Address to listen on (default: api.listen from the config, 127.0.0.1:8480)' -r
complete -c timescales -n "__fish_timescales_using_subcommand serve" -l credentials -d 'Where the secrets named `credential:NAME` are, when run outside systemd (e.g. /etc/timescales/credentials, as root). Under systemd: $CREDENTIALS_DIRECTORY, from the unit\'s LoadCredential= lines' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand serve" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand serve" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand serve" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand config; and not __fish_seen_subcommand_from check" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand config; and not __fish_seen_subcommand_from check" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand config; and not __fish_seen_subcommand_from check" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand config; and not __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand config; and not __fish_seen_subcommand_from check" -f -a "check" -d 'Validate the configuration and print every setting with its source'
complete -c timescales -n "__fish_timescales_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand config; and __fish_seen_subcommand_from check" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand config; and __fish_seen_subcommand_from check" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand config; and __fish_seen_subcommand_from check" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -l credentials -d 'Where the secrets named `credential:NAME` are (the files systemd\'s LoadCredential= reads). Default: $CREDENTIALS_DIRECTORY, else /etc/timescales/credentials' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -l send-test -d 'Also send a test message to every admin destination and every chat channel'
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -l json -d 'Print JSON: one object per check'
complete -c timescales -n "__fish_timescales_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand backup" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand backup" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand backup" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand backup" -l json -d 'Print what was copied as JSON'
complete -c timescales -n "__fish_timescales_using_subcommand backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand restore" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand restore" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand restore" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand restore" -l json -d 'Print what was restored as JSON'
complete -c timescales -n "__fish_timescales_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand report" -l from -d 'The first due date counted (YYYY-MM-DD). Default: 1 April of this financial year' -r
complete -c timescales -n "__fish_timescales_using_subcommand report" -l to -d 'The last due date counted (YYYY-MM-DD). Default: 31 March that ends this financial year' -r
complete -c timescales -n "__fish_timescales_using_subcommand report" -l procedure -d 'Only this procedure (an id from `timescales procedures list`)' -r
complete -c timescales -n "__fish_timescales_using_subcommand report" -l format -d 'table: for people; csv: one row a deadline, for a spreadsheet; json: everything, outcomes, stages reached and months included; html: one page with a chart of the duties met on time by month (redirect it to a file)' -r -f -a "table\t''
csv\t''
json\t''
html\t''"
complete -c timescales -n "__fish_timescales_using_subcommand report" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand report" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand report" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand retention; and not __fish_seen_subcommand_from run" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand retention; and not __fish_seen_subcommand_from run" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand retention; and not __fish_seen_subcommand_from run" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand retention; and not __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand retention; and not __fish_seen_subcommand_from run" -f -a "run" -d 'Anonymise every complaint closed (or referred) and unchanged for retention.after_close. Example: timescales retention run --dry-run'
complete -c timescales -n "__fish_timescales_using_subcommand retention; and __fish_seen_subcommand_from run" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand retention; and __fish_seen_subcommand_from run" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand retention; and __fish_seen_subcommand_from run" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand retention; and __fish_seen_subcommand_from run" -l dry-run -d 'List the complaints that are due, and change nothing'
complete -c timescales -n "__fish_timescales_using_subcommand retention; and __fish_seen_subcommand_from run" -l json -d 'Print JSON'
complete -c timescales -n "__fish_timescales_using_subcommand retention; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timescales -n "__fish_timescales_using_subcommand init" -l output -d 'Where to write it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand init" -l config -d 'Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in defaults. Environment variables TIMESCALES__SECTION__KEY override it' -r -F
complete -c timescales -n "__fish_timescales_using_subcommand init" -l now -d 'Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from there: for tests and rehearsals, never for a live service' -r
complete -c timescales -n "__fish_timescales_using_subcommand init" -l log-format -d 'How log lines are written: auto (journald under systemd, else text), human, json, or journald. The level comes from TIMESCALES_LOG (e.g. debug)' -r -f -a "auto\t'journald under systemd, human-readable text otherwise'
human\t'Text on standard error'
json\t'One JSON object per line on standard error'
journald\t'journald\'s native protocol, with structured fields'"
complete -c timescales -n "__fish_timescales_using_subcommand init" -l force -d 'Replace an existing file'
complete -c timescales -n "__fish_timescales_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
