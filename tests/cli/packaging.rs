//! The release packaging that cannot run here (publishing, a Docker engine) is held to what the
//! rest of the project relies on; cargo-dist's plan of a release runs where dist is installed: the archive names and targets the GitHub action,
//! the GitLab job and cargo-binstall expect, a static non-root image, and a crate package that
//! carries its licences and generated files.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of `key = ...` at the start of a line of a TOML file (one line, or a bracketed list
/// over several lines), as written.
fn toml_value(text: &str, key: &str) -> String {
    let start = text
        .lines()
        .position(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no `{key} =` line"));
    let lines: Vec<&str> = text.lines().skip(start).collect();
    let first = lines[0].split_once(" = ").unwrap().1;
    if first.starts_with('[') && !first.contains(']') {
        let end = lines.iter().position(|l| l.starts_with(']')).unwrap();
        lines[..=end]
            .join("\n")
            .split_once(" = ")
            .unwrap()
            .1
            .to_string()
    } else {
        first.to_string()
    }
}

#[test]
fn dist_builds_every_target_the_action_downloads_as_tar_gz_with_checksums() {
    let dist = read("dist-workspace.toml");
    let targets = toml_value(&dist, "targets");
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            targets.contains(&format!("\"{target}\"")),
            "dist-workspace.toml lacks {target}"
        );
    }
    // Every target the action maps a runner to is one dist builds.
    let action = read("scripts/action/run.sh");
    for line in action.lines().filter(|l| l.contains(") target=")) {
        let target = line
            .split("target=")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        assert!(
            targets.contains(&format!("\"{target}\"")),
            "run.sh downloads {target}, which dist does not build"
        );
    }
    assert_eq!(toml_value(&dist, "unix-archive"), "\".tar.gz\"");
    assert!(action.contains("archive_name=\"smile-sec-${target}.tar.gz\""));
    assert_eq!(toml_value(&dist, "checksum"), "\"sha256\"");
    assert!(toml_value(&dist, "installers").contains("\"shell\""));
    let include = toml_value(&dist, "include");
    assert!(
        include.contains("completions/") && include.contains("man/"),
        "{include}"
    );
}

/// `dist plan` through scripts/dist-plan.sh: every target's archive with the binary, the docs,
/// the licences and the generated files, a checksum beside it, and the shell installer. The
/// script also fails when the committed release workflow is not what dist generates.
#[test]
fn dist_plan_releases_every_archive_with_its_checksum() {
    // .ci/run builds it (cargo install cargo-dist); a developer may not have.
    if crate::common::tool("dist").is_none() {
        return;
    }
    let out = Command::new("bash")
        .arg(root().join("scripts/dist-plan.sh"))
        .arg("--output-format=json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let artifacts = plan["artifacts"].as_object().unwrap();
    let targets = toml_value(&read("dist-workspace.toml"), "targets");
    let targets: Vec<&str> = targets
        .split('"')
        .filter(|t| t.contains('-') && !t.contains('\n'))
        .collect();
    assert_eq!(targets.len(), 5, "{targets:?}");
    for target in targets {
        let suffix = if target.contains("windows") {
            "zip"
        } else {
            "tar.gz"
        };
        let name = format!("smile-sec-{target}.{suffix}");
        let archive = &artifacts
            .get(&name)
            .unwrap_or_else(|| panic!("no {name} in the plan"));
        assert_eq!(archive["kind"], "executable-zip", "{name}");
        let assets: Vec<&str> = archive["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        let executable = archive["assets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "executable" && a["name"] == "smile-sec");
        assert!(executable, "{name} lacks the smile-sec executable");
        for want in [
            "README.md",
            "CHANGELOG.md",
            "LICENSE-MIT",
            "LICENSE-APACHE",
            "completions",
            "man",
        ] {
            assert!(assets.contains(&want), "{name} lacks {want}: {assets:?}");
        }
        let checksum = format!("{name}.sha256");
        assert_eq!(archive["checksum"], checksum.as_str());
        assert!(artifacts.contains_key(&checksum), "no {checksum}");
    }
    assert!(artifacts.contains_key("smile-sec-installer.sh"));
}

#[test]
fn binstall_finds_the_archive_dist_publishes() {
    let cargo = read("Cargo.toml");
    let section = cargo
        .split("[package.metadata.binstall]\n")
        .nth(1)
        .expect("a [package.metadata.binstall] section");
    assert!(
        section.contains(
            "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }\""
        ),
        "{section}"
    );
    // The archive holds a folder named like itself, as scripts/release-archive.sh packs it.
    assert!(section.contains("bin-dir = \"{ name }-{ target }/{ bin }{ binary-ext }\""));
    assert!(section.contains("pkg-fmt = \"tgz\""));
    let script = read("scripts/release-archive.sh");
    assert!(script.contains("name=\"smile-sec-${target}\""));
    assert!(script.contains("\"${stage}/${name}/smile-sec\""));
}

#[test]
fn the_image_is_a_static_binary_on_a_minimal_base_run_by_a_non_root_user() {
    let dockerfile = read("Dockerfile");
    let stages: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert!(stages.len() >= 2, "a multi-stage build: {stages:?}");
    assert!(
        stages[0].contains("alpine"),
        "the build stage links against musl: {}",
        stages[0]
    );
    let last = stages.last().unwrap();
    assert!(
        last.contains("distroless/static") || last.trim() == "FROM scratch",
        "the final stage has no libc, shell or package manager: {last}"
    );
    let user = dockerfile
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    let who = user["USER ".len()..].split(':').next().unwrap().trim();
    assert!(who != "root" && who != "0" && !who.is_empty(), "{user}");
    assert_eq!(who, "nonroot", "distroless's unprivileged user (uid 65532)");
    assert!(dockerfile.contains("COPY --from=build /src/target/release/smile-sec"));
    assert!(dockerfile.contains("--locked"));
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/smile-sec\"]"));
    // What the build copies must exist, and must not be ignored.
    let ignored = read(".dockerignore");
    for copied in [
        "Cargo.toml",
        "Cargo.lock",
        "benches",
        "src",
        "completions",
        "man",
    ] {
        assert!(root().join(copied).exists(), "{copied}");
        assert!(
            !ignored.lines().any(|l| l.trim() == copied),
            "{copied} is in .dockerignore"
        );
    }
}

#[test]
fn the_crate_package_carries_its_licences_docs_and_generated_files() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let list = String::from_utf8(out.stdout).unwrap();
    let files: Vec<&str> = list.lines().collect();
    for needed in [
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "CHANGELOG.md",
        "Cargo.lock",
        "src/main.rs",
        "completions/smile-sec.bash",
        "man/smile-sec.1",
    ] {
        assert!(files.contains(&needed), "the package lacks {needed}");
    }
    assert!(
        files
            .iter()
            .all(|f| !f.starts_with("target/") && !f.starts_with("fuzz/")),
        "{list}"
    );
    // Cargo.toml names the licences that the files hold.
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    assert!(read("LICENSE-MIT").contains("Permission is hereby granted"));
    assert!(read("LICENSE-APACHE").contains("Apache License"));
}
