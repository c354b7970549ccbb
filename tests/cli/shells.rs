//! The completion scripts work in the real shells: `smile-sec <TAB>` offers every
//! command and `smile-sec verify --<TAB>` offers verify's own flags, in bash, zsh and fish, through
//! each shell's own completion machinery. A missing shell skips with a notice, except under CI.
//!
//! - bash: the script is sourced, `complete -p` names the function, and it is called as readline
//!   would, with COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT set; COMPREPLY is printed.
//! - fish: `complete -C LINE`, fish's own "what would TAB offer here".
//! - zsh: an interactive `zsh -f -i` on a pseudo-terminal (zsh's zpty module), with compinit
//!   loading `_smile-sec` from fpath as an install does; the line is typed and TAB pressed, and a
//!   `compadd` wrapper records every match the completion system offers.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BASH_DRIVER: &str = r#"
source "$1"
line="$2"
read -ra COMP_WORDS <<< "$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$line"
COMP_POINT=${#line}
spec=$(complete -p smile-sec) || exit 3
fn=${spec#*-F }
fn=${fn%% *}
"$fn" smile-sec "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;

const ZSH_INNER: &str = r#"
PS1='' PROMPT='' RPS1='' RPROMPT=''
unsetopt beep
fpath=("$ZT_COMPDIR" $fpath)
autoload -Uz compinit && compinit -u -D
zstyle ':completion:*' menu no
# Record every match the completion system adds, then add it as usual.
compadd() {
  # -O, -A and -D only compute matches for the caller; nothing is offered.
  if (( ${@[(I)-[OAD]*]} )); then
    builtin compadd "$@"
    return
  fi
  local -a found
  builtin compadd -A found "$@"
  local ret=$?
  (( $#found )) && print -rl -- $found >> "$ZT_OUT"
  builtin compadd "$@"
  return ret
}
"#;

// The markers are computed by the shell, so the echo of the typed command never matches them.
const ZSH_OUTER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "source ${(q)ZT_INNER}"
zpty -w z "print READY-\$((20+22))"
zpty -r z out '*READY-42*' || exit 4
zpty -w -n z "$ZT_LINE"$'\t'
# Keys typed ahead make zsh's completers give up early (they check for pending input), so wait
# until the completion has recorded something, and then until the record stops growing (matches
# may come in several calls, slowly on a busy machine), before clearing the line.
for i in {1..100}; do [[ -s $ZT_OUT ]] && break; sleep 0.05; done
last=-1
for i in {1..30}; do
  size=$(wc -c < "$ZT_OUT" 2>/dev/null)
  [[ $size == $last ]] && break
  last=$size
  sleep 0.2
done
zpty -w -n z $'\C-u'
zpty -w z "print DONE-\$((40+2))"
zpty -r z out '*DONE-42*' || exit 5
zpty -d z
"#;

/// A shell to drive, with a folder holding its script and a file `smile-keys.json` to find.
struct Shell {
    name: &'static str,
    path: PathBuf,
    dir: tempfile::TempDir,
}

impl Shell {
    /// The shell, or `None` (with a notice) when it is missing outside CI. Under CI, missing fails.
    fn find(name: &'static str) -> Option<Shell> {
        let path = crate::common::tool(name)?;
        let dir = tempfile::tempdir().unwrap();
        let script = crate::common::smile_sec()
            .args(["completions", name])
            .output()
            .unwrap();
        assert!(script.status.success(), "{script:?}");
        let file = match name {
            "bash" => "smile-sec.bash",
            "zsh" => "_smile-sec",
            _ => "smile-sec.fish",
        };
        fs::create_dir(dir.path().join("compdir")).unwrap();
        fs::write(dir.path().join("compdir").join(file), &script.stdout).unwrap();
        fs::write(dir.path().join("smile-keys.json"), "{}").unwrap();
        Some(Shell { name, path, dir })
    }

    fn script(&self) -> PathBuf {
        let compdir = self.dir.path().join("compdir");
        fs::read_dir(&compdir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    }

    /// What TAB offers at the end of `line`, one candidate per entry, without descriptions.
    fn complete(&self, line: &str) -> Vec<String> {
        let work = self.dir.path();
        let mut command = Command::new(&self.path);
        command.current_dir(work);
        let out_file = work.join("matches.txt");
        match self.name {
            "bash" => {
                command
                    .args(["--norc", "--noprofile", "-c", BASH_DRIVER, "bash"])
                    .arg(self.script())
                    .arg(line);
            }
            "fish" => {
                command
                    .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
                    .arg(self.script())
                    .arg(line);
            }
            _ => {
                let _ = fs::remove_file(&out_file);
                let inner = work.join("inner.zsh");
                fs::write(&inner, ZSH_INNER).unwrap();
                command
                    .args(["-f", "-c", ZSH_OUTER])
                    .env("ZT_INNER", &inner)
                    .env("ZT_COMPDIR", work.join("compdir"))
                    .env("ZT_OUT", &out_file)
                    .env("ZT_LINE", line);
            }
        }
        let output = run_with_timeout(command, Duration::from_secs(60));
        assert!(
            output.status.success(),
            "{} on {line:?}: {output:?}",
            self.name
        );
        let text = if self.name == "zsh" {
            fs::read_to_string(&out_file).unwrap_or_default()
        } else {
            String::from_utf8(output.stdout).unwrap()
        };
        text.lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }
}

fn run_with_timeout(mut command: Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{command:?} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn built() -> clap::Command {
    let mut cmd = smile_sec::cli::command();
    cmd.build();
    cmd
}

fn every_command() -> Vec<String> {
    built()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_owned())
        .collect()
}

fn long_flags(command: &str) -> Vec<String> {
    let cmd = built();
    let sub = cmd.find_subcommand(command).unwrap();
    sub.get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .collect()
}

fn assert_offers(shell: &Shell, line: &str, expected: &[String]) -> Vec<String> {
    // A loaded machine sometimes delivers the TAB to zsh's pty before file completion is ready and
    // nothing is recorded; an empty answer is retried a few times (a wrong answer is not).
    let mut offered = shell.complete(line);
    for _ in 0..3 {
        if !offered.is_empty() {
            break;
        }
        offered = shell.complete(line);
    }
    let missing: Vec<&String> = expected.iter().filter(|e| !offered.contains(e)).collect();
    assert!(
        missing.is_empty(),
        "{}: `{line}<TAB>` does not offer {missing:?}; it offers {offered:?}",
        shell.name
    );
    offered
}

fn check_shell(name: &'static str) {
    let Some(shell) = Shell::find(name) else {
        return;
    };

    // smile-sec <TAB>: every command.
    let commands = every_command();
    assert!(commands.len() >= 7, "{commands:?}");
    let top = assert_offers(&shell, "smile-sec ", &commands);
    assert!(!top.contains(&"--max-age".to_owned()), "{name}: {top:?}");

    // smile-sec verify --<TAB>: verify's own flags, not just the global ones.
    let flags = long_flags("verify");
    for own in [
        "--max-age",
        "--max-future",
        "--keys",
        "--api-key-file",
        "--env",
    ] {
        assert!(flags.contains(&own.to_owned()), "{flags:?}");
    }
    let offered = assert_offers(&shell, "smile-sec verify --", &flags);
    assert!(offered.iter().all(|o| o.starts_with("--")), "{offered:?}");

    // Fixed choices come from the ValueEnums.
    assert_offers(
        &shell,
        "smile-sec verify --format ",
        &["text".into(), "json".into()],
    );
    assert_offers(
        &shell,
        "smile-sec verify --env ",
        &["production".into(), "sandbox".into()],
    );
    assert_offers(
        &shell,
        "smile-sec sign --color ",
        &["auto".into(), "always".into(), "never".into()],
    );
    // The global option's values, before any command, and every command after them.
    assert_offers(
        &shell,
        "smile-sec --color ",
        &["auto".into(), "always".into(), "never".into()],
    );
    assert_offers(&shell, "smile-sec --color never ", &commands);
    assert_offers(
        &shell,
        "smile-sec completions ",
        &["bash".into(), "zsh".into(), "fish".into()],
    );

    // Paths complete as files.
    assert_offers(
        &shell,
        "smile-sec verify --keys ",
        &["smile-keys.json".into()],
    );
}

#[test]
fn bash_completes_commands_flags_and_values() {
    check_shell("bash");
}

#[test]
fn zsh_completes_commands_flags_and_values() {
    check_shell("zsh");
}

#[test]
fn fish_completes_commands_flags_and_values() {
    check_shell("fish");
}

/// A script that registers nothing useful offers no command: the checks above are not vacuous.
#[test]
fn the_harness_notices_a_useless_script() {
    for (name, useless) in [
        (
            "bash",
            "_nothing() { COMPREPLY=(); }\ncomplete -F _nothing smile-sec\n",
        ),
        ("zsh", "#compdef smile-sec\n_smile-sec() { return 1; }\n"),
        ("fish", "complete -c smile-sec -f\n"),
    ] {
        let Some(shell) = Shell::find(name) else {
            continue;
        };
        fs::write(shell.script(), useless).unwrap();
        let offered = shell.complete("smile-sec ");
        assert!(
            !every_command().iter().any(|c| offered.contains(c)),
            "{name}: {offered:?}"
        );
    }
}
