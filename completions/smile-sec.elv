
use builtin;
use str;

set edit:completion:arg-completer[smile-sec] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'smile-sec'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'smile-sec'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand sign 'Sign a request as the official SDKs do'
            cand verify 'Verify saved callbacks: signature, freshness and replays'
            cand ip-check 'Check addresses against Smile ID''s callback source allowlist'
            cand allowlist 'Print Smile ID''s callback source addresses, or a server or firewall snippet allowing only them'
            cand audit 'Audit API keys against the rotation policy and Smile ID''s key rules'
            cand seen 'Look after a replay store: count, prune, import, export'
            cand callback 'Test your callback endpoint with signed, forged, stale and replayed callbacks'
            cand guard 'Gate Smile ID''s callbacks in front of your app: forward only those that pass'
            cand keys 'Work with key files'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;sign'= {
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else'
            cand --keys 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]'
            cand --key 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)'
            cand --timestamp 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]'
            cand --now 'Take this RFC 3339 time as now'
            cand --format 'Output format'
            cand --body 'Read a JSON request object from FILE ("-" for stdin), set its partner_id, timestamp and signature fields, and print it'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;verify'= {
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else'
            cand --keys 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]'
            cand --key 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)'
            cand --env 'Try only key-file entries of this environment (all: every one, as without --env)'
            cand --max-age 'Fail callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)'
            cand --max-future 'Fail callbacks dated after now + DUR'
            cand --now 'Take this RFC 3339 time as now'
            cand --seen 'Remember accepted callbacks in STORE across runs and machines, so that a replay arriving later is caught: an SQLite file (created when missing) or a redis:// or rediss:// URL. A callback is reported ok only once it is recorded'
            cand --format 'Output format'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand --explain 'For each bad or malformed signature, name the one usual mistake that explains it (another key, partner ID zero padding, key white space, signature encoding); never prints a key or an expected signature'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;ip-check'= {
            cand --env 'Which environment''s callback sources to allow [default: all for ip-check and for allowlist without --emit, production for allowlist --emit]'
            cand --allowlist 'Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines. With --env, only entries labelled production or sandbox are kept'
            cand --now 'Take this RFC 3339 time as now'
            cand --only 'Print only the results with this verdict (the exit status still counts every input); with --count, only that verdict''s count (the JSON summary keeps every count)'
            cand --peer 'The address the request came from (the TCP peer, nginx''s $remote_addr)'
            cand --forwarded-for 'The X-Forwarded-For header value; repeat for several header lines, in order'
            cand --trusted-proxy 'An address or network of your own proxies (repeatable, or comma-separated)'
            cand --format 'Output format'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand --count 'Print only how many inputs got each verdict'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;allowlist'= {
            cand --env 'Which environment''s callback sources to allow [default: all for ip-check and for allowlist without --emit, production for allowlist --emit]'
            cand --allowlist 'Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines. With --env, only entries labelled production or sandbox are kept'
            cand --now 'Take this RFC 3339 time as now'
            cand --emit 'What to print: the list (text, json) or a snippet for a server or firewall'
            cand --format 'Output format, as --emit text|json (default: text); with a snippet''s --emit, only text'
            cand --port 'The callback port, for the iptables, nftables and k8s rules'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand fetch 'Read Smile ID''s published callback addresses again and compare them with the list in use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;allowlist;fetch'= {
            cand --source 'The page: an http(s) URL, or a saved copy (HTML or text) [default: the Security Overview page''s public URL]'
            cand --output 'Also write the list to FILE (replaced whole, only when the page gave a whole list)'
            cand --allowlist 'The list in use to compare with [default: the built-in list]'
            cand --now 'Take this RFC 3339 time as now'
            cand --format 'Output format: the list as an --allowlist file (text), or NDJSON entries and a summary with what was added and removed (json); --output is always the file'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;allowlist;help'= {
            cand fetch 'Read Smile ID''s published callback addresses again and compare them with the list in use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;allowlist;help;fetch'= {
        }
        &'smile-sec;allowlist;help;help'= {
        }
        &'smile-sec;audit'= {
            cand --keys 'The key file [default: ./smile-keys.json when it exists]'
            cand --now 'Take this RFC 3339 time as now'
            cand --max-age 'Maximum key age, in whole days (90d), for every key (overrides the file''s policy.max_age_days and its per-environment overrides)'
            cand --max-age-days 'Maximum key age as a number of days: the same as --max-age Nd'
            cand --warn-days 'Warn this many days before a key falls due, for every key (overrides the file''s policy.warn_days and its per-environment overrides)'
            cand --fail-on 'The lowest severity that makes the run exit 1'
            cand --format 'Output format'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;seen'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand stats 'Entry count, oldest and newest `seen_at`, and how long entries are kept'
            cand prune 'Drop the entries that have expired (by --now or the clock)'
            cand import 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)'
            cand export 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;seen;stats'= {
            cand --format '`json`: one object ("engine", "entries", "oldest_seen_at", "newest_seen_at", ...)'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;seen;prune'= {
            cand --now 'Take this RFC 3339 time as now'
            cand --format '`json`: one object with "pruned" and "entries" (those left)'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;seen;import'= {
            cand --now 'Take this RFC 3339 time as now'
            cand --format '`json`: one object ("read", "imported", "already_present", "skipped")'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;seen;export'= {
            cand --format 'Entries are NDJSON either way; `json` ends with a `{"type":"summary","entries":N}` line'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;seen;help'= {
            cand stats 'Entry count, oldest and newest `seen_at`, and how long entries are kept'
            cand prune 'Drop the entries that have expired (by --now or the clock)'
            cand import 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)'
            cand export 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;seen;help;stats'= {
        }
        &'smile-sec;seen;help;prune'= {
        }
        &'smile-sec;seen;help;import'= {
        }
        &'smile-sec;seen;help;export'= {
        }
        &'smile-sec;seen;help;help'= {
        }
        &'smile-sec;callback'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand new 'Print a realistic signed callback (an Enhanced KYC job result)'
            cand send 'POST a callback to URL and show the answer'
            cand probe 'Check that a callback endpoint refuses forged, stale and replayed callbacks'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;callback;new'= {
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else'
            cand --keys 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]'
            cand --key 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)'
            cand --now 'Take this RFC 3339 time as now'
            cand --timestamp 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]'
            cand --job-type 'PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]'
            cand --result-code 'ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]'
            cand --result-text 'ResultText [default: Smile ID''s text for a known code]'
            cand --job-id 'PartnerParams.job_id [default: derived from the timestamp]'
            cand --user-id 'PartnerParams.user_id'
            cand --format 'Output format: text is pretty-printed JSON, json is one line'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;callback;send'= {
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else'
            cand --keys 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]'
            cand --key 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)'
            cand --now 'Take this RFC 3339 time as now'
            cand --timestamp 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]'
            cand --job-type 'PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]'
            cand --result-code 'ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]'
            cand --result-text 'ResultText [default: Smile ID''s text for a known code]'
            cand --job-id 'PartnerParams.job_id [default: derived from the timestamp]'
            cand --user-id 'PartnerParams.user_id'
            cand --timeout 'Give up after this long (90s, 15m, or seconds)'
            cand --format 'Output format'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;callback;probe'= {
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else'
            cand --keys 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]'
            cand --key 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)'
            cand --now 'Take this RFC 3339 time as now'
            cand --stale-by 'How far in the past the stale callback is dated'
            cand --future-by 'How far in the future the future callback is dated'
            cand --timeout 'Give up on each request after this long'
            cand --format 'Output format'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand --lenient 'Fail (exit 1) only on the "must" cases; an accepted stale, future or replayed callback is a warning'
            cand --strict 'Fail (exit 1) when a "should" case is accepted, too: the default, kept for scripts that say it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;callback;help'= {
            cand new 'Print a realistic signed callback (an Enhanced KYC job result)'
            cand send 'POST a callback to URL and show the answer'
            cand probe 'Check that a callback endpoint refuses forged, stale and replayed callbacks'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;callback;help;new'= {
        }
        &'smile-sec;callback;help;send'= {
        }
        &'smile-sec;callback;help;probe'= {
        }
        &'smile-sec;callback;help;help'= {
        }
        &'smile-sec;guard'= {
            cand --listen 'The address and port to listen on (port 0: any free port, printed on stderr)'
            cand --upstream 'Where accepted callbacks go: http://HOST[:PORT][/PATH] (without a path, the path they arrived at)'
            cand --path 'The path callbacks arrive at'
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else'
            cand --keys 'A key file (repeatable: the entries of each that fit --env and --partner-id are tried); given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]'
            cand --key 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)'
            cand --env 'The environment this gate serves: only its keys are tried and only its callback sources allowed (a sandbox key is kept with less care, so a production gate must not accept what it signed)'
            cand --allowlist 'Replace the built-in list of callback sources with FILE: lines `ADDR_OR_CIDR [LABEL]`; only the entries labelled with --env are kept'
            cand --trusted-proxy 'An address or network of your own proxies, whose X-Forwarded-For is believed (repeatable, or comma-separated)'
            cand --seen 'The replay store shared by every gate and `verify --seen`: a path (SQLite, created when missing) or redis://HOST[:PORT][/DB]. Without it, replays are remembered in this process only'
            cand --max-age 'Refuse callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)'
            cand --max-future 'Refuse callbacks dated after now + DUR'
            cand --max-body 'The largest body accepted: bytes, or with k, M (KiB, MiB) (Smile ID''s callbacks reach 1.5 MB)'
            cand --header-timeout 'Close a connection whose request head takes longer than DUR, or that sits idle that long'
            cand --body-timeout 'Answer 408 when a request body takes longer than DUR to arrive'
            cand --upstream-timeout 'Answer 504 when the upstream takes longer than DUR to answer'
            cand --store-timeout 'Answer 503 when the replay store takes longer than DUR to claim a callback'
            cand --max-connections 'Connections served at once; more wait until one closes'
            cand --now 'Take this RFC 3339 time as now'
            cand --format 'Taken as on every command; the request log is JSON lines in both, since a log is read by machines'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;keys'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand template 'Print a key file to start from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;keys;template'= {
            cand --now 'Take this RFC 3339 time as now'
            cand --format 'Output format: the key file pretty-printed (text), or on one line (json)'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;keys;help'= {
            cand template 'Print a key file to start from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;keys;help;template'= {
        }
        &'smile-sec;keys;help;help'= {
        }
        &'smile-sec;completions'= {
            cand --format 'Output format: the script itself, or one JSON object holding it'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;help'= {
            cand sign 'Sign a request as the official SDKs do'
            cand verify 'Verify saved callbacks: signature, freshness and replays'
            cand ip-check 'Check addresses against Smile ID''s callback source allowlist'
            cand allowlist 'Print Smile ID''s callback source addresses, or a server or firewall snippet allowing only them'
            cand audit 'Audit API keys against the rotation policy and Smile ID''s key rules'
            cand seen 'Look after a replay store: count, prune, import, export'
            cand callback 'Test your callback endpoint with signed, forged, stale and replayed callbacks'
            cand guard 'Gate Smile ID''s callbacks in front of your app: forward only those that pass'
            cand keys 'Work with key files'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;help;sign'= {
        }
        &'smile-sec;help;verify'= {
        }
        &'smile-sec;help;ip-check'= {
        }
        &'smile-sec;help;allowlist'= {
            cand fetch 'Read Smile ID''s published callback addresses again and compare them with the list in use'
        }
        &'smile-sec;help;allowlist;fetch'= {
        }
        &'smile-sec;help;audit'= {
        }
        &'smile-sec;help;seen'= {
            cand stats 'Entry count, oldest and newest `seen_at`, and how long entries are kept'
            cand prune 'Drop the entries that have expired (by --now or the clock)'
            cand import 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)'
            cand export 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)'
        }
        &'smile-sec;help;seen;stats'= {
        }
        &'smile-sec;help;seen;prune'= {
        }
        &'smile-sec;help;seen;import'= {
        }
        &'smile-sec;help;seen;export'= {
        }
        &'smile-sec;help;callback'= {
            cand new 'Print a realistic signed callback (an Enhanced KYC job result)'
            cand send 'POST a callback to URL and show the answer'
            cand probe 'Check that a callback endpoint refuses forged, stale and replayed callbacks'
        }
        &'smile-sec;help;callback;new'= {
        }
        &'smile-sec;help;callback;send'= {
        }
        &'smile-sec;help;callback;probe'= {
        }
        &'smile-sec;help;guard'= {
        }
        &'smile-sec;help;keys'= {
            cand template 'Print a key file to start from'
        }
        &'smile-sec;help;keys;template'= {
        }
        &'smile-sec;help;completions'= {
        }
        &'smile-sec;help;help'= {
        }
    ]
    $completions[$command]
}
