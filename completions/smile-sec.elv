
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
            cand ip-check 'Not available yet'
            cand allowlist 'Not available yet'
            cand audit 'Not available yet'
            cand callback 'Not available yet'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'smile-sec;sign'= {
            cand --partner-id 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)'
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else. Without it, SMILE_API_KEY is used verbatim, then the key file'
            cand --keys 'The key file [default: ./smile-keys.json when it exists]'
            cand --key 'Use the key-file entry with this id'
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
            cand --api-key-file 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else. Without it, SMILE_API_KEY is used verbatim, then the key file'
            cand --keys 'The key file [default: ./smile-keys.json when it exists]'
            cand --key 'Use the key-file entry with this id'
            cand --env 'Try only key-file entries of this environment'
            cand --max-age 'Fail callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)'
            cand --max-future 'Fail callbacks dated after now + DUR'
            cand --now 'Take this RFC 3339 time as now'
            cand --format 'Output format'
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;ip-check'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;allowlist'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;audit'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'smile-sec;callback'= {
            cand --color 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand ip-check 'Not available yet'
            cand allowlist 'Not available yet'
            cand audit 'Not available yet'
            cand callback 'Not available yet'
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
        }
        &'smile-sec;help;audit'= {
        }
        &'smile-sec;help;callback'= {
        }
        &'smile-sec;help;completions'= {
        }
        &'smile-sec;help;help'= {
        }
    ]
    $completions[$command]
}
