
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'smile-sec' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'smile-sec'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'smile-sec' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a request as the official SDKs do')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify saved callbacks: signature, freshness and replays')
            [CompletionResult]::new('ip-check', 'ip-check', [CompletionResultType]::ParameterValue, 'Check addresses against Smile ID''s callback source allowlist')
            [CompletionResult]::new('allowlist', 'allowlist', [CompletionResultType]::ParameterValue, 'Print Smile ID''s callback source addresses, or a server or firewall snippet allowing only them')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit API keys against the rotation policy and Smile ID''s key rules')
            [CompletionResult]::new('seen', 'seen', [CompletionResultType]::ParameterValue, 'Look after a replay store: count, prune, import, export')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Test your callback endpoint with signed, forged, stale and replayed callbacks')
            [CompletionResult]::new('guard', 'guard', [CompletionResultType]::ParameterValue, 'Gate Smile ID''s callbacks in front of your app: forward only those that pass')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Work with key files')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;sign' {
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Read a JSON request object from FILE ("-" for stdin), set its partner_id, timestamp and signature fields, and print it')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;verify' {
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Try only key-file entries of this environment (all: every one, as without --env)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Fail callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)')
            [CompletionResult]::new('--max-future', '--max-future', [CompletionResultType]::ParameterName, 'Fail callbacks dated after now + DUR')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--seen', '--seen', [CompletionResultType]::ParameterName, 'Remember accepted callbacks in STORE across runs and machines, so that a replay arriving later is caught: an SQLite file (created when missing) or a redis:// or rediss:// URL. A callback is reported ok only once it is recorded')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'For each bad or malformed signature, name the one usual mistake that explains it (another key, partner ID zero padding, key white space, signature encoding); never prints a key or an expected signature')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;ip-check' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Which environment''s callback sources to allow [default: all for ip-check and for allowlist without --emit, production for allowlist --emit]')
            [CompletionResult]::new('--allowlist', '--allowlist', [CompletionResultType]::ParameterName, 'Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines. With --env, only entries labelled production or sandbox are kept')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Print only the results with this verdict (the exit status still counts every input); with --count, only that verdict''s count (the JSON summary keeps every count)')
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'The address the request came from (the TCP peer, nginx''s $remote_addr)')
            [CompletionResult]::new('--forwarded-for', '--forwarded-for', [CompletionResultType]::ParameterName, 'The X-Forwarded-For header value; repeat for several header lines, in order')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'An address or network of your own proxies (repeatable, or comma-separated)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print only how many inputs got each verdict')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;allowlist' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Which environment''s callback sources to allow [default: all for ip-check and for allowlist without --emit, production for allowlist --emit]')
            [CompletionResult]::new('--allowlist', '--allowlist', [CompletionResultType]::ParameterName, 'Replace the built-in list with FILE: lines `ADDR_OR_CIDR [LABEL]`, `#` comments, blank lines. With --env, only entries labelled production or sandbox are kept')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--emit', '--emit', [CompletionResultType]::ParameterName, 'What to print: the list (text, json) or a snippet for a server or firewall')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format, as --emit text|json (default: text); with a snippet''s --emit, only text')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The callback port, for the iptables, nftables and k8s rules')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Read Smile ID''s published callback addresses again and compare them with the list in use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;allowlist;fetch' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The page: an http(s) URL, or a saved copy (HTML or text) [default: the Security Overview page''s public URL]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the list to FILE (replaced whole, only when the page gave a whole list)')
            [CompletionResult]::new('--allowlist', '--allowlist', [CompletionResultType]::ParameterName, 'The list in use to compare with [default: the built-in list]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: the list as an --allowlist file (text), or NDJSON entries and a summary with what was added and removed (json); --output is always the file')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;allowlist;help' {
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Read Smile ID''s published callback addresses again and compare them with the list in use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;allowlist;help;fetch' {
            break
        }
        'smile-sec;allowlist;help;help' {
            break
        }
        'smile-sec;audit' {
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file [default: ./smile-keys.json when it exists]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Maximum key age, in whole days (90d), for every key (overrides the file''s policy.max_age_days and its per-environment overrides)')
            [CompletionResult]::new('--max-age-days', '--max-age-days', [CompletionResultType]::ParameterName, 'Maximum key age as a number of days: the same as --max-age Nd')
            [CompletionResult]::new('--warn-days', '--warn-days', [CompletionResultType]::ParameterName, 'Warn this many days before a key falls due, for every key (overrides the file''s policy.warn_days and its per-environment overrides)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'The lowest severity that makes the run exit 1')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;seen' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entry count, oldest and newest `seen_at`, and how long entries are kept')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Drop the entries that have expired (by --now or the clock)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;seen;stats' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`json`: one object ("engine", "entries", "oldest_seen_at", "newest_seen_at", ...)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;seen;prune' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`json`: one object with "pruned" and "entries" (those left)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;seen;import' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`json`: one object ("read", "imported", "already_present", "skipped")')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;seen;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Entries are NDJSON either way; `json` ends with a `{"type":"summary","entries":N}` line')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;seen;help' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entry count, oldest and newest `seen_at`, and how long entries are kept')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Drop the entries that have expired (by --now or the clock)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;seen;help;stats' {
            break
        }
        'smile-sec;seen;help;prune' {
            break
        }
        'smile-sec;seen;help;import' {
            break
        }
        'smile-sec;seen;help;export' {
            break
        }
        'smile-sec;seen;help;help' {
            break
        }
        'smile-sec;callback' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Print a realistic signed callback (an Enhanced KYC job result)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'POST a callback to URL and show the answer')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Check that a callback endpoint refuses forged, stale and replayed callbacks')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;callback;new' {
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]')
            [CompletionResult]::new('--job-type', '--job-type', [CompletionResultType]::ParameterName, 'PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]')
            [CompletionResult]::new('--result-code', '--result-code', [CompletionResultType]::ParameterName, 'ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]')
            [CompletionResult]::new('--result-text', '--result-text', [CompletionResultType]::ParameterName, 'ResultText [default: Smile ID''s text for a known code]')
            [CompletionResult]::new('--job-id', '--job-id', [CompletionResultType]::ParameterName, 'PartnerParams.job_id [default: derived from the timestamp]')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'PartnerParams.user_id')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text is pretty-printed JSON, json is one line')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;callback;send' {
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Sign this timestamp verbatim [default: now, as YYYY-MM-DDTHH:MM:SS.mmmZ]')
            [CompletionResult]::new('--job-type', '--job-type', [CompletionResultType]::ParameterName, 'PartnerParams.job_type (1 Biometric KYC, 5 Enhanced KYC, 6 Document Verification, ...) [default: 5]')
            [CompletionResult]::new('--result-code', '--result-code', [CompletionResultType]::ParameterName, 'ResultCode, as a string (1012 ID Number Validated, 1013 ID Number Not Found, 1020-1022 match results) [default: 1012]')
            [CompletionResult]::new('--result-text', '--result-text', [CompletionResultType]::ParameterName, 'ResultText [default: Smile ID''s text for a known code]')
            [CompletionResult]::new('--job-id', '--job-id', [CompletionResultType]::ParameterName, 'PartnerParams.job_id [default: derived from the timestamp]')
            [CompletionResult]::new('--user-id', '--user-id', [CompletionResultType]::ParameterName, 'PartnerParams.user_id')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long (90s, 15m, or seconds)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;callback;probe' {
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file; given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--stale-by', '--stale-by', [CompletionResultType]::ParameterName, 'How far in the past the stale callback is dated')
            [CompletionResult]::new('--future-by', '--future-by', [CompletionResultType]::ParameterName, 'How far in the future the future callback is dated')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on each request after this long')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('--lenient', '--lenient', [CompletionResultType]::ParameterName, 'Fail (exit 1) only on the "must" cases; an accepted stale, future or replayed callback is a warning')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail (exit 1) when a "should" case is accepted, too: the default, kept for scripts that say it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;callback;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Print a realistic signed callback (an Enhanced KYC job result)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'POST a callback to URL and show the answer')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Check that a callback endpoint refuses forged, stale and replayed callbacks')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;callback;help;new' {
            break
        }
        'smile-sec;callback;help;send' {
            break
        }
        'smile-sec;callback;help;probe' {
            break
        }
        'smile-sec;callback;help;help' {
            break
        }
        'smile-sec;guard' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address and port to listen on (port 0: any free port, printed on stderr)')
            [CompletionResult]::new('--upstream', '--upstream', [CompletionResultType]::ParameterName, 'Where accepted callbacks go: http://HOST[:PORT][/PATH] (without a path, the path they arrived at)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The path callbacks arrive at')
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'A key file (repeatable: the entries of each that fit --env and --partner-id are tried); given here it beats SMILE_API_KEY [default: SMILE_SEC_KEYS, else ./smile-keys.json when it exists, both below SMILE_API_KEY]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id (it names the key file as --keys does, so it beats SMILE_API_KEY)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment this gate serves: only its keys are tried and only its callback sources allowed (a sandbox key is kept with less care, so a production gate must not accept what it signed)')
            [CompletionResult]::new('--allowlist', '--allowlist', [CompletionResultType]::ParameterName, 'Replace the built-in list of callback sources with FILE: lines `ADDR_OR_CIDR [LABEL]`; only the entries labelled with --env are kept')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'An address or network of your own proxies, whose X-Forwarded-For is believed (repeatable, or comma-separated)')
            [CompletionResult]::new('--seen', '--seen', [CompletionResultType]::ParameterName, 'The replay store shared by every gate and `verify --seen`: a path (SQLite, created when missing) or redis://HOST[:PORT][/DB]. Without it, replays are remembered in this process only')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Refuse callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)')
            [CompletionResult]::new('--max-future', '--max-future', [CompletionResultType]::ParameterName, 'Refuse callbacks dated after now + DUR')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'The largest body accepted: bytes, or with k, M (KiB, MiB) (Smile ID''s callbacks reach 1.5 MB)')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Close a connection whose request head takes longer than DUR, or that sits idle that long')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'Answer 408 when a request body takes longer than DUR to arrive')
            [CompletionResult]::new('--upstream-timeout', '--upstream-timeout', [CompletionResultType]::ParameterName, 'Answer 504 when the upstream takes longer than DUR to answer')
            [CompletionResult]::new('--store-timeout', '--store-timeout', [CompletionResultType]::ParameterName, 'Answer 503 when the replay store takes longer than DUR to claim a callback')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections served at once; more wait until one closes')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Taken as on every command; the request log is JSON lines in both, since a log is read by machines')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;keys' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('template', 'template', [CompletionResultType]::ParameterValue, 'Print a key file to start from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;keys;template' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: the key file pretty-printed (text), or on one line (json)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;keys;help' {
            [CompletionResult]::new('template', 'template', [CompletionResultType]::ParameterValue, 'Print a key file to start from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;keys;help;template' {
            break
        }
        'smile-sec;keys;help;help' {
            break
        }
        'smile-sec;completions' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: the script itself, or one JSON object holding it')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;help' {
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a request as the official SDKs do')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify saved callbacks: signature, freshness and replays')
            [CompletionResult]::new('ip-check', 'ip-check', [CompletionResultType]::ParameterValue, 'Check addresses against Smile ID''s callback source allowlist')
            [CompletionResult]::new('allowlist', 'allowlist', [CompletionResultType]::ParameterValue, 'Print Smile ID''s callback source addresses, or a server or firewall snippet allowing only them')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit API keys against the rotation policy and Smile ID''s key rules')
            [CompletionResult]::new('seen', 'seen', [CompletionResultType]::ParameterValue, 'Look after a replay store: count, prune, import, export')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Test your callback endpoint with signed, forged, stale and replayed callbacks')
            [CompletionResult]::new('guard', 'guard', [CompletionResultType]::ParameterValue, 'Gate Smile ID''s callbacks in front of your app: forward only those that pass')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Work with key files')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;help;sign' {
            break
        }
        'smile-sec;help;verify' {
            break
        }
        'smile-sec;help;ip-check' {
            break
        }
        'smile-sec;help;allowlist' {
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Read Smile ID''s published callback addresses again and compare them with the list in use')
            break
        }
        'smile-sec;help;allowlist;fetch' {
            break
        }
        'smile-sec;help;audit' {
            break
        }
        'smile-sec;help;seen' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entry count, oldest and newest `seen_at`, and how long entries are kept')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Drop the entries that have expired (by --now or the clock)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import the NDJSON record an earlier `verify --seen FILE` kept, or copy another store (STORE is created when missing)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print every entry as NDJSON (body digests are keyed: comparable only within this store)')
            break
        }
        'smile-sec;help;seen;stats' {
            break
        }
        'smile-sec;help;seen;prune' {
            break
        }
        'smile-sec;help;seen;import' {
            break
        }
        'smile-sec;help;seen;export' {
            break
        }
        'smile-sec;help;callback' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Print a realistic signed callback (an Enhanced KYC job result)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'POST a callback to URL and show the answer')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Check that a callback endpoint refuses forged, stale and replayed callbacks')
            break
        }
        'smile-sec;help;callback;new' {
            break
        }
        'smile-sec;help;callback;send' {
            break
        }
        'smile-sec;help;callback;probe' {
            break
        }
        'smile-sec;help;guard' {
            break
        }
        'smile-sec;help;keys' {
            [CompletionResult]::new('template', 'template', [CompletionResultType]::ParameterValue, 'Print a key file to start from')
            break
        }
        'smile-sec;help;keys;template' {
            break
        }
        'smile-sec;help;completions' {
            break
        }
        'smile-sec;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
