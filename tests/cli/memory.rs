//! Peak memory stays small and independent of input size: `ip-check --count`
//! over millions of lines on stdin, and `verify` over a large NDJSON file.
//!
//! Peak resident memory is read with GNU time (`/usr/bin/time -f %M`, the child's getrusage
//! maxrss; Debian package `time`, installed by .ci/run). Sizes are chosen for the debug binary on
//! two cores: about 15 s in all. `scripts/memory.sh` runs the same checks with the release binary
//! at full size (1 million distinct callbacks, 16 million address lines).
//!
//! What `verify` keeps: in-run replay detection remembers each distinct accepted callback
//! (its pair id and where its body is, 32 bytes, plus an 8-byte slot in a hash table: about 60
//! bytes at peak while the two grow). So memory is flat in the number of *lines*, and grows with the number of *distinct
//! accepted* callbacks; the test below holds the distinct count fixed and varies the line count.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{binary, scrub};

use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::Signer;

const GNU_TIME: &str = "/usr/bin/time";
const KEY: &str = "memory-test-key-0123456789";
const PARTNER: &str = "085";
const NOW: &str = "2026-06-01T00:00:00Z";

/// Runs the binary with `args`, stdin from `input`, output discarded; returns (exit code, peak
/// RSS in KiB), or `None` when GNU time is missing outside CI.
fn peak_kib(args: &[&str], input: &Path) -> Option<(i32, u64)> {
    if !Path::new(GNU_TIME).exists() {
        crate::common::skip_missing(GNU_TIME);
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rss");
    let status = scrub(&mut Command::new(GNU_TIME))
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(binary())
        .args(args)
        .env("SMILE_API_KEY", KEY)
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    // GNU time writes "Command exited with non-zero status N" before the number when N != 0.
    let kib = text
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .next_back()
        .unwrap_or_else(|| panic!("no maxrss in {text:?}"));
    Some((status.code().unwrap(), kib))
}

fn write_lines(path: &Path, lines: &[String], total: usize) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for n in 0..total {
        out.write_all(lines[n % lines.len()].as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn ip_check_count_memory_does_not_grow_with_input() {
    let dir = tempfile::tempdir().unwrap();
    // Allowed, denied, every accepted spelling, and invalid lines (one of them long).
    let lines: Vec<String> = [
        "34.240.137.52",
        "1.2.3.4",
        "52.36.32.43:443",
        "[::ffff:44.230.128.108]:80",
        "2001:db8::1",
        "  10.0.0.1  ",
        "not an address",
        &"9".repeat(300),
    ]
    .map(str::to_owned)
    .to_vec();
    let small = dir.path().join("1m.txt");
    let large = dir.path().join("4m.txt");
    write_lines(&small, &lines, 1_000_000);
    write_lines(&large, &lines, 4_000_000);
    let Some((code_small, rss_small)) = peak_kib(&["ip-check", "--count"], &small) else {
        return;
    };
    let (code_large, rss_large) = peak_kib(&["ip-check", "--count"], &large).unwrap();
    eprintln!("ip-check --count: 1M lines {rss_small} KiB, 4M lines {rss_large} KiB");
    assert_eq!((code_small, code_large), (2, 2), "invalid lines → exit 2");
    assert!(rss_large < 32 * 1024, "4M lines peaked at {rss_large} KiB");
    assert!(
        rss_large.abs_diff(rss_small) < 4 * 1024,
        "peak grew from {rss_small} KiB (1M lines) to {rss_large} KiB (4M lines)"
    );
}

#[test]
fn verify_memory_does_not_grow_with_the_number_of_lines() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new(&ApiKey::new(KEY).unwrap());
    // 1000 distinct signed callbacks, resent over and over (honest duplicates): the replay
    // record holds 1000 entries whatever the file's length, so any growth is the framing's.
    let lines: Vec<String> = (0..1000)
        .map(|n| {
            let ts = format!("2026-06-01T00:00:{:02}.{:03}Z", n / 1000, n % 1000);
            format!(
                r#"{{"timestamp":"{ts}","signature":"{}","SmileJobID":"{n:07}","ResultCode":"1012","ResultText":"ID Number Validated"}}"#,
                signer.sign(&ts, PARTNER)
            )
        })
        .collect();
    let small = dir.path().join("small.ndjson");
    let large = dir.path().join("large.ndjson");
    write_lines(&small, &lines, 40_000);
    write_lines(&large, &lines, 160_000);
    let args = [
        "verify",
        "--partner-id",
        PARTNER,
        "--now",
        NOW,
        "--format",
        "json",
    ];
    let Some((code_small, rss_small)) = peak_kib(&args, &small) else {
        return;
    };
    let (code_large, rss_large) = peak_kib(&args, &large).unwrap();
    eprintln!("verify: 40k lines {rss_small} KiB, 160k lines {rss_large} KiB");
    assert_eq!((code_small, code_large), (0, 0));
    assert!(
        rss_large < 48 * 1024,
        "160k lines peaked at {rss_large} KiB"
    );
    assert!(
        rss_large.abs_diff(rss_small) < 4 * 1024,
        "peak grew from {rss_small} KiB (40k lines) to {rss_large} KiB (160k lines)"
    );
}

/// An element of a top-level array larger than 16 MiB is an error for that element alone, read
/// without being held: a 60 MiB element costs no more memory than a 20 MiB one, and the
/// elements after it are still checked.
#[test]
fn a_huge_array_element_is_skipped_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new(&ApiKey::new(KEY).unwrap());
    let ts = "2026-05-31T23:59:00.000Z";
    let good = format!(
        r#"{{"timestamp":"{ts}","signature":"{}"}}"#,
        signer.sign(ts, PARTNER)
    );
    let write = |name: &str, mib: usize| {
        let path = dir.path().join(name);
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(out, "[{good},\n{{\"blob\":\"").unwrap();
        let chunk = "x]}{\\\"".repeat(1 << 10);
        for _ in 0..(mib << 20) / chunk.len() {
            out.write_all(chunk.as_bytes()).unwrap();
        }
        write!(out, "\"}},\n{good}]").unwrap();
        out.flush().unwrap();
        path
    };
    let small = write("20.json", 20);
    let large = write("60.json", 60);
    let args = ["verify", "--partner-id", PARTNER, "--now", NOW, "-"];
    let Some((code_small, rss_small)) = peak_kib(&args, &small) else {
        return;
    };
    let (code_large, rss_large) = peak_kib(&args, &large).unwrap();
    eprintln!("huge element: 20 MiB {rss_small} KiB, 60 MiB {rss_large} KiB");
    assert_eq!((code_small, code_large), (2, 2));
    assert!(
        rss_large < rss_small + 16 * 1024,
        "peak grew from {rss_small} KiB (20 MiB element) to {rss_large} KiB (60 MiB element)"
    );
    assert!(
        rss_large < 100 * 1024,
        "a 60 MiB element peaked at {rss_large} KiB"
    );
}
