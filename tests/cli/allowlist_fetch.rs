//! The allowlist's secure defaults through the binary: `allowlist fetch` against saved copies of
//! the Security Overview page served on loopback (the same list, a changed list, a page with no
//! list or half of one), snippets that admit production only unless told otherwise,
//! `SMILE_SEC_ALLOWLIST`, and the warning when the built-in list is old.

use crate::common::{serve_page, smile_sec};

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
const FRESH: &str = "2026-12-01T00:00:00Z";
const OLD: &str = "2027-07-01T00:00:00Z";

/// A page in the shape of the Security Overview: text about keys, then the table.
fn page(production: &[&str], sandbox: &[&str]) -> String {
    format!(
        r#"<!doctype html><html><head><title>Security Overview</title><script>window.x = "10.1.1.1";</script></head>
<body><h1>Security Overview</h1>
<h2>API keys</h2><p>Keys are environment specific: a Sandbox key does not work in Live.</p>
<h2>IP Allowlisting</h2><p>Callbacks come from these addresses. A receiver that handles both Production and Sandbox callbacks should allow all eight.</p>
<table><thead><tr><th>Environment</th><th>Addresses</th></tr></thead><tbody>
<tr><td>Production</td><td>{}</td></tr>
<tr><td>Sandbox</td><td>{}</td></tr>
</tbody></table><h2>Certifications</h2><p>ISO 27001, SOC 2 Type II.</p></body></html>"#,
        production.join(", "),
        sandbox.join("<br/>")
    )
}

fn fetch(args: &[&str]) -> (Option<i32>, String, String) {
    let out = smile_sec()
        .args(["allowlist", "fetch", "--now", FRESH])
        .args(args)
        .env_remove("SMILE_SEC_ALLOWLIST")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_same_list_exits_0_and_is_a_usable_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_page(200, &page(&PRODUCTION, &SANDBOX), 2);
    let output = dir.path().join("list.txt");
    let (code, stdout, stderr) = fetch(&["--source", &url, "--output", output.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&format!("# Source: {url}")), "{stdout}");
    assert!(stdout.contains(&format!("# Read: {FRESH}")), "{stdout}");
    assert!(!stdout.contains("10.1.1.1"), "{stdout}");
    for ip in PRODUCTION {
        assert!(stdout.contains(&format!("{ip}/32")), "{stdout}");
    }
    assert_eq!(std::fs::read_to_string(&output).unwrap(), stdout);
    // Written beside it first, then renamed over it (twice): nothing else is left in the folder.
    let (code, _, stderr) = fetch(&["--source", &url, "--output", output.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["list.txt"]);
    assert!(stderr.contains("the same as the built-in list"), "{stderr}");
    // The written list is an --allowlist file that keeps its environments.
    smile_sec()
        .args(["ip-check", "--env", "sandbox", "--allowlist"])
        .arg(&output)
        .args(["99.81.237.141", "34.240.137.52"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("allowed  99.81.237.141"));
    // A snippet made from it is stamped with the page and when it was read, not with the file.
    let out = smile_sec()
        .args(["allowlist", "--emit", "nginx", "--allowlist"])
        .arg(&output)
        .output()
        .unwrap();
    let snippet = String::from_utf8_lossy(&out.stdout);
    assert!(
        snippet.contains(&format!("# Source: {url} (saved in {})", output.display())),
        "{snippet}"
    );
    assert!(
        snippet.contains(&format!("# Date: {FRESH} (read by allowlist fetch)")),
        "{snippet}"
    );
}

#[test]
fn a_changed_list_exits_1_and_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut production = PRODUCTION.to_vec();
    production[3] = "52.213.46.99";
    let url = serve_page(200, &page(&production, &SANDBOX), 2);
    let output = dir.path().join("list.txt");
    let (code, stdout, stderr) = fetch(&["--source", &url, "--output", output.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout.contains("52.213.46.99/32      production"),
        "{stdout}"
    );
    assert!(stderr.contains("added since the built-in list"), "{stderr}");
    assert!(stderr.contains("52.213.46.99/32 (production)"), "{stderr}");
    assert!(
        stderr.contains("removed since the built-in list (2026-11-25): 52.213.46.74/32"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap(), stdout);
    // Against the list just written (named by SMILE_SEC_ALLOWLIST): the same.
    let out = smile_sec()
        .args(["allowlist", "fetch", "--now", FRESH, "--source", &url])
        .env("SMILE_SEC_ALLOWLIST", &output)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_page_without_a_whole_list_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("list.txt");
    std::fs::write(&output, "# the list in use\n34.240.137.52 production\n").unwrap();
    let no_list = "<html><body><h1>Security Overview</h1><p>We moved the addresses to the dashboard (Production and Sandbox).</p></body></html>";
    let pages = [
        (
            200,
            no_list.to_owned(),
            "no callback address of either environment",
        ),
        (
            200,
            page(&PRODUCTION, &[]),
            "no sandbox callback address was found in the page, only production ones",
        ),
        (
            200,
            page(&[], &SANDBOX),
            "no production callback address was found in the page, only sandbox ones",
        ),
        (404, page(&PRODUCTION, &SANDBOX), "404"),
    ];
    for (status, body, why) in pages {
        let url = serve_page(status, &body, 1);
        let (code, stdout, stderr) =
            fetch(&["--source", &url, "--output", output.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{why}: {stderr}");
        assert!(stdout.is_empty(), "{why}: {stdout}");
        assert!(
            stderr.starts_with("smile-sec: error: ") && stderr.contains(why),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(&output).unwrap(),
            "# the list in use\n34.240.137.52 production\n"
        );
    }
    // Nothing listening.
    let nothing = crate::common::closed_port();
    let closed = format!("http://{}/", nothing.addr);
    assert_eq!(fetch(&["--source", &closed]).0, Some(2));
}

/// Printed into a pipe already closed (`| head` gone), a changed list still exits 1 and says what
/// changed on stderr: under `set -o pipefail` a changed list never reads as the same one.
#[test]
fn a_changed_list_into_a_closed_pipe_still_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    let mut production = PRODUCTION.to_vec();
    production[3] = "52.213.46.99";
    std::fs::write(&saved, page(&production, &SANDBOX)).unwrap();
    for format in ["text", "json"] {
        let (read_end, write_end) = std::io::pipe().unwrap();
        drop(read_end);
        let out = crate::common::smile_sec_process()
            .args(["allowlist", "fetch", "--now", FRESH, "--format", format])
            .arg("--source")
            .arg(&saved)
            .env_remove("SMILE_SEC_ALLOWLIST")
            .stdout(write_end)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.contains("52.213.46.99/32"), "{format}: {stderr}");
        assert!(!stderr.contains("error"), "{format}: {stderr}");
    }
}

#[test]
fn a_saved_copy_is_read_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    std::fs::write(&saved, page(&PRODUCTION, &SANDBOX)).unwrap();
    let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.ends_with("sandbox")).count(), 4);
    let text = dir.path().join("overview.txt");
    std::fs::write(&text, "Production: 34.240.137.52\nSandbox: 35.166.227.53\n").unwrap();
    let (code, _, stderr) = fetch(&["--source", text.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("6 removed"), "{stderr}");
}

#[test]
fn a_snippet_admits_production_only_unless_told() {
    for emit in [
        "nginx", "apache", "iptables", "nftables", "haproxy", "k8s", "text", "json",
    ] {
        let out = smile_sec()
            .args(["allowlist", "--emit", emit, "--now", FRESH])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for ip in PRODUCTION {
            assert!(text.contains(ip), "{emit}: {text}");
        }
        for ip in SANDBOX {
            assert!(!text.contains(ip), "{emit}: {text}");
        }
        let all = smile_sec()
            .args(["allowlist", "--emit", emit, "--env", "all", "--now", FRESH])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&all.stdout);
        for ip in PRODUCTION.iter().chain(&SANDBOX) {
            assert!(text.contains(ip), "{emit} --env all: {text}");
        }
    }
    // The list shown without --emit holds both.
    for args in [&[][..], &["--format", "json"], &["--format", "text"]] {
        let out = smile_sec()
            .arg("allowlist")
            .args(args)
            .args(["--now", FRESH])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for ip in PRODUCTION.iter().chain(&SANDBOX) {
            assert!(text.contains(ip), "{args:?}: {text}");
        }
    }
    // ip-check still checks against both.
    smile_sec()
        .args(["ip-check", "99.81.237.141", "--now", FRESH])
        .assert()
        .success();
}

#[test]
fn smile_sec_allowlist_names_the_list_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("ours.txt");
    std::fs::write(&list, "203.0.113.7 production\n").unwrap();
    smile_sec()
        .args(["ip-check", "203.0.113.7", "--now", OLD])
        .env("SMILE_SEC_ALLOWLIST", &list)
        .assert()
        .success()
        .stderr("");
    smile_sec()
        .args(["allowlist", "--emit", "nginx", "--now", OLD])
        .env("SMILE_SEC_ALLOWLIST", &list)
        .assert()
        .success()
        .stdout(predicates::str::contains("allow 203.0.113.7;"))
        .stderr("");
    // The flag wins, and the variable that lost is named.
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "198.51.100.1 production\n").unwrap();
    smile_sec()
        .args(["ip-check", "198.51.100.1", "--now", FRESH, "--allowlist"])
        .arg(&other)
        .env("SMILE_SEC_ALLOWLIST", &list)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "SMILE_SEC_ALLOWLIST is set but not used: --allowlist",
        ));
}

#[test]
fn an_old_built_in_list_is_said_once() {
    for args in [
        &["ip-check", "34.240.137.52", "1.2.3.4"][..],
        &["allowlist"][..],
        &["allowlist", "--emit", "nginx"][..],
    ] {
        let out = smile_sec()
            .args(args)
            .args(["--now", OLD])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("may have changed"))
            .collect();
        assert_eq!(warnings.len(), 1, "{args:?}: {stderr}");
        assert!(warnings[0].starts_with("smile-sec: warning: "), "{stderr}");
        assert!(
            warnings[0].contains("smile-sec allowlist fetch"),
            "{stderr}"
        );
        // Fresh, or with a list of one's own: no warning.
        let out = smile_sec()
            .args(args)
            .args(["--now", FRESH])
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stderr).contains("may have changed"));
        let out = smile_sec()
            .args(args)
            .args(["--now", OLD])
            .env("SMILE_SEC_NOW", OLD)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains("may have changed"));
    }
    // By the clock when no --now is given: SMILE_SEC_NOW stands for it.
    let out = smile_sec()
        .args(["allowlist"])
        .env("SMILE_SEC_NOW", OLD)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("may have changed"));
}

/// "Older than 180 days" counts to the moment, from the start of the day the list was checked.
#[test]
fn the_built_in_list_turns_old_past_180_days_to_the_moment() {
    let checked =
        chrono::NaiveDate::parse_from_str(smile_sec::ip::allowlist::BUILT_IN_DATE, "%Y-%m-%d")
            .unwrap()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
    for (after, warned) in [
        (chrono::Duration::days(180), false),
        (
            chrono::Duration::days(180) + chrono::Duration::hours(12),
            true,
        ),
    ] {
        let now = (checked + after).to_rfc3339();
        let out = smile_sec()
            .args(["ip-check", "34.240.137.52", "--now", &now])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.contains("may have changed"),
            warned,
            "{now}: {stderr}"
        );
    }
}

#[test]
fn fetch_in_json_is_entries_then_a_summary_of_the_changes() {
    let mut production = PRODUCTION.to_vec();
    production[0] = "34.240.137.99";
    let url = serve_page(200, &page(&production, &SANDBOX), 1);
    let (code, stdout, stderr) = fetch(&["--source", &url, "--format", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9);
    assert_eq!(
        lines[0],
        serde_json::json!({"type": "entry", "entry": "34.240.137.99/32", "label": "production"})
    );
    let summary = &lines[8];
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["entries"], 8);
    assert_eq!(summary["same"], false);
    assert_eq!(summary["read_at"], FRESH);
    assert_eq!(
        summary["added"],
        serde_json::json!(["34.240.137.99/32 (production)"])
    );
    assert_eq!(
        summary["removed"],
        serde_json::json!(["34.240.137.52/32 (production)"])
    );
}

/// A page listing an address no callback comes from is refused with that reason, not as an
/// address written so that parsers disagree.
#[test]
fn a_loopback_or_unspecified_address_is_refused_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    for (address, reason) in [
        ("127.0.0.1", "which is a loopback address"),
        ("::1", "which is a loopback address"),
        ("0.0.0.0", "which is the unspecified address"),
    ] {
        let mut production = PRODUCTION.to_vec();
        production.push(address);
        std::fs::write(&saved, page(&production, &SANDBOX)).unwrap();
        let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{address}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(&format!(
                "the page lists `{address}` among the production addresses, {reason}"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("plain dotted"), "{stderr}");
    }
}

/// A proxy on loopback for one request: it answers a `CONNECT` (as ureq sends even for
/// `http://` through a proxy) and then the request inside the tunnel, or a plain proxied `GET`,
/// with `body`; the first line of what it was asked is sent back to the test. It stops after
/// that one connection.
fn serve_proxy(body: String) -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let head = |stream: &mut std::net::TcpStream| {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 64 << 10 {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => break,
            }
        }
        String::from_utf8_lossy(&head).into_owned()
    };
    std::thread::spawn(move || {
        let Some(Ok(mut stream)) = listener.incoming().next() else {
            return;
        };
        let first = head(&mut stream);
        let _ = tx.send(first.lines().next().unwrap_or_default().to_owned());
        if first.starts_with("CONNECT ") {
            let _ = stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            head(&mut stream);
        }
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(reply.as_bytes());
    });
    (format!("http://{addr}"), rx)
}

/// `allowlist fetch` reads the page through the proxy the proxy variables name, as `callback
/// send` does, and reaches the hosts NO_PROXY lists directly.
#[test]
fn fetch_goes_through_the_proxy_the_variables_name() {
    let (proxy, asked) = serve_proxy(page(&PRODUCTION, &SANDBOX));
    let out = smile_sec()
        .args(["allowlist", "fetch", "--now", FRESH, "--source"])
        .arg("http://security-overview.invalid/further-reading/security-overview")
        .env("HTTP_PROXY", &proxy)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let first = asked.recv().unwrap();
    assert!(first.contains("security-overview.invalid"), "{first}");
    // NO_PROXY: straight to the page, past a proxy that is not there.
    let nothing = crate::common::closed_port();
    let closed = format!("http://{}", nothing.addr);
    let url = serve_page(200, &page(&PRODUCTION, &SANDBOX), 1);
    let out = smile_sec()
        .args(["allowlist", "fetch", "--now", FRESH, "--source", &url])
        .env("HTTPS_PROXY", &closed)
        .env("NO_PROXY", "127.0.0.1")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Text a browser hides by an inline style (`visibility`, `opacity`, `font-size`, however
/// written) is not taken; one whose style this reading cannot judge refuses the page.
#[test]
fn text_a_style_hides_is_not_taken() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    for style in [
        "visibility:hidden",
        "visibility: hidden !important",
        "opacity:0",
        "opacity:0.0",
        "font-size:0",
        "font-size:0px",
    ] {
        let mut production = PRODUCTION.to_vec();
        let hidden = format!("<span style=\"{style}\">6.6.6.6</span>");
        production.push(&hidden);
        std::fs::write(&saved, page(&production, &SANDBOX)).unwrap();
        let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{style}: {stderr}");
        assert!(!stdout.contains("6.6.6.6"), "{style}: {stdout}");
    }
    let mut production = PRODUCTION.to_vec();
    production.push("<span style=\"opacity: var(--faded)\">6.6.6.6</span>");
    std::fs::write(&saved, page(&production, &SANDBOX)).unwrap();
    let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("`6.6.6.6` inside an element styled `opacity: var(--faded)`"),
        "{stderr}"
    );
}
/// Markup is read as a browser reads it: `</span-x>` ends no hidden `<span>`, and a hidden item
/// whose `</li>` is left out ends at the next `<li>`, which shows: its address is taken, the
/// hidden item's is not.
#[test]
fn hidden_content_ends_where_a_browser_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    let mut production = PRODUCTION.to_vec();
    production.push("<span hidden></span-x>6.6.6.6</span>");
    std::fs::write(&saved, page(&production, &SANDBOX)).unwrap();
    let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("6.6.6.6"), "{stdout}");
    let mut sandbox = SANDBOX[..SANDBOX.len() - 1].to_vec();
    let last = format!(
        "<ul><li hidden>retired: 6.6.6.6<li>{}</ul>",
        SANDBOX[SANDBOX.len() - 1]
    );
    sandbox.push(&last);
    std::fs::write(&saved, page(&PRODUCTION, &sandbox)).unwrap();
    let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(SANDBOX[SANDBOX.len() - 1]), "{stdout}");
    assert!(!stdout.contains("6.6.6.6"), "{stdout}");
}

/// `--source` with a port the HTTP client cannot read went to port 80; it is refused before
/// anything is read or written.
#[test]
fn a_source_with_a_port_that_is_none_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("list.txt");
    for port in ["99999", "abc", "-1", "4294967376"] {
        let url = format!("http://127.0.0.1:{port}/further-reading/security-overview");
        let (code, stdout, stderr) =
            fetch(&["--source", &url, "--output", output.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{port}: {stderr}");
        assert!(stdout.is_empty(), "{port}: {stdout}");
        assert!(
            stderr.contains(&format!(
                "`{url}`: the port `{port}` is not a number from 1 to 65535"
            )),
            "{port}: {stderr}"
        );
        assert!(!output.exists(), "{port}");
    }
}

/// A redirect to a URL whose port is none is held to what the first URL is: the page it leads to
/// (which the client reads from port 80) is not taken.
#[test]
fn a_redirect_to_a_port_that_is_none_is_refused() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // One request, then the thread ends.
        if let Some(Ok(mut stream)) = listener.incoming().next() {
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            let _ = stream.write_all(
                b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/page.html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("list.txt");
    let (code, stdout, stderr) = fetch(&[
        "--source",
        &format!("http://{addr}/further-reading/security-overview"),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("a redirect led to `http://127.0.0.1:99999/page.html`: the port `99999`"),
        "{stderr}"
    );
    assert!(!output.exists());

    // A redirect to a relative place on the same server is followed, as a browser follows it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = page(&PRODUCTION, &SANDBOX);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().take(2).enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            let reply = if n == 0 {
                "HTTP/1.1 301 Moved\r\nLocation: moved/page.html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
            } else {
                assert!(head.starts_with(b"GET /further-reading/moved/page.html "));
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    let (code, _, stderr) = fetch(&[
        "--source",
        &format!("http://{addr}/further-reading/security-overview"),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
}

/// A proxy variable that cannot be used is refused, as for `callback send`: the page was read
/// directly, around the proxy.
#[test]
fn a_proxy_variable_that_cannot_be_used_is_refused() {
    let url = serve_page(200, &page(&PRODUCTION, &SANDBOX), 1);
    let out = smile_sec()
        .args(["allowlist", "fetch", "--now", FRESH, "--source", &url])
        .env("ALL_PROXY", "socks5://probe:s3cretpw@127.0.0.1:1")
        .output()
        .unwrap();
    let line =
        crate::common::assert_refused(&out, &["ALL_PROXY: socks5:// proxies cannot be used"]);
    assert!(!line.contains("s3cretpw"), "{line}");
}

/// A page is read as UTF-8: one that is not (UTF-16 after its byte-order mark, a byte of
/// another encoding) is refused, since a browser would read other characters from it. A UTF-8
/// byte-order mark is passed over.
#[test]
fn a_page_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    let utf8 = page(&PRODUCTION, &SANDBOX);
    let mut with_mark = b"\xef\xbb\xbf".to_vec();
    with_mark.extend_from_slice(utf8.as_bytes());
    std::fs::write(&saved, &with_mark).unwrap();
    let (code, _, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let mut utf16 = b"\xff\xfe".to_vec();
    utf16.extend_from_slice(utf8.as_bytes());
    let mut latin1 = utf8.clone().into_bytes();
    latin1.extend_from_slice(b"<p>caf\xe9</p>");
    for bytes in [utf16, latin1] {
        std::fs::write(&saved, &bytes).unwrap();
        let (code, stdout, stderr) = fetch(&["--source", saved.to_str().unwrap()]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("the page is not UTF-8 text"), "{stderr}");
    }
}

#[test]
fn output_dash_is_refused_not_written_as_a_file_named_dash() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("security-overview.html");
    std::fs::write(&saved, page(&PRODUCTION, &SANDBOX)).unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args([
            "allowlist",
            "fetch",
            "--now",
            FRESH,
            "--output",
            "-",
            "--source",
        ])
        .arg(&saved)
        .env_remove("SMILE_SEC_ALLOWLIST")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("--output"), "{stderr}");
    assert!(stderr.contains("standard output already"), "{stderr}");
    assert!(!dir.path().join("-").exists());
}
