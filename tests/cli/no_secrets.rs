//! No secret in any output: every command, every output format,
//! success and failure paths, run with a recognisable canary key. Neither stream may carry the key
//! (raw, base64, base64url, hex) nor any signature the run could have computed, except that `sign`
//! and `callback new`/`send` print the one signature they produce (that is their job). `--help`
//! must not show environment values, and no `Debug` output of a type holding a key may show it.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::common::{Handler, fingerprint, serve, smile_sec};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

const KEY: &str = "SMILE-SEC-CANARY-KEY-0123456789";
const SANDBOX_KEY: &str = "SMILE-SEC-CANARY-SANDBOX-KEY-9876543210";
const PARTNER: &str = "085";
const NOW: &str = "2026-03-01T12:00:00Z";
/// `NOW` as `sign` and `callback new` spell a default timestamp.
const NOW_MS: &str = "2026-03-01T12:00:00.000Z";
const TS_SIGN: &str = "2026-03-01T11:59:00.000Z";
/// The timestamps the callbacks below carry.
const TS: [&str; 8] = [
    "2026-03-01T11:58:00.001Z",
    "2026-03-01T11:58:00.002Z",
    "2026-03-01T11:58:00.003Z",
    "2026-03-01T11:58:00.004Z",
    "2026-03-01T11:58:00.005Z",
    "2026-03-01T11:58:00.006Z",
    "2025-01-01T00:00:00.000Z",
    "2026-03-02T12:00:00.000Z",
];

fn key(text: &str) -> ApiKey {
    ApiKey::new(text).unwrap()
}

fn sig(key_text: &str, ts: &str, partner: &str) -> String {
    sign(&key(key_text), ts, partner)
}

// ---------------------------------------------------------------------------------------------
// What must not appear

/// The spellings of a secret or signature a careless program might print: raw, standard base64
/// and base64url (unpadded, so a padded copy matches too), hex.
fn spellings(bytes: &[u8]) -> Vec<Vec<u8>> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        bytes.to_vec(),
        STANDARD_NO_PAD.encode(bytes).into_bytes(),
        URL_SAFE_NO_PAD.encode(bytes).into_bytes(),
        hex.clone().into_bytes(),
        hex.to_uppercase().into_bytes(),
    ]
}

/// Every signature spelling a run could have computed, looked up by a sliding window (there are
/// thousands, so `contains` per needle would be slow).
#[derive(Default)]
struct Signatures {
    /// Unpadded standard base64 and base64url: 43 characters.
    b64: HashSet<Vec<u8>>,
    /// Lower-case hex: 64 characters (output is lower-cased before the lookup).
    hex: HashSet<Vec<u8>>,
    signed: HashSet<String>,
}

impl Signatures {
    /// Every key variant `verify --explain` may try (white space added or removed), every
    /// partner-ID variant (zero padding), both keys.
    fn add_timestamp(&mut self, ts: &str) {
        if !self.signed.insert(ts.to_owned()) {
            return;
        }
        let partners = [PARTNER, "85", "0085", "00085", "000085", "0851"];
        for base in [KEY, SANDBOX_KEY] {
            for prefix in ["", " ", "\t", "\n"] {
                for suffix in ["", "\n", "\r\n", " ", "\t"] {
                    let k = key(&format!("{prefix}{base}{suffix}"));
                    for partner in partners {
                        self.add_signature(&sign(&k, ts, partner));
                    }
                }
            }
        }
    }

    fn add_signature(&mut self, padded: &str) {
        let raw = STANDARD.decode(padded).unwrap();
        self.b64.insert(STANDARD_NO_PAD.encode(&raw).into_bytes());
        self.b64.insert(URL_SAFE_NO_PAD.encode(&raw).into_bytes());
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        self.hex.insert(hex.into_bytes());
    }

    /// The first computed signature found in `text` that is not in `allowed`.
    fn find_in(&self, text: &[u8], allowed: &[String]) -> Option<String> {
        let allowed: HashSet<Vec<u8>> = allowed
            .iter()
            .flat_map(|s| {
                let raw = STANDARD.decode(s).unwrap();
                let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
                [
                    STANDARD_NO_PAD.encode(&raw).into_bytes(),
                    URL_SAFE_NO_PAD.encode(&raw).into_bytes(),
                    hex.into_bytes(),
                ]
            })
            .collect();
        let lower = text.to_ascii_lowercase();
        let b64 = text
            .windows(43)
            .find(|w| self.b64.contains(*w) && !allowed.contains(*w));
        let hex = || {
            lower
                .windows(64)
                .find(|w| self.hex.contains(*w) && !allowed.contains(*w))
        };
        b64.or_else(hex)
            .map(|w| String::from_utf8_lossy(w).into_owned())
    }
}

/// Timestamp-shaped strings in `text` (`YYYY-MM-DDTHH:MM:SS` and what follows of a fraction and
/// zone), so that a timestamp the run made up itself (a default "now") is signed too.
fn timestamps_in(text: &[u8]) -> Vec<String> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    let fits = |w: &[u8]| {
        w.iter().zip(SHAPE).all(|(&c, &s)| match s {
            b'd' => c.is_ascii_digit(),
            other => c == other,
        })
    };
    let mut found = Vec::new();
    for start in 0..text.len().saturating_sub(SHAPE.len() - 1) {
        if !fits(&text[start..start + SHAPE.len()]) {
            continue;
        }
        let rest = &text[start + SHAPE.len()..];
        let tail = rest
            .iter()
            .take_while(|c| c.is_ascii_digit() || b".:+-Z".contains(c))
            .count();
        for end in SHAPE.len()..=SHAPE.len() + tail {
            found.push(String::from_utf8_lossy(&text[start..start + end]).into_owned());
        }
    }
    found
}

fn key_needles() -> Vec<Vec<u8>> {
    let mut needles = Vec::new();
    for k in [KEY, SANDBOX_KEY] {
        needles.extend(spellings(k.as_bytes()));
    }
    needles
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Fails when `text` (named `what`) holds a key spelling or a computed signature not in `allowed`.
fn assert_clean(sigs: &mut Signatures, what: &str, text: &[u8], allowed: &[String]) {
    for needle in key_needles() {
        assert!(
            !contains(text, &needle),
            "{what} leaks the key as {:?}:\n{}",
            String::from_utf8_lossy(&needle),
            String::from_utf8_lossy(text)
        );
    }
    for ts in timestamps_in(text) {
        sigs.add_timestamp(&ts);
    }
    if let Some(found) = sigs.find_in(text, allowed) {
        panic!(
            "{what} prints a computed signature {found}:\n{}",
            String::from_utf8_lossy(text)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The fixture: key files, callbacks, bodies

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

fn callback(ts: &str, signature: Option<&str>, extra: &str) -> String {
    let mut line = format!(r#"{{"timestamp":"{ts}""#);
    if let Some(s) = signature {
        line.push_str(&format!(r#","signature":"{s}""#));
    }
    line.push_str(&format!(r#","SmileJobID":"0000001"{extra}}}"#));
    line
}

fn fixture() -> Fixture {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture {
        dir: tempfile::tempdir().unwrap(),
    };
    f.write("api.key", format!("{KEY}\n"));
    f.write("sandbox.key", format!("{SANDBOX_KEY}\n"));
    f.write("empty.key", "\n");
    f.write("nonutf8.key", [KEY.as_bytes(), b"\xff\xfe\n"].concat());
    // Key files for their owner only, or audit fails them (secret_file_permissions).
    for name in ["api.key", "sandbox.key", "empty.key", "nonutf8.key"] {
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(f.dir.path().join(name), private).unwrap();
    }
    let entry = |id: &str, env: &str, created: &str, integrations: &str, secret: &str| {
        format!(
            r#"{{"id":"{id}","partner_id":"{PARTNER}","environment":"{env}","integrations":{integrations},"created":"{created}"{secret}}}"#
        )
    };
    let keys = format!(
        r#"{{"keys":[{},{},{},{},{}]}}"#,
        entry(
            "live",
            "production",
            "2026-01-01",
            r#"["server"]"#,
            r#","api_key_file":"api.key""#
        ),
        entry(
            "sandbox",
            "sandbox",
            "2025-01-01",
            r#"["server"]"#,
            &format!(r#","api_key":"{SANDBOX_KEY}""#)
        ),
        entry(
            "mobile",
            "sandbox",
            "2026-02-01",
            r#"["mobile","web"]"#,
            r#","api_key_env":"CANARY_PROD_KEY""#
        ),
        entry(
            "ghost",
            "production",
            "2026-02-01",
            r#"["server"]"#,
            r#","api_key_env":"CANARY_UNSET_VARIABLE""#
        ),
        entry("paper", "production", "2026-02-01", r#"["server"]"#, ""),
    );
    let path = f.write("keys.json", keys);
    // Readable by others: `exposed_inline_secret` is one of the findings audit reports.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    f.write(
        "keys-ok.json",
        format!(
            r#"{{"keys":[{}]}}"#,
            entry(
                "live",
                "production",
                "2026-02-15",
                r#"["server"]"#,
                r#","api_key_file":"api.key""#
            )
        ),
    );
    // Broken key files, each holding the key somewhere an error message might quote it.
    let broken = [
        format!(r#"{{"keys":[{{"id":"live","api_key":"{KEY}",}}]}}"#),
        format!(r#"{{"keys":[{{"id":"live","api_key":["{KEY}"]}}]}}"#),
        format!(r#"{{"keys":[{{"id":"live","api_key":{{"{KEY}":1}}}}]}}"#),
        format!(r#"{{"keys":[{{"id":"live","api_kee":"{KEY}"}}]}}"#),
        format!(r#"{{"keys":[{{"id":"live","api_key":"{KEY}"#),
        // (A key used as a field name is named by the unknown-field error, as the key file rules require.)
        format!(r#"{{"keys":[{{"id":"live","api_key":"{KEY}"}}]}}"#),
        format!(
            r#"{{"keys":[{}]}}"#,
            entry(
                "live",
                "production",
                "2026-01-01",
                r#"["server"]"#,
                &format!(r#","api_key":"{KEY}","api_key_env":"X""#)
            )
        ),
        format!(
            r#"{{"keys":[{}]}}"#,
            entry(
                "live",
                "production",
                "2026-01-01",
                r#"["server"]"#,
                &format!(r#","api_key":"{KEY}","extra":"{KEY}""#)
            )
        ),
        // The key pasted where the variable's name belongs: a likely mistake.
        format!(
            r#"{{"keys":[{}]}}"#,
            entry(
                "live",
                "production",
                "2026-01-01",
                r#"["server"]"#,
                &format!(r#","api_key_env":"{KEY}""#)
            )
        ),
    ];
    for (n, text) in broken.iter().enumerate() {
        f.write(&format!("broken-{n}.json"), text);
    }
    std::fs::create_dir(f.path("a-directory")).unwrap();

    let good = |ts: &str| sig(KEY, ts, PARTNER);
    let raw_good = STANDARD.decode(good(TS[4])).unwrap();
    let lines = [
        callback(TS[0], Some(&good(TS[0])), &format!(r#","note":"{KEY}""#)),
        callback(TS[1], Some(&sig(SANDBOX_KEY, TS[1], PARTNER)), ""),
        callback(TS[2], Some(&sig(KEY, TS[2], "85")), ""),
        callback(TS[3], Some(&sig(&format!("{KEY}\n"), TS[3], PARTNER)), ""),
        callback(TS[4], Some(&URL_SAFE_NO_PAD.encode(&raw_good)), ""),
        callback(TS[5], Some(&STANDARD.encode([7u8; 32])), ""),
        callback(TS[0], Some(&good(TS[0])), r#","forged":true"#),
        callback(TS[0], Some(&good(TS[0])), &format!(r#","note":"{KEY}""#)),
        callback(TS[6], Some(&good(TS[6])), ""),
        callback(TS[7], Some(&good(TS[7])), ""),
        callback(TS[5], None, ""),
        callback(TS[5], Some(KEY), ""),
        format!(r#"{{"timestamp":"{}","signature":"{KEY}"#, TS[5]),
        "[1,2,3]".to_owned(),
    ];
    f.write("callbacks.ndjson", lines.join("\n") + "\n");
    f.write(
        "good.ndjson",
        [
            callback(TS[0], Some(&good(TS[0])), ""),
            callback(TS[1], Some(&good(TS[1])), ""),
        ]
        .join("\n"),
    );
    f.write("one.json", callback(TS[0], Some(&good(TS[0])), ""));
    f.write("body.json", r#"{"job":"1","partner_id":"x"}"#);
    f.write("array.json", "[1]");
    f.write("bad.json", format!("{{\"x\":\"{KEY}\""));
    f.write("allow.txt", "34.240.137.52 prod\n10.0.0.0/8 office\n");
    f
}

// ---------------------------------------------------------------------------------------------
// Runs

struct Run {
    args: Vec<OsString>,
    stdin: Vec<u8>,
    env: Vec<(&'static str, String)>,
    code: i32,
    /// Signatures this run may print (`sign`, `callback new`/`send`).
    allowed: Vec<String>,
    /// Files the run writes that must be clean too.
    files: Vec<PathBuf>,
}

fn run<S: AsRef<std::ffi::OsStr>>(code: i32, args: &[S]) -> Run {
    Run {
        args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
        stdin: Vec::new(),
        env: Vec::new(),
        code,
        allowed: Vec::new(),
        files: Vec::new(),
    }
}

impl Run {
    fn env_key(mut self) -> Self {
        self.env.push(("SMILE_API_KEY", KEY.to_owned()));
        self
    }
    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = bytes.into();
        self
    }
    fn allow(mut self, signature: String) -> Self {
        self.allowed.push(signature);
        self
    }
    fn file(mut self, path: PathBuf) -> Self {
        self.files.push(path);
        self
    }
}

fn check(f: &Fixture, sigs: &mut Signatures, bodies: &Mutex<Vec<Vec<u8>>>, r: &Run) {
    let mut cmd = smile_sec();
    cmd.current_dir(f.dir.path())
        .env("CANARY_PROD_KEY", KEY)
        .env_remove("CANARY_UNSET_VARIABLE");
    for (name, value) in &r.env {
        cmd.env(name, value);
    }
    let out = cmd
        .args(&r.args)
        .write_stdin(r.stdin.clone())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    // The probe signs timestamps of its own making: learn them from what the endpoints got.
    for body in bodies.lock().unwrap().drain(..) {
        for ts in timestamps_in(&body) {
            sigs.add_timestamp(&ts);
        }
    }
    let label = format!("smile-sec {:?}", r.args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(r.code),
        "{label}: exit code\nstdout:\n{}\nstderr:\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("internal error"), "{label}: {stderr}");
    let errors = crate::common::assert_reports(&out.stderr);
    if r.code == 2 {
        assert!(
            !errors.is_empty(),
            "{label}: exit 2 without an error line:\n{stderr}"
        );
    }
    assert_clean(sigs, &format!("{label} stdout"), &out.stdout, &r.allowed);
    assert_clean(sigs, &format!("{label} stderr"), &out.stderr, &r.allowed);
    for path in &r.files {
        let bytes = std::fs::read(path).unwrap();
        assert_clean(sigs, &format!("{label} {}", path.display()), &bytes, &[]);
    }
}

fn sign_runs() -> Vec<Run> {
    let own = sig(KEY, TS_SIGN, PARTNER);
    let mut runs = Vec::new();
    for format in ["text", "json", "headers", "env"] {
        let base = [
            "sign",
            "--partner-id",
            PARTNER,
            "--timestamp",
            TS_SIGN,
            "--format",
            format,
        ];
        runs.push(run(0, &[&base[..], &["--api-key-file", "api.key"]].concat()).allow(own.clone()));
        runs.push(run(0, &base).env_key().allow(own.clone()));
        runs.push(
            run(
                0,
                &[
                    "sign",
                    "--keys",
                    "keys.json",
                    "--key",
                    "sandbox",
                    "--timestamp",
                    TS_SIGN,
                    "--format",
                    format,
                ],
            )
            .allow(sig(SANDBOX_KEY, TS_SIGN, PARTNER)),
        );
    }
    let signing = ["sign", "--partner-id", PARTNER, "--timestamp", TS_SIGN];
    let with = |extra: &[&str]| -> Vec<String> {
        signing.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    runs.extend([
        run(
            0,
            &["sign", "--keys", "keys.json", "--key", "live", "--now", NOW],
        )
        .allow(sig(KEY, NOW_MS, PARTNER)),
        run(
            0,
            &[
                "sign",
                "--keys",
                "keys.json",
                "--key",
                "mobile",
                "--now",
                NOW,
            ],
        )
        .allow(sig(KEY, NOW_MS, PARTNER)),
        run(0, &with(&["--api-key-file", "-"]))
            .stdin(format!("{KEY}\n"))
            .allow(own.clone()),
        run(0, &with(&["--body", "body.json"]))
            .env_key()
            .allow(own.clone()),
        run(0, &with(&["--body", "-", "--format", "json"]))
            .env_key()
            .stdin(r#"{"a":1}"#)
            .allow(own.clone()),
        run(2, &with(&["--body", "bad.json"])).env_key(),
        run(2, &with(&["--body", "array.json"])).env_key(),
        run(2, &with(&["--body", "missing.json"])).env_key(),
        run(2, &with(&["--api-key-file", "missing.key"])),
        run(2, &with(&["--api-key-file", "empty.key"])),
        run(2, &with(&["--api-key-file", "nonutf8.key"])),
        run(2, &with(&["--api-key-file", "a-directory"])),
        run(2, &with(&["--api-key-file", "-"])).stdin(""),
        run(2, &with(&["--api-key-file", "-"])).stdin([KEY.as_bytes(), b"\xff"].concat()),
        run(2, &with(&[])),
        run(2, &["sign", "--timestamp", TS_SIGN]).env_key(),
        run(2, &["sign", "--keys", "keys.json", "--timestamp", TS_SIGN]),
        run(2, &["sign", "--keys", "keys.json", "--key", "nope"]),
        run(2, &["sign", "--keys", "keys.json", "--key", "ghost"]),
        run(2, &["sign", "--keys", "keys.json", "--key", "paper"]),
        run(2, &["sign", "--keys", "missing.json", "--key", "live"]),
        run(2, &["sign", "--keys", "a-directory", "--key", "live"]),
        run(2, &with(&["--api-key", KEY])),
        run(2, &with(&[&format!("--api-key={KEY}")])),
        run(2, &with(&["--format", "bogus"])).env_key(),
    ]);
    for n in 0..9 {
        let file = format!("broken-{n}.json");
        runs.push(run(2, &["sign", "--keys", &file, "--key", "live"]));
    }
    runs
}

fn verify_runs(f: &Fixture) -> Vec<Run> {
    let mut runs = Vec::new();
    let seen = f.path("seen.db");
    let seen_arg = seen.to_str().unwrap().to_owned();
    let seen2 = f.path("seen2.db");
    let seen2_arg = seen2.to_str().unwrap().to_owned();
    for format in ["text", "json"] {
        let all = [
            "verify",
            "callbacks.ndjson",
            "--now",
            NOW,
            "--max-age",
            "1h",
            "--format",
            format,
        ];
        let with = |extra: &[&str]| -> Vec<String> {
            all.iter().chain(extra).map(|a| a.to_string()).collect()
        };
        runs.extend([
            run(2, &with(&["--partner-id", PARTNER])).env_key(),
            run(
                2,
                &with(&[
                    "--partner-id",
                    PARTNER,
                    "--api-key-file",
                    "api.key",
                    "--explain",
                    "--keys",
                    "keys.json",
                    "--env",
                    "production",
                ]),
            ),
            run(2, &with(&["--keys", "keys.json", "--explain"])),
            run(
                2,
                &with(&[
                    "--keys",
                    "keys.json",
                    "--env",
                    "production",
                    "--explain",
                    "--seen",
                    &seen_arg,
                ]),
            )
            .file(seen.clone()),
            run(2, &with(&["--partner-id", "85", "--explain"])).env_key(),
            run(
                0,
                &[
                    "verify",
                    "good.ndjson",
                    "--partner-id",
                    PARTNER,
                    "--now",
                    NOW,
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(
                0,
                &[
                    "verify",
                    "--keys",
                    "keys.json",
                    "--key",
                    "live",
                    "--now",
                    NOW,
                    "--format",
                    format,
                    "--seen",
                    &seen2_arg,
                ],
            )
            .stdin(std::fs::read(f.path("good.ndjson")).unwrap())
            .file(seen2.clone()),
            run(
                1,
                &[
                    "verify",
                    "-",
                    "--partner-id",
                    PARTNER,
                    "--now",
                    NOW,
                    "--explain",
                    "--format",
                    format,
                ],
            )
            .env_key()
            .stdin(callback(
                TS[2],
                Some(
                    &STANDARD.encode(
                        STANDARD
                            .decode(sig(&format!(" {KEY}"), TS[2], PARTNER))
                            .unwrap(),
                    ),
                ),
                "",
            )),
        ]);
    }
    let good = [
        "verify",
        "good.ndjson",
        "--partner-id",
        PARTNER,
        "--now",
        NOW,
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        good.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    runs.extend([
        run(2, &with(&["--api-key-file", "missing.key"])),
        run(2, &with(&["--api-key-file", "empty.key"])),
        run(2, &with(&["--api-key-file", "nonutf8.key"])),
        run(2, &with(&["--api-key-file", "a-directory"])),
        run(2, &with(&["--max-age", "forever"])).env_key(),
        run(2, &with(&["--seen", "no/such/folder/seen.db"])).env_key(),
        run(2, &with(&["--seen", "a-directory"])).env_key(),
        run(2, &with(&["missing.ndjson"])).env_key(),
        run(2, &with(&["--api-key", KEY])),
        run(2, &["verify", "good.ndjson", "--now", NOW]).env_key(),
        run(
            2,
            &[
                "verify",
                "good.ndjson",
                "--keys",
                "keys.json",
                "--key",
                "ghost",
            ],
        ),
        run(
            2,
            &[
                "verify",
                "good.ndjson",
                "--keys",
                "keys.json",
                "--key",
                "paper",
            ],
        ),
        run(2, &["verify", "good.ndjson", "--keys", "missing.json"]),
        run(2, &["verify", "good.ndjson"]),
    ]);
    for n in 0..9 {
        let file = format!("broken-{n}.json");
        runs.push(run(2, &["verify", "good.ndjson", "--keys", &file]));
        runs.push(run(
            2,
            &["verify", "good.ndjson", "--keys", &file, "--explain"],
        ));
    }
    runs
}

fn other_runs() -> Vec<Run> {
    let mut runs = Vec::new();
    // A key file, or a key, given as an allowlist by mistake: the refused line is not repeated.
    for file in ["api.key", "keys.json"] {
        runs.extend([
            run(2, &["ip-check", "--allowlist", file, "1.2.3.4"]),
            run(2, &["allowlist", "--allowlist", file]),
        ]);
    }
    for format in ["text", "json"] {
        runs.extend([
            run(
                2,
                &[
                    "ip-check",
                    "34.240.137.52",
                    "1.2.3.4",
                    "01.2.3.4",
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(0, &["ip-check", "--format", format])
                .env_key()
                .stdin("34.240.137.52\n[::ffff:52.36.32.43]:443\n"),
            run(1, &["ip-check", "--count", "--format", format])
                .env_key()
                .stdin("34.240.137.52\n1.2.3.4\n"),
            run(
                0,
                &[
                    "ip-check",
                    "--allowlist",
                    "allow.txt",
                    "10.1.2.3",
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(
                0,
                &[
                    "ip-check",
                    "--peer",
                    "10.0.0.1",
                    "--trusted-proxy",
                    "10.0.0.0/8",
                    "--forwarded-for",
                    "34.240.137.52",
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(
                2,
                &[
                    "ip-check",
                    "--allowlist",
                    "missing.txt",
                    "1.2.3.4",
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(
                2,
                &[
                    "ip-check",
                    "--allowlist",
                    "a-directory",
                    "1.2.3.4",
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(0, &["allowlist", "--format", format]).env_key(),
            run(
                2,
                &[
                    "allowlist",
                    "--allowlist",
                    "a-directory",
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(
                1,
                &[
                    "audit",
                    "--keys",
                    "keys.json",
                    "--now",
                    NOW,
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(
                0,
                &[
                    "audit",
                    "--keys",
                    "keys-ok.json",
                    "--now",
                    NOW,
                    "--format",
                    format,
                ],
            )
            .env_key(),
            run(2, &["audit", "--keys", "missing.json", "--format", format]).env_key(),
            run(2, &["audit", "--keys", "api.key", "--format", format]).env_key(),
        ]);
        for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
            runs.push(run(0, &["completions", shell, "--format", format]).env_key());
        }
    }
    for emit in [
        "text", "json", "nginx", "apache", "iptables", "nftables", "haproxy", "k8s",
    ] {
        runs.push(run(0, &["allowlist", "--emit", emit]).env_key());
        runs.push(
            run(
                0,
                &["allowlist", "--allowlist", "allow.txt", "--emit", emit],
            )
            .env_key(),
        );
    }
    for format in ["sarif", "github"] {
        runs.push(run(
            1,
            &[
                "audit",
                "--keys",
                "keys.json",
                "--now",
                NOW,
                "--format",
                format,
            ],
        ));
        runs.push(run(
            2,
            &["audit", "--keys", "broken-0.json", "--format", format],
        ));
    }
    for n in 0..9 {
        let file = format!("broken-{n}.json");
        runs.push(run(2, &["audit", "--keys", &file, "--now", NOW]));
    }
    runs.push(run(2, &["completions", "tcsh"]).env_key());
    runs.push(run(2, &["no-such-command"]).env_key());
    runs
}

fn callback_runs(endpoints: &Endpoints) -> Vec<Run> {
    let own = sig(KEY, TS_SIGN, PARTNER);
    let mut runs = Vec::new();
    for format in ["text", "json"] {
        let new = [
            "callback",
            "new",
            "--partner-id",
            PARTNER,
            "--format",
            format,
        ];
        let with = |extra: &[&str]| -> Vec<String> {
            new.iter().chain(extra).map(|a| a.to_string()).collect()
        };
        runs.extend([
            run(0, &with(&["--timestamp", TS_SIGN]))
                .env_key()
                .allow(own.clone()),
            run(0, &with(&["--now", NOW, "--api-key-file", "api.key"]))
                .allow(sig(KEY, NOW_MS, PARTNER)),
            run(2, &with(&["--timestamp", TS_SIGN])),
            run(2, &with(&["--api-key-file", "nonutf8.key"])),
            run(
                2,
                &[
                    "callback",
                    "new",
                    "--keys",
                    "broken-8.json",
                    "--key",
                    "live",
                ],
            ),
        ]);
        for (url, code) in [
            (&endpoints.accept, 0),
            (&endpoints.refuse, 1),
            (&endpoints.echo, 1),
        ] {
            let send = [
                "callback",
                "send",
                url.as_str(),
                "--partner-id",
                PARTNER,
                "--format",
                format,
            ];
            let with = |extra: &[&str]| -> Vec<String> {
                send.iter().chain(extra).map(|a| a.to_string()).collect()
            };
            runs.extend([
                run(code, &with(&["--timestamp", TS_SIGN]))
                    .env_key()
                    .allow(own.clone()),
                run(code, &with(&["--now", NOW, "--api-key-file", "api.key"]))
                    .allow(sig(KEY, NOW_MS, PARTNER)),
                // A saved callback sent as it is; the key is at hand in the environment.
                run(code, &with(&["one.json"]))
                    .env_key()
                    .allow(sig(KEY, TS[0], PARTNER)),
                run(code, &with(&["-"]))
                    .env_key()
                    .stdin(callback(TS_SIGN, Some(&own), ""))
                    .allow(own.clone()),
            ]);
            for strict in [&[][..], &["--strict"][..]] {
                let probe = [
                    "callback",
                    "probe",
                    url.as_str(),
                    "--partner-id",
                    PARTNER,
                    "--format",
                    format,
                ];
                runs.push(run(1, &[&probe[..], strict].concat()).env_key());
            }
        }
        runs.extend([
            run(
                2,
                &[
                    "callback",
                    "send",
                    &endpoints.closed,
                    "--format",
                    format,
                    "--partner-id",
                    PARTNER,
                ],
            )
            .env_key(),
            run(
                2,
                &[
                    "callback",
                    "probe",
                    &endpoints.closed,
                    "--format",
                    format,
                    "--partner-id",
                    PARTNER,
                ],
            )
            .env_key(),
            run(
                2,
                &["callback", "probe", &endpoints.accept, "--format", format],
            ),
            run(
                2,
                &[
                    "callback",
                    "send",
                    &endpoints.accept,
                    "bad.json",
                    "--format",
                    format,
                ],
            )
            .env_key(),
        ]);
    }
    runs
}

/// Loopback endpoints for `callback send`/`probe`; `bodies` collects every request's body, so
/// that every timestamp the probe signed is known.
struct Endpoints {
    accept: String,
    refuse: String,
    /// Answers with the API key and the signature it expected: a careless endpoint.
    echo: String,
    closed: String,
    _closed_held: crate::common::ClosedPort,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

fn endpoints() -> Endpoints {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let recording = |status: u16, echo: bool| -> Handler {
        let bodies = Arc::clone(&bodies);
        Box::new(move |body: &[u8]| {
            bodies.lock().unwrap().push(body.to_vec());
            let text = if echo {
                let ts = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v["timestamp"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!(
                    r#"{{"error":"mismatch","key":"{KEY}","expected":"{}"}}"#,
                    sig(KEY, &ts, PARTNER)
                )
            } else {
                r#"{"ok":true}"#.to_owned()
            };
            (status, text)
        })
    };
    let nothing = crate::common::closed_port();
    Endpoints {
        accept: serve(recording(200, false)),
        refuse: serve(recording(401, false)),
        echo: serve(recording(401, true)),
        closed: format!("http://{}/", nothing.addr),
        _closed_held: nothing,
        bodies,
    }
}

#[test]
fn no_command_prints_the_key_or_an_expected_signature() {
    let f = fixture();
    let mut sigs = Signatures::default();
    for ts in TS.iter().chain([&TS_SIGN, &NOW_MS]) {
        sigs.add_timestamp(ts);
    }
    let endpoints = endpoints();
    let runs: Vec<Run> = [
        sign_runs(),
        verify_runs(&f),
        other_runs(),
        callback_runs(&endpoints),
    ]
    .into_iter()
    .flatten()
    .collect();
    for r in &runs {
        check(&f, &mut sigs, &endpoints.bodies, r);
    }
    let count = runs.len();
    assert!(count > 150, "only {count} runs");
}

#[test]
fn help_shows_no_environment_values() {
    let values = [
        ("SMILE_API_KEY", KEY),
        ("SMILE_PARTNER_ID", "CANARY-PARTNER-4242"),
        ("SMILE_SEC_KEYS", "/CANARY/keys-path.json"),
        ("SMILE_SEC_NOW", "2031-02-03T04:05:06Z"),
    ];
    let commands: [&[&str]; 11] = [
        &[],
        &["sign"],
        &["verify"],
        &["ip-check"],
        &["allowlist"],
        &["audit"],
        &["callback"],
        &["callback", "new"],
        &["callback", "send"],
        &["callback", "probe"],
        &["completions"],
    ];
    let mut shown_env = 0;
    for command in commands {
        let asks = [
            [command, &["--help"]].concat(),
            [command, &["-h"]].concat(),
            [&["help"], command].concat(),
        ];
        for args in asks {
            let mut cmd = smile_sec();
            for (name, value) in values {
                cmd.env(name, value);
            }
            let out = cmd.args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("Usage"), "{args:?}: {stdout}");
            shown_env += stdout.matches("[env: ").count();
            for (name, value) in values {
                assert!(
                    !stdout.contains(value)
                        && !String::from_utf8_lossy(&out.stderr).contains(value),
                    "{args:?} shows the value of {name}:\n{stdout}"
                );
            }
        }
    }
    // The variables are named (so the check above looked at help that mentions them).
    assert!(shown_env > 10, "{shown_env}");
}

/// A key typed where clap takes no such value (as an argument, as a flag's value, in a variable
/// a flag reads) is named by its fingerprint in the usage error, never echoed: such errors land
/// in CI logs.
#[test]
fn a_key_typed_in_the_wrong_place_is_not_echoed_by_a_usage_error() {
    let keys = [
        "M3T5ZvhimY+ZTZsi1T8PVEmPxpiu2FqEginmqegHBGI=",
        "0f7c2b9e-4d1a-4c3b-9a6e-2b7d8e1f3a5c",
        // Unpadded base64 with a `/`, and a key with a full stop typed after it.
        "I434/M7ZWMR68HTK8hsY9KryGEYHCYG1W98AUwuwN7o",
        "0f7c2b9e-4d1a-4c3b-9a6e-2b7d8e1f3a5c.",
    ];
    for key in keys {
        // A secret is named by the fingerprint of its own bytes, not of the word around it.
        let fingerprint = fingerprint(key.trim_end_matches('.'));
        let typed: [(&[&str], Option<&str>); 6] = [
            (&["sign", "--partner-id", PARTNER, key], None),
            (&["sign", "--partner-id", PARTNER, "--", key], None),
            (&["sign", "--partner-id", PARTNER, "--now", key], None),
            (&["verify", "--format", key], None),
            (&["audit", &format!("--max-age={key}")], None),
            (&["sign", "--partner-id", PARTNER], Some("SMILE_SEC_NOW")),
        ];
        for (args, variable) in typed {
            let mut cmd = smile_sec();
            cmd.env_remove("SMILE_SEC_NOW").env_remove("SMILE_API_KEY");
            if let Some(variable) = variable {
                cmd.env(variable, key);
            }
            let out = cmd.args(args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(!stderr.contains(key), "{args:?} echoes the key: {stderr}");
            assert!(stderr.contains(&fingerprint), "{args:?}: {stderr}");
            assert!(stderr.starts_with("smile-sec: error: "), "{stderr}");
        }
    }
    // A value that looks like no secret is still named as typed: paths and names too.
    let out = smile_sec()
        .args(["verify", "--format", "yaml"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("'yaml'"));
    for word in [
        "/home/runner/work/smile-sec/callbacks2",
        "./callbacks_2024-01-15.json",
        "/var/lib/smile/seen-v2.db",
        "https://example.com/hooks/smile-callback-v2",
        "https://example.com/hooks/smilecallbackv2",
    ] {
        let out = smile_sec().args(["sign", word]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("'{word}'")), "{stderr}");
    }
    // So are mistyped times and durations: long and varied, but shaped as no key is.
    for (flag, value) in [
        ("--now", "2026-13-07T19:45:00Z"),
        ("--now", "2026-12-07T19:45:00+01:00x"),
        ("--max-age", "18446744073709551615s"),
        ("--max-future", "20261207194500123s"),
    ] {
        let out = smile_sec()
            .args(["verify", flag, value])
            .write_stdin("")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("'{value}'")), "{flag}: {stderr}");
    }
}

/// A key pasted where a key file wants a variable's name, or typed for `--key`, is not repeated
/// when it could pass for a name: `sk_live_...` is a valid variable name, and a key of letters
/// only looks like no key by its shape (but it is an entry's secret).
#[test]
fn a_key_that_could_be_a_name_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |secret: &str| {
        format!(
            r#"{{"keys":[{{"id":"live","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01",{secret}}}]}}"#
        )
    };
    let pasted = "sk_live_4f9a2b7c1d8e6f3a0b5c9d2e";
    std::fs::write(
        dir.path().join("pasted.json"),
        entry(&format!(r#""api_key_env":"{pasted}""#)),
    )
    .unwrap();
    let callback = format!(
        r#"{{"timestamp":"{TS_SIGN}","signature":"{}"}}"#,
        sig("other", TS_SIGN, PARTNER)
    );
    let mut runs: Vec<(Vec<&str>, i32)> = ["text", "json", "sarif", "github"]
        .into_iter()
        .map(|format| {
            let args = vec![
                "audit",
                "--keys",
                "pasted.json",
                "--now",
                "2026-11-21T00:00:00Z",
                "--format",
            ];
            ([args, vec![format]].concat(), 0)
        })
        .collect();
    runs.push((
        vec![
            "sign",
            "--keys",
            "pasted.json",
            "--key",
            "live",
            "--timestamp",
            TS_SIGN,
        ],
        2,
    ));
    runs.push((vec!["verify", "--keys", "pasted.json", "--now", NOW], 2));
    let letters = "WZFmLAOqywLpYCnbNmlvVtwxubpaFkFG";
    std::fs::write(
        dir.path().join("named.json"),
        entry(r#""api_key_env":"CANARY_LETTERS_KEY""#),
    )
    .unwrap();
    runs.push((vec!["sign", "--keys", "named.json", "--key", letters], 2));
    let padded = format!("{letters} \n");
    runs.push((vec!["sign", "--keys", "named.json", "--key", &padded], 2));
    for (args, code) in runs {
        let out = smile_sec()
            .current_dir(dir.path())
            .env_remove("SMILE_API_KEY")
            .env_remove(pasted)
            .env("CANARY_LETTERS_KEY", letters)
            .args(&args)
            .write_stdin(callback.clone())
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        for secret in [pasted, letters] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{args:?} echoes a key: {stdout}{stderr}"
            );
        }
        let named = if args.iter().any(|arg| arg.contains(letters)) {
            letters
        } else {
            pasted
        };
        assert!(
            format!("{stdout}{stderr}").contains(&fingerprint(named)),
            "{args:?}: {stdout}{stderr}"
        );
    }
}

/// Every type that holds a key (grep for `ApiKey`, `Signer`, `LeakWatch`) keeps it out of `{:?}`.
#[test]
fn debug_output_never_shows_a_key() {
    use smile_sec::callbacks::explain::Explainer;
    use smile_sec::callbacks::verdict::{Candidate, Verifier, Window};
    use smile_sec::endpoint::probe::{LeakWatch, Skew, plan};
    use smile_sec::keys::credentials::{Credential, KeyRequest, VerificationKeys};
    use smile_sec::keys::keyfile::{Environment, KeyFile};
    use smile_sec::signing::signature::Signer;

    let assert_hidden = |what: &str, shown: String| {
        for needle in key_needles() {
            assert!(
                !contains(shown.as_bytes(), &needle),
                "{what} Debug shows the key: {shown}"
            );
        }
    };
    let credential = Credential {
        key: key(KEY),
        key_id: Some("live".into()),
        environment: Some(Environment::Production),
        partner_id: PARTNER.into(),
        retired: None,
        retired_itself: false,
    };
    let sandbox = Credential {
        key: key(SANDBOX_KEY),
        key_id: Some("sandbox".into()),
        environment: Some(Environment::Sandbox),
        partner_id: PARTNER.into(),
        retired: None,
        retired_itself: false,
    };
    assert_hidden("ApiKey", format!("{:?} {:#?}", key(KEY), Some(key(KEY))));
    assert_hidden("Credential", format!("{credential:?} {credential:#?}"));
    assert_hidden("Signer", format!("{:?}", Signer::new(&key(KEY))));
    let keys = VerificationKeys {
        tried: vec![credential.clone()],
        skipped: vec![],
        unread: vec!["live".into()],
        all_key_file: vec![credential.clone(), sandbox.clone()],
        key_file: None,
        retired: vec![(chrono::Utc::now(), key(KEY))],
    };
    assert_hidden("VerificationKeys", format!("{keys:#?}"));
    let explainer = Explainer::new(
        std::slice::from_ref(&credential),
        std::slice::from_ref(&sandbox),
    );
    assert_hidden("Explainer", format!("{explainer:#?}"));
    let candidate = Candidate::new(&credential);
    assert_hidden("Candidate", format!("{candidate:#?}"));
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let verifier = Verifier::new(
        vec![candidate, Candidate::new(&sandbox)],
        Window {
            max_age: None,
            max_future: chrono::Duration::minutes(5),
        },
    );
    assert_hidden("Verifier", format!("{verifier:#?}"));
    let mut watch = LeakWatch::new(&key(KEY));
    watch.expect_signature(&sig(KEY, TS[0], PARTNER));
    assert_hidden("LeakWatch", format!("{watch:?}"));
    assert!(!format!("{watch:?}").contains(&sig(KEY, TS[0], PARTNER)[..40]));

    // A probe plan shows the requests it sends, and no signature it only keeps to watch for.
    let skew = Skew {
        stale_by: chrono::Duration::hours(1),
        future_by: chrono::Duration::hours(1),
    };
    let p = plan(&key(KEY), PARTNER, now, skew);
    let shown = format!("{p:#?}");
    assert_hidden("probe::Plan", shown.clone());
    for request in &p.requests {
        let expected = sig(KEY, &request.timestamp, PARTNER);
        if request.signature.as_deref() != Some(expected.as_str()) {
            assert!(
                !shown.contains(&expected[..40]),
                "{:?}: the plan's Debug shows the expected signature",
                request.case
            );
        }
    }

    // Key files: an inline key in an entry, and an error on a file that holds one.
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"{{"keys":[{{"id":"a","partner_id":"1","environment":"sandbox","integrations":["server"],"created":"2026-01-01","api_key":"{KEY}"}}]}}"#
    );
    let file = KeyFile::parse(&dir.path().join("k.json"), text.as_bytes()).unwrap();
    assert_hidden("KeyFile", format!("{file:#?}"));
    assert_hidden("KeyEntry", format!("{:?}", file.keys[0]));
    assert_hidden("SecretSource", format!("{:?}", file.keys[0].secret));
    assert_hidden(
        "resolved secret",
        format!("{:?}", file.resolve_secret(&file.keys[0])),
    );
    for broken in [
        text.replace(r#""2026-01-01""#, "2026"),
        text.replace(&format!(r#""{KEY}""#), &format!(r#"["{KEY}"]"#)),
        text.trim_end_matches("}]}").to_owned(),
        text.replace("\"api_key\"", "\"api_key_env\""),
    ] {
        let error = KeyFile::parse(&dir.path().join("k.json"), broken.as_bytes()).unwrap_err();
        assert_hidden("KeyFileError", format!("{error:?} {error}"));
    }

    // The errors commands return (printed with `{:#}`; their Debug must be clean too).
    let key_path = dir.path().join("api.key");
    std::fs::write(&key_path, [KEY.as_bytes(), b"\xff"].concat()).unwrap();
    let request = KeyRequest {
        partner_id: Some(PARTNER),
        api_key_file: Some(&key_path),
        ..KeyRequest::default()
    };
    let sources = smile_sec::keys::credentials::key_sources(&request).unwrap();
    assert_hidden("KeySources", format!("{sources:?}"));
    let error = smile_sec::keys::credentials::signing_credential(&request, &sources).unwrap_err();
    assert_hidden("credential error", format!("{error:?} {error:#}"));
    std::fs::write(&key_path, KEY).unwrap();
    let found = smile_sec::keys::credentials::signing_credential(&request, &sources).unwrap();
    assert_hidden("Credential from a file", format!("{found:?}"));
    assert_hidden("KeyRequest", format!("{request:?}"));
}

/// Regression: `callback send FILE` needs no key, but one at hand (here in
/// SMILE_API_KEY) that the endpoint echoes was printed in the body excerpt.
#[test]
fn send_of_a_saved_file_hides_an_echoed_key() {
    let url = serve(Box::new(|_| {
        (401, format!(r#"{{"error":"bad","your_key":"{KEY}"}}"#))
    }));
    let out = smile_sec()
        .env("SMILE_API_KEY", KEY)
        .args(["callback", "send", &url, "-"])
        .write_stdin(callback(TS[0], Some(&sig(KEY, TS[0], PARTNER)), ""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(KEY), "{stdout}");
    assert!(stdout.contains("hidden"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("echoes the API key"),
        "a warning says why"
    );
}
