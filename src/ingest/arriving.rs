//! A source that arrives over time (a pipe, a terminal, a named pipe): a thread reads it ahead, so
//! that the reader can tell when all that has come is read. A piece then ends at its last whole
//! line instead of waiting to fill, so a slow writer's callbacks are checked, and judged by the
//! clock, when they come, not when a piece fills or the input ends (`tail -f ... | verify -`).

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Bytes read ahead in one go, and reads held ahead at most: memory stays bounded when the
/// writer is faster than the checks.
const CHUNK_BYTES: usize = 64 << 10;
const CHUNKS_AHEAD: usize = 4;

/// The reading end: what the thread has read, in order.
#[derive(Debug)]
pub(crate) struct Arriving {
    chunks: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    unread: Unread,
}

/// How many bytes the thread has read that the reading end has not taken yet.
#[derive(Debug, Clone, Default)]
pub(crate) struct Unread(Arc<AtomicUsize>);

impl Unread {
    /// Whether everything that has come is read: the next read waits for the writer. (A read the
    /// thread is just finishing may be missed; a piece then ends a little early, no harm.)
    pub(crate) fn none(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

impl Arriving {
    /// Starts the thread that reads `source` ahead. The thread ends with the source, or once the
    /// reading end is dropped and a read returns; one blocked on a writer that never writes again
    /// ends with the process.
    pub(crate) fn start(source: impl Read + Send + 'static) -> (Arriving, Unread) {
        let (sender, mut chunks) = sync_channel(CHUNKS_AHEAD);
        let unread = Unread::default();
        let counted = unread.clone();
        let started = std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || read_ahead(source, &sender, &counted));
        if let Err(e) = started {
            // No thread, and the source went with it: reading fails, saying why.
            let (sender, failed) = sync_channel(1);
            sender.send(Err(e)).expect("the receiver is here");
            chunks = failed;
        }
        let arriving = Arriving {
            chunks,
            current: Vec::new(),
            at: 0,
            unread: unread.clone(),
        };
        (arriving, unread)
    }
}

fn read_ahead(mut source: impl Read, sender: &SyncSender<io::Result<Vec<u8>>>, unread: &Unread) {
    loop {
        let mut chunk = vec![0; CHUNK_BYTES];
        let read = match source.read(&mut chunk) {
            Ok(0) => return, // the end: the channel closes with this thread
            Ok(n) => {
                chunk.truncate(n);
                // Counted before it is sent, so that the count never falls below zero.
                unread.0.fetch_add(n, Ordering::Release);
                Ok(chunk)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Err(e),
        };
        let failed = read.is_err();
        if sender.send(read).is_err() || failed {
            return;
        }
    }
}

impl Read for Arriving {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.current.len() {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0), // the thread is done: the end of the source
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        self.unread.0.fetch_sub(n, Ordering::Release);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_what_the_source_holds_and_says_when_all_is_read() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (mut arriving, _) = Arriving::start(io::Cursor::new(data.clone()));
        let mut read = Vec::new();
        arriving.read_to_end(&mut read).unwrap();
        assert_eq!(read, data);

        // A pipe whose writer pauses: once its first write is read, nothing is waiting.
        let (reader, mut writer) = io::pipe().unwrap();
        let (mut arriving, unread) = Arriving::start(reader);
        writer.write_all(b"first\n").unwrap();
        let mut buf = [0; 64];
        let n = arriving.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"first\n");
        assert!(unread.none());
        writer.write_all(b"second\n").unwrap();
        drop(writer);
        let mut rest = Vec::new();
        arriving.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"second\n");
        assert!(unread.none());
    }

    #[test]
    fn a_read_error_is_passed_on() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let (mut arriving, _) = Arriving::start(Failing);
        let error = arriving.read(&mut [0; 8]).unwrap_err();
        assert_eq!(error.to_string(), "disk on fire");
    }
}
