//! Reading a file named on the command line, where `-` means stdin: API key files, request and
//! callback bodies. Streams that can be large (`verify` inputs, address lists) are read elsewhere,
//! incrementally.

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// The whole of `path` (`-`: stdin). `what` names it in errors, e.g. "API key file".
pub fn read_all(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the {what} from stdin"))?;
        Ok(bytes)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))
    }
}
