smile-sec: error: `smile-sec` needs a command
hint: one of sign, verify, ip-check, allowlist, audit, seen, callback, guard, keys, completions; see `smile-sec --help`
