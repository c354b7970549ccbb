# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_smile_sec_global_optspecs
    string join \n color= h/help V/version
end

function __fish_smile_sec_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_smile_sec_global_optspecs) -- $cmd 2>/dev/null
    or begin
        # A global option waiting for its value: no command yet.
        contains -- $cmd[-1] --color
        and argparse -s (__fish_smile_sec_global_optspecs) -- $cmd[1..-2] 2>/dev/null
    end
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_smile_sec_using_subcommand
    set -l cmd (__fish_smile_sec_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c smile-sec -n "__fish_smile_sec_needs_command" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "sign" -d 'Sign a request as the official SDKs do'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "verify" -d 'Verify saved callbacks: signature, freshness and replays'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "ip-check" -d 'Check addresses against Smile ID\'s callback source allowlist'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "allowlist" -d 'Print Smile ID\'s callback source addresses, or a server or firewall snippet allowing only them'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "audit" -d 'Audit API keys against the rotation policy and Smile ID\'s key rules'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "seen" -d 'Look after a replay store: count, prune, import, export'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "callback" -d 'Test your callback endpoint with signed, forged, stale and replayed callbacks'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "guard" -d 'Gate Smile ID\'s callbacks in front of your app: forward only those that pass'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "keys" -d 'Work with key files'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c smile-sec -n "__fish_smile_sec_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l partner-id -d 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l api-key-file -d 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l keys -d 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l key -d 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l timestamp -d 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l format -d 'Output format' -r -f -a "text\t'Aligned `name value` lines'
json\t'One JSON object'
headers\t'HTTP headers for header-signed endpoints'
env\t'Shell assignments, quoted for a POSIX shell'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l body -d 'Read a JSON request object from FILE ("-" for stdin), set its partner_id, timestamp and signature fields, and print it' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand sign" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l partner-id -d 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l api-key-file -d 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l keys -d 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l key -d 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l env -d 'Try only key-file entries of this environment (all: every one, as without --env)' -r -f -a "production\t''
sandbox\t''
all\t'Every environment: no filter'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l max-age -d 'Fail callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l max-future -d 'Fail callbacks dated after now + DUR' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l seen -d 'Remember accepted callbacks in STORE across runs and machines, so that a replay arriving later is caught: an SQLite file (created when missing) or a redis:// or rediss:// URL. A callback is reported ok only once it is recorded' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l format -d 'Output format' -r -f -a "text\t'One aligned line per callback, then a summary'
json\t'NDJSON: one result object per callback, then a summary object'
junit\t'JUnit XML: one test case per callback, a failure for each that fails'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -l explain -d 'For each bad or malformed signature, name the one usual mistake that explains it (another key, partner ID zero padding, key white space, signature encoding); never prints a key or an expected signature'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand verify" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l env -d 'Which environment\'s callback sources to allow [default: all for ip-check and for allowlist without --emit, production for allowlist --emit]' -r -f -a "production\t''
sandbox\t''
all\t'Every environment: no filter'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l allowlist -d 'Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines. With --env, only entries labelled production or sandbox are kept' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l only -d 'Print only the results with this verdict (the exit status still counts every input); with --count, only that verdict\'s count (the JSON summary keeps every count)' -r -f -a "allowed\t''
denied\t''
invalid\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l peer -d 'The address the request came from (the TCP peer, nginx\'s $remote_addr)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l forwarded-for -d 'The X-Forwarded-For header value; repeat for several header lines, in order' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l trusted-proxy -d 'An address or network of your own proxies (repeatable, or comma-separated)' -r -f
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l format -d 'Output format' -r -f -a "text\t'One line per input, then a summary line'
json\t'NDJSON: one result object per input, then a summary object'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -l count -d 'Print only how many inputs got each verdict'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand ip-check" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l env -d 'Which environment\'s callback sources to allow [default: all for ip-check and for allowlist without --emit, production for allowlist --emit]' -r -f -a "production\t''
sandbox\t''
all\t'Every environment: no filter'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l allowlist -d 'Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines. With --env, only entries labelled production or sandbox are kept' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l emit -d 'What to print: the list (text, json) or a snippet for a server or firewall' -r -f -a "text\t'One entry per line with its label (a valid --allowlist file)'
json\t'NDJSON entries, then a summary with the source and date'
nginx\t'`allow ...; deny all;` for a server or location block'
apache\t'`Require ip` lines in a <RequireAny> block (Apache 2.4)'
iptables\t'iptables/ip6tables commands: a chain accepting only these sources on --port'
nftables\t'An nftables table dropping traffic to --port from any other source (`nft -f`)'
haproxy\t'An HAProxy `acl` on `src` and an `http-request deny`'
k8s\t'A Kubernetes NetworkPolicy with one ipBlock per entry'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l format -d 'Output format, as --emit text|json (default: text); with a snippet\'s --emit, only text' -r -f -a "text\t'One entry per line with its label, after `#` lines naming the source and date'
json\t'NDJSON: one entry object per line, then a summary with the source and date'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l port -d 'The callback port, for the iptables, nftables and k8s rules' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -f -a "fetch" -d 'Read Smile ID\'s published callback addresses again and compare them with the list in use'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and not __fish_seen_subcommand_from fetch help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -l source -d 'The page: an http(s) URL, or a saved copy (HTML or text) [default: the Security Overview page\'s public URL]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -l output -d 'Also write the list to FILE (replaced whole, only when the page gave a whole list)' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -l allowlist -d 'The list in use to compare with [default: the built-in list]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -l format -d 'Output format: the list as an --allowlist file (text), or NDJSON entries and a summary with what was added and removed (json); --output is always the file' -r -f -a "text\t'One entry per line with its label, after `#` lines naming the source and date'
json\t'NDJSON: one entry object per line, then a summary with the source and date'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from fetch" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from help" -f -a "fetch" -d 'Read Smile ID\'s published callback addresses again and compare them with the list in use'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand allowlist; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l keys -d 'The key file [default: ./smile-keys.json when it exists]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l max-age -d 'Maximum key age, in whole days (90d), for every key (overrides the file\'s policy.max_age_days and its per-environment overrides)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l max-age-days -d 'Maximum key age as a number of days: the same as --max-age Nd' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l warn-days -d 'Warn this many days before a key falls due, for every key (overrides the file\'s policy.warn_days and its per-environment overrides)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l fail-on -d 'The lowest severity that makes the run exit 1' -r -f -a "fail\t'Exit 1 on an unmuted failure'
warn\t'Exit 1 on an unmuted warning or failure'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l format -d 'Output format' -r -f -a "text\t'An aligned table sorted by urgency, the findings, and a rotation plan'
json\t'NDJSON: one object per key, then a summary object'
sarif\t'A SARIF 2.1.0 log (GitHub code scanning and other SARIF viewers)'
github\t'GitHub Actions workflow commands (::error / ::warning annotations)'
junit\t'JUnit XML: one test case per key, a failure for each key that fails'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand audit" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -f -a "stats" -d 'Entry count, oldest and newest `seen_at`, and how long entries are kept'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -f -a "prune" -d 'Drop the entries that have expired (by --now or the clock)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -f -a "import" -d 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -f -a "export" -d 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and not __fish_seen_subcommand_from stats prune import export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from stats" -l format -d '`json`: one object ("engine", "entries", "oldest_seen_at", "newest_seen_at", ...)' -r -f -a "text\t''
json\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from stats" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from prune" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from prune" -l format -d '`json`: one object with "pruned" and "entries" (those left)' -r -f -a "text\t''
json\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from prune" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from import" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from import" -l format -d '`json`: one object ("read", "imported", "already_present", "skipped")' -r -f -a "text\t''
json\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from import" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from export" -l format -d 'Entries are NDJSON either way; `json` ends with a `{"type":"summary","entries":N}` line' -r -f -a "text\t''
json\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from export" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Entry count, oldest and newest `seen_at`, and how long entries are kept'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Drop the entries that have expired (by --now or the clock)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand seen; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -f -a "new" -d 'Print a realistic signed callback (an Enhanced KYC job result)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -f -a "send" -d 'POST a callback to URL and show the answer'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -f -a "probe" -d 'Check that a callback endpoint refuses forged, stale and replayed callbacks'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and not __fish_seen_subcommand_from new send probe help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l partner-id -d 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l api-key-file -d 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l keys -d 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l key -d 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l timestamp -d 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l job-type -d 'PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l result-code -d 'ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l result-text -d 'ResultText [default: Smile ID\'s text for a known code]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l job-id -d 'PartnerParams.job_id [default: derived from the timestamp]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l user-id -d 'PartnerParams.user_id' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l format -d 'Output format: text is pretty-printed JSON, json is one line' -r -f -a "text\t'For people'
json\t'JSON: one object (new, send) or NDJSON results then a summary (probe)'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l partner-id -d 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l api-key-file -d 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l keys -d 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l key -d 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l timestamp -d 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l job-type -d 'PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l result-code -d 'ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l result-text -d 'ResultText [default: Smile ID\'s text for a known code]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l job-id -d 'PartnerParams.job_id [default: derived from the timestamp]' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l user-id -d 'PartnerParams.user_id' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l timeout -d 'Give up after this long (90s, 15m, or seconds)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'JSON: one object (new, send) or NDJSON results then a summary (probe)'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l partner-id -d 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l api-key-file -d 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l keys -d 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l key -d 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l stale-by -d 'How far in the past the stale callback is dated' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l future-by -d 'How far in the future the future callback is dated' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l timeout -d 'Give up on each request after this long' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'JSON: one object (new, send) or NDJSON results then a summary (probe)'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l lenient -d 'Fail (exit 1) only on the "must" cases; an accepted stale, future or replayed callback is a warning'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -l strict -d 'Fail (exit 1) when a "should" case is accepted, too: the default, kept for scripts that say it'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from probe" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from help" -f -a "new" -d 'Print a realistic signed callback (an Enhanced KYC job result)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from help" -f -a "send" -d 'POST a callback to URL and show the answer'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from help" -f -a "probe" -d 'Check that a callback endpoint refuses forged, stale and replayed callbacks'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand callback; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l listen -d 'The address and port to listen on (port 0: any free port, printed on stderr)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l upstream -d 'Where accepted callbacks go: http://HOST[:PORT][/PATH] (without a path, the path they arrived at)' -r -f
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l path -d 'The path callbacks arrive at' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l partner-id -d 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l api-key-file -d 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l keys -d 'A key file (repeatable: the entries of each that fit --env and --partner-id are tried); given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l key -d 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l env -d 'The environment this gate serves: only its keys are tried and only its callback sources allowed (a sandbox key is kept with less care, so a production gate must not accept what it signed)' -r -f -a "production\t''
sandbox\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l allowlist -d 'Replace the built-in list of callback sources with FILE: lines `ADDR_OR_CIDR [LABEL]`; only the entries labelled with --env are kept' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l trusted-proxy -d 'An address or network of your own proxies, whose X-Forwarded-For is believed (repeatable, or comma-separated)' -r -f
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l seen -d 'The replay store shared by every gate and `verify --seen`: a path (SQLite, created when missing) or redis://HOST[:PORT][/DB]. Without it, replays are remembered in this process only' -r -F
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l max-age -d 'Refuse callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l max-future -d 'Refuse callbacks dated after now + DUR' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l max-body -d 'The largest body accepted: bytes, or with k, M (KiB, MiB) (Smile ID\'s callbacks reach 1.5 MB)' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l header-timeout -d 'Close a connection whose request head takes longer than DUR, or that sits idle that long' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l body-timeout -d 'Answer 408 when a request body takes longer than DUR to arrive' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l upstream-timeout -d 'Answer 504 when the upstream takes longer than DUR to answer' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l store-timeout -d 'Answer 503 when the replay store takes longer than DUR to claim a callback' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l max-connections -d 'Connections served at once; more wait until one closes' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l format -d 'Taken as on every command; the request log is JSON lines in both, since a log is read by machines' -r -f -a "text\t'One JSON line per request'
json\t'One JSON line per request'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand guard" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and not __fish_seen_subcommand_from template help" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and not __fish_seen_subcommand_from template help" -s h -l help -d 'Print help'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and not __fish_seen_subcommand_from template help" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and not __fish_seen_subcommand_from template help" -f -a "template" -d 'Print a key file to start from'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and not __fish_seen_subcommand_from template help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from template" -l now -d 'Take this RFC 3339 time as now' -r
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from template" -l format -d 'Output format: the key file pretty-printed (text), or on one line (json)' -r -f -a "text\t'The key file, indented, ready to save and edit'
json\t'The key file as one JSON object on one line'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from template" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from template" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from template" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "template" -d 'Print a key file to start from'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand completions" -l format -d 'Output format: the script itself, or one JSON object holding it' -r -f -a "text\t'The script, ready to source'
json\t'{"type":"completions","shell":...,"file_name":...,"script":...}'"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand completions" -l color -d 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c smile-sec -n "__fish_smile_sec_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand completions" -s V -l version -d 'Print version'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "sign" -d 'Sign a request as the official SDKs do'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "verify" -d 'Verify saved callbacks: signature, freshness and replays'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "ip-check" -d 'Check addresses against Smile ID\'s callback source allowlist'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "allowlist" -d 'Print Smile ID\'s callback source addresses, or a server or firewall snippet allowing only them'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "audit" -d 'Audit API keys against the rotation policy and Smile ID\'s key rules'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "seen" -d 'Look after a replay store: count, prune, import, export'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "callback" -d 'Test your callback endpoint with signed, forged, stale and replayed callbacks'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "guard" -d 'Gate Smile ID\'s callbacks in front of your app: forward only those that pass'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "keys" -d 'Work with key files'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and not __fish_seen_subcommand_from sign verify ip-check allowlist audit seen callback guard keys completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from allowlist" -f -a "fetch" -d 'Read Smile ID\'s published callback addresses again and compare them with the list in use'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from seen" -f -a "stats" -d 'Entry count, oldest and newest `seen_at`, and how long entries are kept'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from seen" -f -a "prune" -d 'Drop the entries that have expired (by --now or the clock)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from seen" -f -a "import" -d 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from seen" -f -a "export" -d 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from callback" -f -a "new" -d 'Print a realistic signed callback (an Enhanced KYC job result)'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from callback" -f -a "send" -d 'POST a callback to URL and show the answer'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from callback" -f -a "probe" -d 'Check that a callback endpoint refuses forged, stale and replayed callbacks'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "template" -d 'Print a key file to start from'
complete -c smile-sec -n "__fish_smile_sec_using_subcommand completions" -f -a "bash elvish fish powershell zsh"
