//! Replays every fuzz corpus in `fuzz/corpus/<target>/` through the target's property function,
//! so `cargo test` exercises every fuzz target on stable.

use std::collections::BTreeSet;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use super::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn names_in(dir: &Path, strip: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(strip).map(str::to_owned))
        .collect()
}

#[test]
fn every_target_has_a_fuzz_binary_and_a_corpus() {
    let table: BTreeSet<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(
        names_in(&fuzz_dir().join("fuzz_targets"), ".rs"),
        table,
        "fuzz/fuzz_targets/*.rs and fuzz_props::TARGETS must name the same targets"
    );
    assert_eq!(
        names_in(&fuzz_dir().join("corpus"), ""),
        table,
        "fuzz/corpus/<target>/ and fuzz_props::TARGETS must name the same targets"
    );
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &table {
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
            "fuzz/Cargo.toml has no [[bin]] for {name}"
        );
    }
}

#[test]
fn corpora_keep_their_properties() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, property) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name}: empty corpus");
        for file in files {
            let data = fs::read(&file).unwrap();
            replayed += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| property(&data))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{name}: {}: {message}", file.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} corpus files break a property:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
