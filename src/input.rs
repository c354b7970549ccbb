//! Reading a whole file named on the command line, where `-` means stdin: API key files, key
//! files, allowlists, request and callback bodies. Each has a size limit, so that naming
//! `/dev/zero` or a log by mistake is an error rather than a process that grows until the system
//! kills it. Streams that can be large (`verify` inputs, address lists) are read elsewhere,
//! incrementally.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use anyhow::Context;

/// An API key file, or a key-file entry's `api_key_file`: a key is tens of bytes.
pub(crate) const SECRET_BYTES: u64 = 64 << 10;
/// A key file or an allowlist: thousands of entries.
pub(crate) const LIST_BYTES: u64 = 16 << 20;
/// A request or callback body (a request may carry images in base64).
pub(crate) const BODY_BYTES: u64 = 256 << 20;

/// The whole of `path` (`-`: stdin), up to `limit` bytes. `what` names it in errors, e.g.
/// "API key file".
pub(crate) fn read_all(path: &Path, what: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        read_limited(io::stdin().lock(), limit)
            .with_context(|| format!("cannot read the {what} from stdin"))
    } else {
        read_file(path, limit).with_context(|| format!("cannot read {what} {}", path.display()))
    }
}

/// The whole of the file at `path`, up to `limit` bytes.
pub(crate) fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_limited(File::open(path)?, limit)
}

/// All of `reader`, or an error once it holds more than `limit` bytes.
pub(crate) fn read_limited(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("it is larger than {}", size(limit)),
        ));
    }
    Ok(bytes)
}

/// `65536` → `64 KiB`, for the limits above.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_no_further() {
        assert_eq!(read_limited(&b"abcd"[..], 4).unwrap(), b"abcd");
        assert_eq!(read_limited(&b""[..], 0).unwrap(), b"");
        let err = read_limited(&b"abcde"[..], 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(err.to_string(), "it is larger than 4 bytes");
        // An endless source stops one byte past the limit.
        let err = read_limited(io::repeat(0), SECRET_BYTES).unwrap_err();
        assert_eq!(err.to_string(), "it is larger than 64 KiB");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(LIST_BYTES), "16 MiB");
        assert_eq!(size(BODY_BYTES), "256 MiB");
        assert_eq!(size(1536), "1536 bytes");
    }
}
