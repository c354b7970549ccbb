//! Which files `verify` reads: named files, directories walked recursively in sorted order
//! (symlinks inside them are not followed), and `-` for stdin.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// File extensions read when walking a directory.
pub(crate) const EXTENSIONS: [&str; 3] = ["json", "ndjson", "jsonl"];

/// One input found while expanding the command line.
#[derive(Debug)]
pub(crate) enum Found {
    Stdin,
    File(PathBuf),
    /// Not read, on purpose (a symlink or a FIFO inside a walked directory); worth a warning.
    Skipped(PathBuf, &'static str),
    /// Could not be listed or examined.
    Unreadable(PathBuf, io::Error),
}

/// Expands each path in order and hands every input to `visit`. Errors from `visit` (a closed
/// stdout) stop the walk and are returned.
pub(crate) fn expand(
    paths: &[PathBuf],
    visit: &mut dyn FnMut(Found) -> io::Result<()>,
) -> io::Result<()> {
    for path in paths {
        if path.as_os_str() == "-" {
            visit(Found::Stdin)?;
            continue;
        }
        // A path the user named is followed even when it is a symlink.
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, visit)?,
            Ok(_) => visit(Found::File(path.clone()))?,
            Err(e) => visit(Found::Unreadable(path.clone(), e))?,
        }
    }
    Ok(())
}

fn walk(dir: &Path, visit: &mut dyn FnMut(Found) -> io::Result<()>) -> io::Result<()> {
    let mut entries = match fs::read_dir(dir).and_then(|it| it.collect::<io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) => return visit(Found::Unreadable(dir.to_owned(), e)),
    };
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        match entry.file_type() {
            Err(e) => visit(Found::Unreadable(path, e))?,
            // Never followed: a link can point outside the tree or back into it (a loop).
            Ok(kind) if kind.is_symlink() => {
                if has_callback_extension(&path) || fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                    visit(Found::Skipped(path, "symbolic link not followed"))?;
                }
            }
            Ok(kind) if kind.is_dir() => walk(&path, visit)?,
            Ok(kind) if kind.is_file() && has_callback_extension(&path) => {
                visit(Found::File(path))?
            }
            // A FIFO would hang the walk on a writer that never comes; a socket or device is no
            // saved callback. Named like one, it is worth a word rather than silence.
            Ok(_) if has_callback_extension(&path) => visit(Found::Skipped(
                path,
                "not a regular file (a FIFO, socket or device) not read",
            ))?,
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Whether the file's name ends `.json`, `.ndjson` or `.jsonl` (a file named just `.json` too,
/// which has no extension by `Path::extension`'s reading; a name that is not UTF-8 too).
fn has_callback_extension(path: &Path) -> bool {
    let Some(name) = path.file_name().map(OsStr::as_encoded_bytes) else {
        return false;
    };
    EXTENSIONS.iter().any(|ext| {
        name.len() > ext.len()
            && name.ends_with(ext.as_bytes())
            && name[name.len() - ext.len() - 1] == b'.'
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("b")).unwrap();
        for name in [
            "c.json",
            "a.ndjson",
            "b/z.jsonl",
            "b/notes.txt",
            "d.JSON",
            "b/.json",
        ] {
            fs::write(root.join(name), "{}").unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let not_utf8 = OsStr::from_bytes(b"caf\xe9.json");
            fs::write(root.join("b").join(not_utf8), "{}").unwrap();
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
            let fifo = std::process::Command::new("mkfifo")
                .arg(root.join("e.json"))
                .status()
                .unwrap();
            assert!(fifo.success());
            // A socket named like a callback, and one that is not: only the first is named.
            let _socket = std::os::unix::net::UnixListener::bind(root.join("f.json")).unwrap();
            let _other = std::os::unix::net::UnixListener::bind(root.join("g.sock")).unwrap();
        }
        let mut seen = Vec::new();
        expand(&[root.to_owned()], &mut |found| {
            seen.push(match found {
                Found::File(p) => p.strip_prefix(root).unwrap().display().to_string(),
                Found::Skipped(p, _) => format!("skip {}", p.strip_prefix(root).unwrap().display()),
                other => format!("{other:?}"),
            });
            Ok(())
        })
        .unwrap();
        let mut expected = vec!["a.ndjson", "b/.json", "b/z.jsonl", "c.json"];
        if cfg!(unix) {
            expected.insert(2, "b/caf\u{fffd}.json");
        }
        if cfg!(unix) {
            expected.extend(["skip e.json", "skip f.json", "skip loop"]);
        }
        assert_eq!(seen, expected);
    }
}
