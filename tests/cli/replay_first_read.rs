//! In-run replay detection judges a repeated pair on the body as it was first read, never by
//! reading the file again: a file rewritten while `verify` runs cannot turn an honest resend into
//! a replay, nor a replay into a resend.

use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::process::Stdio;

use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::Signer;

const KEY: &str = "replay-first-read-key";

#[test]
fn a_resend_is_judged_on_the_body_first_read() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new(&ApiKey::new(KEY).unwrap());
    let line = |n: u64, body: &str| {
        let ts = format!(
            "2026-11-20T10:{:02}:{:02}.{:03}Z",
            n / 60_000 % 60,
            n / 1000 % 60,
            n % 1000
        );
        format!(
            "{{\"timestamp\":\"{ts}\",\"signature\":\"{}\",\"body\":\"{body}\"}}\n",
            signer.sign(&ts, "085")
        )
    };
    // The first callback, many others, and the first again, byte for byte: an honest resend.
    let first = line(0, "original");
    let mut text = first.clone();
    for n in 1..150_000 {
        text.push_str(&line(n, "other"));
    }
    text.push_str(&first);
    let path = dir.path().join("in.ndjson");
    std::fs::write(&path, &text).unwrap();

    let mut child = crate::common::smile_sec_process()
        .args([
            "verify",
            "in.ndjson",
            "--partner-id",
            "085",
            "--now",
            "2026-11-20T11:00:00Z",
        ])
        .current_dir(dir.path())
        .env("SMILE_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first_result = String::new();
    out.read_line(&mut first_result).unwrap();
    assert!(first_result.starts_with("ok "), "{first_result}");
    // The first callback has been read and judged: now its bytes change on disk (same length).
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    file.write_all(line(0, "REWRITES").as_bytes()).unwrap();
    drop(file);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let last = rest.lines().rev().nth(1).unwrap();
    assert!(
        last.starts_with("ok ") && last.contains("duplicate of an earlier callback"),
        "the resend was judged on the rewritten file: {last}"
    );
    assert!(
        rest.lines().last().unwrap().contains("(1 duplicate)"),
        "{rest}"
    );
    assert_eq!(status.code(), Some(0));
}
