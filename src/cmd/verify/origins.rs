//! The files accepted bodies can be read back from, to compare a repeated pair's bodies without
//! keeping every body in memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use crate::callbacks::replay::Location;

/// The files accepted bodies can be read back from: a [`Location`] names one by its index.
#[derive(Default)]
pub(super) struct Origins {
    paths: Vec<Arc<Path>>,
    /// The file read back from last, kept open: resends tend to come from the same file.
    open: Option<(u32, File)>,
}

impl Origins {
    /// The index of `path`, the file the current batch came from.
    pub(super) fn index(&mut self, path: &Arc<Path>) -> u32 {
        if !self
            .paths
            .last()
            .is_some_and(|last| Arc::ptr_eq(last, path))
        {
            self.paths.push(path.clone());
        }
        u32::try_from(self.paths.len() - 1).expect("fewer than 4 billion files")
    }

    /// An earlier item's bytes, read back from its file: `None` when they are no longer there
    /// (the file shrank or went away).
    pub(super) fn read_back(&mut self, location: Location) -> Option<Vec<u8>> {
        let file = match &mut self.open {
            Some((source, file)) if *source == location.source => file,
            slot => {
                let path = self.paths.get(usize::try_from(location.source).ok()?)?;
                &mut slot.insert((location.source, File::open(path).ok()?)).1
            }
        };
        file.seek(SeekFrom::Start(location.offset)).ok()?;
        let mut bytes = vec![0; usize::try_from(location.len).ok()?];
        file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }
}
