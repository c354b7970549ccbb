//! `verify` reads line-laid-out files in pieces that its workers frame on their own, and frames in
//! order from any line that opens a value it does not close (`chunks`). Whatever the piece size,
//! the items must be exactly those of the reference framer (`payload::for_each_item`), with the
//! same numbers, and the output must not change. Pieces of 1 and 7 bytes split every item.

use std::path::Path;

use crate::common::verify_json;
use serde_json::{Value, json};
use smile_sec::ingest::payload::{Item, for_each_item};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

const KEY: &str = "pieces-test-key";
const NOW: &str = "2026-11-20T10:05:00Z";

fn verify(path: &Path, piece_bytes: Option<usize>) -> Vec<Value> {
    let mut cmd = verify_json(KEY, NOW);
    cmd.arg(path);
    if let Some(n) = piece_bytes {
        cmd.env("SMILE_SEC_PIECE_BYTES", n.to_string());
    }
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (item number, what it is) as the reference framer sees `data`.
fn reference(data: &[u8]) -> Vec<(u64, &'static str)> {
    let mut items = Vec::new();
    for_each_item(data, |n, item| {
        items.push((
            n,
            match item {
                Item::Callback(_) => "callback",
                Item::NotAnObject => "not_an_object",
                Item::ParseError(_) => "parse_error",
            },
        ));
        Ok(())
    })
    .unwrap();
    items
}

fn found(results: &[Value]) -> Vec<(u64, &'static str)> {
    results
        .iter()
        .filter(|r| r["type"] == "result")
        .map(|r| {
            let kind = match r["reason"].as_str().unwrap() {
                "parse_error" => "parse_error",
                "not_an_object" => "not_an_object",
                _ => "callback",
            };
            (r["item"].as_u64().unwrap(), kind)
        })
        .collect()
}

fn assert_same_everywhere(path: &Path) {
    let data = std::fs::read(path).unwrap();
    let whole = verify(path, None);
    assert_eq!(found(&whole), reference(&data), "{}", path.display());
    for piece in [1, 7, 100] {
        assert_eq!(
            verify(path, Some(piece)),
            whole,
            "{} in pieces of {piece} bytes",
            path.display()
        );
    }
}

#[test]
fn every_framing_corpus_input_reads_the_same_in_any_pieces() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/payload_framing");
    let mut inputs: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(inputs.len() > 100, "the corpus is there");
    for path in inputs {
        assert_same_everywhere(&path);
    }
}

/// Lines too long to hold, which the reading thread skips: one that starts another value after a
/// truncated line is an item of its own, one inside a pretty-printed value is part of it, read
/// the same in any pieces as the reference reads them.
#[test]
fn lines_too_long_to_hold_frame_as_the_reference_does() {
    let dir = tempfile::tempdir().unwrap();
    let ts = "2026-11-20T10:00:00.000Z";
    let good = json!({"signature": sign(&ApiKey::new(KEY).unwrap(), ts, "085"), "timestamp": ts})
        .to_string();
    let long = "A".repeat(smile_sec::ingest::payload::MAX_ITEM_BYTES + 10);
    for (name, text) in [
        (
            "after-truncated.ndjson",
            format!("{good}\n{{\"a\":\n{{\"image\":\"{long}\"}}\n{good}\n"),
        ),
        (
            "inside-pretty.json",
            format!("{good}\n{{\n  \"image\": \"{long}\",\n  \"n\": 1\n}}\n{good}\n"),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        assert_same_everywhere(&path);
    }
}

/// Replays and resends whose earlier body sits in a pretty-printed object or after a truncated
/// line: the offsets the in-order framing gives must lead back to the right bytes.
#[test]
fn bodies_read_back_after_in_order_framing_compare_right() {
    let ts = "2026-11-20T10:00:00.000Z";
    let sig = sign(&ApiKey::new(KEY).unwrap(), ts, "085");
    let body = |job: &str| json!({"SmileJobID": job, "signature": sig, "timestamp": ts});
    let pretty = serde_json::to_string_pretty(&body("job-1")).unwrap();
    let input = format!(
        "{{\"truncated\": [1,\n{pretty}\n{}\n{}\n{pretty}\n",
        body("job-1"),
        body("job-2"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.ndjson");
    std::fs::write(&path, &input).unwrap();
    assert_same_everywhere(&path);
    let reasons: Vec<(u64, String)> = verify(&path, Some(7))
        .iter()
        .filter(|r| r["type"] == "result")
        .map(|r| {
            (
                r["item"].as_u64().unwrap(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pretty_lines = pretty.lines().count() as u64;
    let expected = [
        (1, "parse_error"),
        (2, "ok"),
        (2 + pretty_lines, "ok"),
        (3 + pretty_lines, "replayed"),
        (4 + pretty_lines, "ok"),
    ];
    assert_eq!(reasons, expected.map(|(n, r)| (n, r.to_owned())), "{input}");
}
