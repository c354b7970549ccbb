//! `smile-sec allowlist` through the real binary: every output format,
//! and the nginx and nftables snippets checked by the real tools where they are installed.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::path::Path;
use std::process::Command as Std;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{assert_refused, smile_sec, tool};

const PRODUCTION: [&str; 4] = [
    "34.240.137.52",
    "44.230.128.108",
    "52.36.32.43",
    "52.213.46.74",
];
const SANDBOX: [&str; 4] = [
    "35.166.227.53",
    "44.246.19.66",
    "54.246.37.255",
    "99.81.237.141",
];

/// The `--emit` values that print a snippet rather than the list.
const SNIPPETS: [&str; 6] = ["nginx", "apache", "iptables", "nftables", "haproxy", "k8s"];

/// `allowlist ARGS`; with `--emit` and without `--env`, it is asked for both environments (the
/// default of `--emit` is production alone, tested in allowlist_fetch.rs).
fn emit(args: &[&str]) -> String {
    let both = args.contains(&"--emit") && !args.contains(&"--env");
    let out = smile_sec()
        .arg("allowlist")
        .args(args)
        .args(if both { &["--env", "all"][..] } else { &[] })
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn assert_stamped(text: &str) {
    assert!(text.contains("Security Overview"), "{text}");
    assert!(text.contains("2026-11-25"), "{text}");
}

/// Whether a system tool can be used ([`tool`]).
fn have(name: &str) -> bool {
    tool(name).is_some()
}

#[test]
fn text_lists_every_address_with_its_environment() {
    let text = emit(&[]);
    assert_stamped(&text);
    for addr in PRODUCTION {
        assert!(text.contains(&format!("{addr}/32")), "{text}");
    }
    assert!(text.contains("34.240.137.52/32     production"), "{text}");
    assert!(text.contains("99.81.237.141/32     sandbox"), "{text}");
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 8);
    assert_eq!(emit(&["--emit", "text"]), text);
}

/// The list shown without `--emit` (as text, or as JSON with `--format json`) is every
/// environment's; `--emit text` and `--emit json` write the same list for a file or a program,
/// whose `--env` default is production, as a snippet's is (allowlist_fetch.rs). With the same
/// `--env`, they are the same output.
#[test]
fn the_list_with_and_without_emit() {
    let plain = emit(&[]);
    assert_eq!(plain.lines().filter(|l| !l.starts_with('#')).count(), 8);
    assert_eq!(emit(&["--format", "text"]), plain);
    assert_eq!(emit(&["--emit", "text", "--env", "all"]), plain);
    let json = emit(&["--format", "json"]);
    assert_eq!(json.lines().count(), 9, "{json}");
    assert_eq!(emit(&["--emit", "json", "--env", "all"]), json);
    for (format, production) in [
        ("text", emit(&["--env", "production"])),
        ("json", emit(&["--env", "production", "--format", "json"])),
    ] {
        assert_eq!(emit(&["--emit", format, "--env", "production"]), production);
    }
}

#[test]
fn env_narrows_the_list() {
    let text = emit(&["--env", "sandbox"]);
    for addr in SANDBOX {
        assert!(text.contains(addr), "{text}");
    }
    for addr in PRODUCTION {
        assert!(!text.contains(addr), "{text}");
    }
}

#[test]
fn text_output_is_a_valid_allowlist_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.txt");
    std::fs::write(&path, emit(&["--env", "production"])).unwrap();
    smile_sec()
        .args(["ip-check", "52.213.46.74", "--allowlist"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(production)"));
    smile_sec()
        .args(["ip-check", "99.81.237.141", "--allowlist"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "denied   99.81.237.141  not on the allowlist\n",
        ));
}

#[test]
fn json_is_ndjson_entries_then_a_stamped_summary() {
    for args in [&["--format", "json"][..], &["--emit", "json"]] {
        let text = emit(args);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 9);
        assert_eq!(
            lines[0],
            serde_json::json!({"type": "entry", "entry": "34.240.137.52/32", "label": "production"})
        );
        assert_eq!(lines[7]["label"], "sandbox");
        let summary = &lines[8];
        assert_eq!(summary["type"], "summary");
        assert_eq!(summary["entries"], 8);
        assert_eq!(summary["date"], "2026-11-25");
        assert!(
            summary["source"]
                .as_str()
                .unwrap()
                .contains("Security Overview")
        );
    }
}

#[test]
fn format_and_emit_conflict() {
    for (emit, format) in [("nginx", "json"), ("json", "text"), ("text", "json")] {
        smile_sec()
            .args(["allowlist", "--format", format, "--emit", emit])
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!(
                "smile-sec: error: --emit {emit} and --format {format} disagree"
            )));
    }
    let out = smile_sec()
        .args(["allowlist", "--emit", "caddy"])
        .output()
        .unwrap();
    assert_refused(&out, &["'caddy'", "--emit"]);
    let out = smile_sec()
        .args(["allowlist", "--emit", "nftables", "--port", "0"])
        .output()
        .unwrap();
    assert_refused(&out, &["'0'", "--port"]);
}

/// Scripts that pass `--format` to every command: text fits every snippet, json fits the list.
#[test]
fn format_that_agrees_with_emit() {
    for target in [
        "nginx", "apache", "iptables", "nftables", "haproxy", "k8s", "text",
    ] {
        assert_eq!(
            emit(&["--emit", target, "--format", "text"]),
            emit(&["--emit", target]),
            "{target}"
        );
    }
    assert_eq!(
        emit(&["--emit", "json", "--format", "json"]),
        emit(&["--format", "json"])
    );
}

#[test]
fn every_snippet_is_stamped_and_complete() {
    for target in SNIPPETS {
        let text = emit(&["--emit", target]);
        assert_stamped(&text);
        for addr in PRODUCTION.iter().chain(&SANDBOX) {
            assert!(text.contains(addr), "{target} lacks {addr}:\n{text}");
        }
    }
}

#[test]
fn nginx_snippet_passes_nginx_t() {
    let text = emit(&["--emit", "nginx"]);
    assert!(text.contains("allow 34.240.137.52;  # production\n"));
    assert!(text.trim_end().ends_with("deny all;"));
    if !have("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let snippet = dir.path().join("smile-id.conf");
    std::fs::write(&snippet, &text).unwrap();
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "pid {pid};\nerror_log stderr;\nevents {{}}\nhttp {{\n  access_log off;\n  server {{\n    listen 127.0.0.1:18080;\n    location /smile-id/callback {{\n      include {snippet};\n      return 204;\n    }}\n  }}\n}}\n",
            pid = dir.path().join("nginx.pid").display(),
            snippet = snippet.display()
        ),
    )
    .unwrap();
    let out = nginx_t(dir.path(), &conf);
    assert!(
        out.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The check can fail: a broken snippet is refused.
    std::fs::write(&snippet, text.replace("deny all;", "deny all")).unwrap();
    assert!(!nginx_t(dir.path(), &conf).status.success());
}

/// nginx reads `255.255.255.255` as its own "no address" and refuses a configuration that
/// allows it: `--emit nginx` refuses the entry (exit 2, naming it) rather than print a snippet
/// that breaks the server's reload. The other formats write it.
#[test]
fn an_address_nginx_cannot_read_is_refused_for_nginx_only() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    for entry in ["255.255.255.255", "255.255.255.255/32"] {
        std::fs::write(
            &list,
            format!("34.240.137.52 production\n{entry} production\n"),
        )
        .unwrap();
        let out = smile_sec()
            .args(["allowlist", "--emit", "nginx", "--allowlist"])
            .arg(&list)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let first = crate::common::assert_error_report(&out.stderr, &["255.255.255.255/32"]);
        assert!(first.contains("nginx cannot read it"), "{first}");
        for target in SNIPPETS.iter().filter(|&&t| t != "nginx") {
            let out = smile_sec()
                .args(["allowlist", "--emit", target, "--allowlist"])
                .arg(&list)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{target}");
            assert!(String::from_utf8_lossy(&out.stdout).contains("255.255.255.255"));
        }
    }
    if !have("nginx") {
        return;
    }
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "pid {pid};\nerror_log stderr;\nevents {{}}\nhttp {{\n  access_log off;\n  server {{\n    listen 127.0.0.1:18080;\n    allow 255.255.255.255;\n    deny all;\n  }}\n}}\n",
            pid = dir.path().join("nginx.pid").display(),
        ),
    )
    .unwrap();
    let out = nginx_t(dir.path(), &conf);
    assert!(!out.status.success(), "nginx now reads 255.255.255.255");
}

fn nginx_t(prefix: &Path, conf: &Path) -> std::process::Output {
    Std::new("nginx")
        .arg("-t")
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(conf)
        .output()
        .unwrap()
}

#[test]
fn nftables_snippet_passes_nft_c() {
    let text = emit(&["--emit", "nftables", "--port", "8443"]);
    assert!(text.starts_with("#!/usr/sbin/nft -f\n"));
    assert!(text.contains("\t\ttcp dport 8443 ip saddr @sources_v4 accept\n"));
    assert!(text.contains("\t\ttcp dport 8443 drop\n"));
    assert_eq!(text.matches('{').count(), text.matches('}').count());
    if !have("nft") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smile-id.nft");
    std::fs::write(&file, &text).unwrap();
    let out = Std::new("nft")
        .arg("-c")
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && is_permission_problem(&stderr) {
        // `nft -c` still asks the kernel; without CAP_NET_ADMIN only the structure checks above ran.
        eprintln!(
            "notice: nft -c cannot reach netfilter here ({}); structure checked only",
            stderr.trim()
        );
        return;
    }
    assert!(out.status.success(), "nft -c: {stderr}");
    std::fs::write(
        &file,
        text.replace("tcp dport 8443 drop", "tcp dport 8443 dorp"),
    )
    .unwrap();
    let out = Std::new("nft")
        .arg("-c")
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn is_permission_problem(stderr: &str) -> bool {
    [
        "Operation not permitted",
        "Permission denied",
        "Protocol not supported",
        "Netlink",
    ]
    .iter()
    .any(|s| stderr.contains(s))
}

#[test]
fn apache_requires_ip_grouped_by_environment() {
    let text = emit(&["--emit", "apache"]);
    assert!(text.contains(
        "<RequireAny>\n    # production\n    Require ip 34.240.137.52 44.230.128.108 52.36.32.43 52.213.46.74\n    # sandbox\n    Require ip 35.166.227.53 44.246.19.66 54.246.37.255 99.81.237.141\n</RequireAny>\n"
    ), "{text}");
}

/// The snippet replaces the chain's rules in one restore each time it runs (never an empty
/// chain in between, so a changed list drops what it no longer holds) and jumps to it from
/// INPUT once. `iptables-restore --test` reads the rules where it can reach netfilter.
#[test]
fn iptables_accepts_only_the_list_on_the_port() {
    let text = emit(&[
        "--emit",
        "iptables",
        "--env",
        "production",
        "--port",
        "8443",
    ]);
    let rules: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let restore = |tool: &str, accepted: &[&str]| {
        let mut lines = vec![
            format!("{tool}-restore --noflush <<'SMILE_ID_CALLBACKS'"),
            "*filter".into(),
            ":SMILE_ID_CALLBACKS - [0:0]".into(),
        ];
        lines.extend(accepted.iter().map(|a| {
            format!(
                "-A SMILE_ID_CALLBACKS -s {a}/32 -m comment --comment \"smile-id production\" -j ACCEPT"
            )
        }));
        lines.extend([
            "-A SMILE_ID_CALLBACKS -j DROP".into(),
            "COMMIT".into(),
            "SMILE_ID_CALLBACKS".into(),
            format!(
                "{tool} -C INPUT -p tcp --dport 8443 -j SMILE_ID_CALLBACKS 2>/dev/null || {tool} -I INPUT -p tcp --dport 8443 -j SMILE_ID_CALLBACKS"
            ),
        ]);
        lines
    };
    let mut expected = restore(
        "iptables",
        &[
            "34.240.137.52",
            "44.230.128.108",
            "52.36.32.43",
            "52.213.46.74",
        ],
    );
    expected.extend(restore("ip6tables", &[]));
    assert_eq!(rules, expected);

    // What each restore reads, as iptables-restore reads it, with a label needing its quoting.
    if !have("iptables-restore") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "34.240.137.52 office \"a\" \\b it's\n").unwrap();
    let text = smile_sec()
        .args([
            "allowlist",
            "--emit",
            "iptables",
            "--env",
            "all",
            "--allowlist",
        ])
        .arg(&list)
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8(text).unwrap();
    let body: String = text
        .split("<<'SMILE_ID_CALLBACKS'\n")
        .nth(1)
        .and_then(|rest| rest.split("\nSMILE_ID_CALLBACKS\n").next())
        .unwrap()
        .to_owned();
    assert!(
        body.contains(r#"--comment "smile-id office \"a\" \\b it's""#),
        "{body}"
    );
    let mut child = Std::new("iptables-restore")
        .args(["--test", "--noflush"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        format!("{body}\n").as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && is_permission_problem(&stderr) {
        eprintln!(
            "notice: iptables-restore --test cannot reach netfilter here ({}); text checked only",
            stderr.trim()
        );
        return;
    }
    assert!(
        out.status.success(),
        "iptables-restore --test: {stderr}\n{body}"
    );
}

/// A list of your own labels (`prod`, `sbx`) says no environment, so a snippet for production
/// takes every entry; that is said, since it admits both environments' sources.
#[test]
fn a_list_labelled_without_environments_is_taken_whole_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("ours.txt");
    std::fs::write(&list, "34.240.137.52 prod\n35.166.227.53 sbx\n").unwrap();
    let out = smile_sec()
        .args(["allowlist", "--emit", "nginx", "--allowlist"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.contains("allow 35.166.227.53;"), "{stdout}");
    assert!(
        stderr.contains("no entry is labelled production or sandbox")
            && stderr.contains("--env production"),
        "{stderr}"
    );
    // Asked for every environment, or for a list without labels, nothing is to be said.
    let out = smile_sec()
        .args([
            "allowlist",
            "--emit",
            "nginx",
            "--env",
            "all",
            "--allowlist",
        ])
        .arg(&list)
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[test]
fn haproxy_acl_and_deny() {
    let text = emit(&["--emit", "haproxy", "--env", "sandbox"]);
    assert!(text.contains(
        "# sandbox\nacl smile_id_callback_source src 35.166.227.53 44.246.19.66 54.246.37.255 99.81.237.141\nhttp-request deny deny_status 403 unless smile_id_callback_source\n"
    ), "{text}");
}

/// A list longer than HAProxy reads on one line (64 words) is split over several `acl` lines of
/// the same name, which HAProxy ORs; `haproxy -c` takes the configuration it is pasted into.
#[test]
fn a_long_list_passes_haproxy_c() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("long.txt");
    let mut text = String::new();
    for i in 0..70 {
        text.push_str(&format!("192.0.2.{i} production\n"));
        text.push_str(&format!(
            "2001:db8:ffff:ffff:ffff:ffff:ffff:{i:x}00/120 production\n"
        ));
    }
    std::fs::write(&list, text).unwrap();
    let list = list.to_str().unwrap();
    let snippet = emit(&[
        "--emit",
        "haproxy",
        "--allowlist",
        list,
        "--env",
        "production",
    ]);
    let acls: Vec<&str> = snippet
        .lines()
        .filter(|l| l.starts_with("acl smile_id_callback_source src "))
        .collect();
    assert!(acls.len() > 1, "{snippet}");
    assert!(
        acls.iter()
            .all(|l| l.split(' ').count() <= 64 && l.len() < 2048),
        "{snippet}"
    );
    let taken: Vec<&str> = acls.iter().flat_map(|l| l.split(' ').skip(3)).collect();
    assert_eq!(taken.len(), 140, "{snippet}");
    assert!(
        taken.contains(&"192.0.2.69")
            && taken.contains(&"2001:db8:ffff:ffff:ffff:ffff:ffff:4500/120")
    );
    if !have("haproxy") {
        return;
    }
    let check = |snippet: &str| {
        let conf = dir.path().join("haproxy.cfg");
        let indented: String = snippet.lines().map(|l| format!("  {l}\n")).collect();
        std::fs::write(
            &conf,
            format!(
                "defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n\
                 frontend callbacks\n  bind 127.0.0.1:18090\n{indented}  default_backend app\n\
                 backend app\n  server app 127.0.0.1:18091\n"
            ),
        )
        .unwrap();
        Std::new("haproxy")
            .arg("-c")
            .arg("-f")
            .arg(&conf)
            .output()
            .unwrap()
    };
    let out = check(&snippet);
    assert!(out.status.success(), "haproxy -c: {out:?}");
    // The check can fail: the whole list on one line is refused.
    let one_line = format!(
        "acl smile_id_callback_source src {}\nhttp-request deny deny_status 403 unless smile_id_callback_source\n",
        taken.join(" ")
    );
    assert!(!check(&one_line).status.success());
}

#[test]
fn k8s_network_policy_with_ip_blocks_and_annotations() {
    let text = emit(&["--emit", "k8s", "--port", "8080"]);
    assert!(text.contains("kind: NetworkPolicy\n"));
    assert!(text.contains("    smile-sec/allowlist-date: \"2026-11-25\"\n"));
    assert!(text.contains(
        "    smile-sec/allowlist-source: \"Smile ID documentation, \\\"Security Overview\\\""
    ));
    assert_eq!(
        text.matches("        - ipBlock:\n            cidr: ")
            .count(),
        8
    );
    assert!(text.contains("cidr: 34.240.137.52/32  # production\n"));
    assert!(text.ends_with("      ports:\n        - protocol: TCP\n          port: 8080\n"));
}

#[test]
fn custom_file_is_stamped_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.txt");
    std::fs::write(&path, "10.0.0.0/8 production\n2001:db8::/32 sandbox\n").unwrap();
    let text = smile_sec()
        .args([
            "allowlist",
            "--emit",
            "nginx",
            "--env",
            "all",
            "--allowlist",
        ])
        .arg(&path)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(&format!("# Source: {}", path.display())),
        "{text}"
    );
    assert!(
        text.contains(
            "allow 10.0.0.0/8;  # production\nallow 2001:db8::/32;  # sandbox\ndeny all;"
        )
    );
    smile_sec()
        .args([
            "allowlist",
            "--env",
            "production",
            "--emit",
            "iptables",
            "--allowlist",
        ])
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2001:db8").not());
    std::fs::write(&path, "# nothing\n").unwrap();
    smile_sec()
        .args(["allowlist", "--allowlist"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["has no entries"]));
}

/// An entry that admits a whole address family is taken, as written, and warned about: the
/// mapped network `::ffff:0:0/96` reads as every IPv4 address.
#[test]
fn an_entry_admitting_every_address_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        "::ffff:0:0/96 production\n::/0 production\n10.0.0.0/8 production\n",
    )
    .unwrap();
    let out = smile_sec()
        .args(["ip-check", "--allowlist"])
        .arg(&list)
        .arg("1.2.3.4")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("entry 0.0.0.0/0 admits every IPv4 address"),
        "{stderr}"
    );
    assert!(
        stderr.contains("entry ::/0 admits every IPv6 address"),
        "{stderr}"
    );
    assert!(!stderr.contains("10.0.0.0/8"), "{stderr}");
    // Only the entries kept for the environment are judged.
    std::fs::write(&list, "34.240.137.52 production\n0.0.0.0/0 sandbox\n").unwrap();
    let out = smile_sec()
        .args(["allowlist", "--emit", "nginx", "--allowlist"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("admits every"), "{stderr}");
}

/// The command in a snippet's "Generated by" line, as bash reads it.
fn stamped_command(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.starts_with("# Generated by smile-sec "))
        .unwrap_or_else(|| panic!("no stamp:\n{text}"));
    let start = line.find("(smile-sec allowlist").unwrap() + 1;
    let end = line
        .rfind("); the list changes")
        .unwrap_or_else(|| panic!("{line}"));
    line[start..end].to_owned()
}

/// Runs a stamped command with bash, `smile-sec` being the binary under test; its stdout.
fn run_stamped(command: &str, dir: &Path) -> Vec<u8> {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("smile-sec");
    if !link.exists() {
        std::os::unix::fs::symlink(crate::common::binary(), &link).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Std::new("bash");
    crate::common::scrub(&mut cmd);
    let out = cmd
        .args(["-c", command])
        .env("PATH", path)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The stamp of every output is a command that gives that output again: every option that
/// changes it (`--env`, `--emit`, `--port` where a rule uses it, `--allowlist` however given) is
/// in it. A file's name is one shell word on the stamp's line, whatever it holds: nothing in it
/// runs, and no line is added to the snippet.
#[test]
fn the_stamp_is_a_command_that_reproduces_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("ours.txt");
    let list = "34.240.137.52 production\n10.0.0.0/8 office\n35.166.227.53 sandbox\n";
    std::fs::write(&plain, list).unwrap();
    let hostile = dir
        .path()
        .join("a b;$(touch PWNED)`id`'\n\"x\u{2028}\u{202e}\\");
    std::fs::write(&hostile, list).unwrap();
    let cases: &[(&[&str], Option<&Path>, bool)] = &[
        (&["--emit", "iptables", "--port", "8443"], None, false),
        (&["--emit", "nftables", "--port", "8443"], None, false),
        (&["--emit", "k8s", "--port", "8080"], None, false),
        (&["--env", "sandbox"], None, false),
        (&["--emit", "json", "--env", "sandbox"], None, false),
        (&["--emit", "apache", "--env", "all"], None, false),
        (&["--emit", "nginx"], Some(&plain), false),
        (&["--env", "production"], Some(&plain), true),
        (&["--emit", "nginx", "--env", "all"], Some(&hostile), false),
        (
            &["--emit", "iptables", "--port", "8443"],
            Some(&hostile),
            true,
        ),
        (&["--emit", "k8s", "--env", "all"], Some(&hostile), false),
        (&["--emit", "nftables"], Some(&hostile), false),
        (&["--emit", "haproxy"], Some(&hostile), false),
    ];
    for (args, file, by_variable) in cases {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path()).arg("allowlist").args(*args);
        match (file, by_variable) {
            (Some(file), true) => {
                cmd.env("SMILE_SEC_ALLOWLIST", file);
            }
            (Some(file), false) => {
                cmd.arg("--allowlist").arg(file);
            }
            (None, _) => {}
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?} {out:?}");
        if args.contains(&"json") {
            // The list as JSON has no stamp; the text list's is checked by the case before.
            continue;
        }
        let text = String::from_utf8(out.stdout.clone()).unwrap();
        let command = stamped_command(&text);
        assert_eq!(
            String::from_utf8(run_stamped(&command, dir.path())).unwrap(),
            text,
            "{args:?}: `{command}` gives another output"
        );
        if *file == Some(hostile.as_path()) {
            // The same lines as for a plain name: the name broke no comment, and ran nothing.
            let mut plain_cmd = smile_sec();
            let plain_out = plain_cmd
                .arg("allowlist")
                .args(*args)
                .arg("--allowlist")
                .arg(&plain)
                .output()
                .unwrap();
            let plain_text = String::from_utf8(plain_out.stdout).unwrap();
            assert_eq!(text.lines().count(), plain_text.lines().count(), "{text}");
            assert!(
                !text.contains(['\r', '\u{2028}', '\u{202e}']),
                "{args:?}: {text}"
            );
            assert!(command.contains("--allowlist $'"), "{command}");
            assert!(!dir.path().join("PWNED").exists());
        }
    }
}
