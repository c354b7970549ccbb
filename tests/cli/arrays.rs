//! A file that is one JSON array is cut into elements by its brackets on the reading thread, and
//! the workers check each cut; from the first element that is not one valid value (or that cannot
//! be cut), the file is read again by serde_json's stream reader. Stdin cannot be read again: its
//! elements are checked as they are cut, and the stream reader goes on from the first that fails,
//! after a stand-in for what came before it (`array`). The same bytes must print the same results
//! either way, errors and their positions included, wherever in the array (and in which batch) the
//! trouble sits. (The fuzz target `array_framing` holds both to the stream reader alone.)

use std::path::Path;

use crate::common::verify_json;
use serde_json::{Value, json};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::Signer;

const KEY: &str = "arrays-test-key";
const NOW: &str = "2026-11-20T12:00:00Z";
/// More elements than a batch holds (512), so that trouble late in the array is met after
/// batches of guesses were handed on.
const ELEMENTS: usize = 1500;

/// `verify --format json` of `path`, or of its bytes on stdin: the result lines with their
/// `source` removed and the summary, then the exit code and the messages on stderr, with the
/// file's name as stdin's (`-`).
fn verify(path: &Path, stdin: bool) -> (Vec<Value>, Option<i32>, String) {
    let mut cmd = verify_json(KEY, NOW);
    if stdin {
        cmd.write_stdin(std::fs::read(path).unwrap());
    } else {
        cmd.arg(path);
    }
    let out = cmd.output().unwrap();
    let results = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            if let Some(object) = value.as_object_mut() {
                object.remove("source");
            }
            value
        })
        .collect();
    let stderr = String::from_utf8(out.stderr)
        .unwrap()
        .replace(&path.display().to_string(), "-");
    (results, out.status.code(), stderr)
}

/// Signed callbacks, with honest resends (the same bytes again) and replays (a pair again with
/// another body) among them, so that bodies are read back from the file by their offsets.
fn elements() -> Vec<String> {
    let signer = Signer::new(&ApiKey::new(KEY).unwrap());
    let callback = |i: usize, job: &str| {
        let ts = format!(
            "2026-11-20T11:{:02}:{:02}.{:03}Z",
            i / 600,
            i / 10 % 60,
            i % 1000
        );
        json!({
            "SmileJobID": job,
            "PartnerParams": {"job_id": format!("job-{i}"), "job_type": 5},
            "ResultCode": "1012",
            "signature": signer.sign(&ts, "085"),
            "timestamp": ts,
        })
        .to_string()
    };
    (0..ELEMENTS)
        .map(|i| match i % 97 {
            // A resend of an element some way back: in an earlier batch, often.
            13 => callback(i - 600.min(i), "job"),
            // A replay: that pair with another body.
            29 => callback(i - 550.min(i), "another job"),
            _ => callback(i, "job"),
        })
        .collect()
}

fn array(elements: &[String]) -> String {
    format!("[{}]", elements.join(","))
}

#[test]
fn a_file_array_reads_as_the_stream_reader_reads_it_wherever_it_goes_wrong() {
    let good = elements();
    let with = |at: usize, element: &str| {
        let mut elements = good.clone();
        elements[at] = element.to_owned();
        array(&elements)
    };
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(110), "]".repeat(110));
    let whole = array(&good);
    let cases = [
        ("valid", whole.clone()),
        (
            "valid, pretty",
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&whole).unwrap()).unwrap(),
        ),
        ("a broken element early", with(3, r#"{"b":}"#)),
        (
            "a broken element after white space",
            format!("\n \n  {}", with(5, r#"{"b":}"#)),
        ),
        ("a broken element late", with(1200, r#"{"b":"x"]"#)),
        ("an unclosed string late", with(1300, r#"{"b":"x}"#)),
        ("a missing comma", {
            let (before, after) = good.split_at(900);
            format!("[{} {}]", before.join(","), after.join(","))
        }),
        ("truncated", whole[..whole.len() - 400].to_owned()),
        ("a deep element", with(700, &deep)),
        (
            "an escaped key",
            with(800, r#"{"sign\u0061ture":"x","s":"a\"b"}"#),
        ),
        (
            "not objects",
            with(1000, "5").replacen(&good[1001], "[1,\"]\"]", 1),
        ),
        ("bytes after the array", format!("{whole} x")),
        ("a number too large", with(1100, r#"{"a":1e400}"#)),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in cases {
        let path = dir.path().join("callbacks.json");
        std::fs::write(&path, &text).unwrap();
        let from_file = verify(&path, false);
        assert!(from_file.0.len() > 3, "{name}: {from_file:?}");
        assert_eq!(from_file, verify(&path, true), "{name}");
        let (from_file, _, messages) = from_file;
        if name == "valid" {
            // Every element checked, the resends and replays found.
            let summary = from_file.last().unwrap();
            assert_eq!(summary["checked"], ELEMENTS, "{summary}");
            let reasons: Vec<&str> = from_file
                .iter()
                .filter_map(|r| r["reason"].as_str())
                .collect();
            assert!(reasons.contains(&"replayed"), "{reasons:?}");
            assert!(summary["duplicates"].as_u64().unwrap() > 5, "{summary}");
        }
        if matches!(
            name,
            "a broken element early" | "a broken element late" | "a missing comma"
        ) {
            // The one element that cannot be read is an error, and every other is checked.
            let summary = from_file.last().unwrap();
            assert_eq!(summary["checked"], ELEMENTS, "{name}: {summary}");
            assert_eq!(summary["errors"], 1, "{name}: {summary}");
        }
        if name == "a broken element after white space" {
            // Its place in the file counts the lines and columns before the array.
            let column = text.lines().nth(2).unwrap().find(r#"{"b":}"#).unwrap() + 6;
            assert!(
                messages.contains(&format!("-:6: expected value at line 3 column {column}")),
                "{messages}"
            );
        }
        if name == "a broken element late" {
            // Element 1200 counted from 0: item 1201.
            let error = from_file.iter().find(|r| r["item"] == 1201).unwrap();
            assert_eq!(error["reason"], "parse_error", "{error}");
            // Its place in the whole file, as the stream reader counts it.
            let column = text.find(r#"{"b":"x"]"#).unwrap() + 9;
            assert!(
                messages.contains(&format!(
                    "-:1201: expected `,` or `}}` at line 1 column {column}"
                )),
                "{messages}"
            );
        }
    }
}

/// An element over 16 MiB is a `parse_error` of its own; the elements before and after it are
/// checked, from a file and from stdin alike, and an error after it says where it is in the file.
#[test]
fn an_element_over_16_mib_is_an_error_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new(&ApiKey::new(KEY).unwrap());
    let good = |job: &str| {
        let ts = format!(
            "2026-11-20T11:59:0{}.000Z",
            job.len() + job.as_bytes()[0] as usize % 7
        );
        format!(
            r#"{{"timestamp":"{ts}","signature":"{}","job":"{job}"}}"#,
            signer.sign(&ts, "085")
        )
    };
    // Brackets, quotes and escapes inside, so that skipping it must read strings right.
    let blob = "]}[{\\\"".repeat((17 << 20) / 6);
    // An object, a string and a number (each read from a file or from stdin: the stream reader
    // is slow in a debug build, so not every pairing).
    let kinds = [
        (
            format!(r#"{{"blob":"{blob}","n":[1,{{"x":"]"}}]}}"#),
            &[false, true][..],
        ),
        (format!(r#""{blob}""#), &[false][..]),
        ("1".repeat(17 << 20), &[true][..]),
    ];
    for (i, (big, modes)) in kinds.iter().enumerate() {
        let text = format!(
            "[{},\n  {big},\n  {},\n  {}\n]\n",
            good("a"),
            good("b"),
            good("c")
        );
        let path = dir.path().join(format!("big-{i}.json"));
        std::fs::write(&path, &text).unwrap();
        for &stdin in *modes {
            let (results, code, stderr) = verify(&path, stdin);
            let reasons: Vec<&str> = results
                .iter()
                .filter(|r| r["type"] == "result")
                .map(|r| r["reason"].as_str().unwrap())
                .collect();
            assert_eq!(
                reasons,
                ["ok", "parse_error", "ok", "ok"],
                "kind {i}, stdin {stdin}: {stderr}"
            );
            assert_eq!(code, Some(2));
            assert!(
                stderr.contains("-:2: item is larger than 16 MiB"),
                "{stderr}"
            );
            assert_eq!(results[1]["error"], "item is larger than 16 MiB");
        }
    }
    // After the large element, an error is placed as in the file.
    let big = &kinds[0].0;
    let text = format!("[{},\n  {big},\n  {{\"a\": }}\n]\n", good("a"));
    let path = dir.path().join("broken.json");
    std::fs::write(&path, &text).unwrap();
    let (results, code, stderr) = verify(&path, false);
    assert_eq!(code, Some(2));
    assert_eq!(results[2]["reason"], "parse_error", "{stderr}");
    assert!(
        stderr.contains("-:3: expected value at line 3 column 9"),
        "{stderr}"
    );
}
