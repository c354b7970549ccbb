
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
            [CompletionResult]::new('ip-check', 'ip-check', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('allowlist', 'allowlist', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'smile-sec;sign' {
            [CompletionResult]::new('--partner-id', '--partner-id', [CompletionResultType]::ParameterName, 'Smile ID partner ID, used byte for byte ("085" and "85" sign differently)')
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else. Without it, SMILE_API_KEY is used verbatim, then the key file')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file [default: ./smile-keys.json when it exists]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id')
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
            [CompletionResult]::new('--api-key-file', '--api-key-file', [CompletionResultType]::ParameterName, 'Read the API key from PATH ("-" for stdin); one trailing newline is removed, nothing else. Without it, SMILE_API_KEY is used verbatim, then the key file')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'The key file [default: ./smile-keys.json when it exists]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use the key-file entry with this id')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Try only key-file entries of this environment')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Fail callbacks older than now − DUR (90s, 15m, 24h, 7d, or seconds)')
            [CompletionResult]::new('--max-future', '--max-future', [CompletionResultType]::ParameterName, 'Fail callbacks dated after now + DUR')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Take this RFC 3339 time as now')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;ip-check' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;allowlist' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;audit' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'smile-sec;callback' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the verdict words: auto honours NO_COLOR, CLICOLOR_FORCE and whether stdout is a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
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
            [CompletionResult]::new('ip-check', 'ip-check', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('allowlist', 'allowlist', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Not available yet')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Not available yet')
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
            break
        }
        'smile-sec;help;audit' {
            break
        }
        'smile-sec;help;callback' {
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
