//! An ordered parallel map for batch work: batches are produced on the calling thread, worked on
//! by a few threads, and collected on another thread in the order they were produced.
//!
//! Memory stays bounded (each worker holds at most [`QUEUE`] batches in and out), and when the
//! collector stops early (a closed stdout) the workers and the producer stop at the next batch.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

/// Batches waiting per worker, in each direction.
const QUEUE: usize = 2;

/// Hands batches to the workers, round robin.
#[derive(Debug)]
pub(crate) struct Emitter<B> {
    senders: Vec<SyncSender<B>>,
    next: usize,
}

impl<B> Emitter<B> {
    /// Queues a batch; `false` once the collector has stopped and nothing more will be read.
    pub(crate) fn emit(&mut self, batch: B) -> bool {
        let sender = &self.senders[self.next % self.senders.len()];
        self.next += 1;
        sender.send(batch).is_ok()
    }
}

/// The workers' results, in production order.
#[derive(Debug)]
pub(crate) struct Results<R> {
    receivers: Vec<Receiver<R>>,
    next: usize,
}

impl<R> Iterator for Results<R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        let receiver = &self.receivers[self.next % self.receivers.len()];
        self.next += 1;
        // Batch k went to worker k mod n, and each worker answers in order; when the producer is
        // done and that worker has drained its queue, its channel closes and the results end.
        receiver.recv().ok()
    }
}

/// Runs `produce` on this thread, `work` on `workers` threads (at least one) and `collect` on
/// its own thread, and returns what `collect` returns.
pub(crate) fn run_ordered<B, R, T>(
    workers: usize,
    produce: impl FnOnce(&mut Emitter<B>),
    work: impl Fn(B) -> R + Sync,
    collect: impl FnOnce(Results<R>) -> T + Send,
) -> T
where
    B: Send,
    R: Send,
    T: Send,
{
    let workers = workers.max(1);
    thread::scope(|scope| {
        let mut senders = Vec::with_capacity(workers);
        let mut receivers = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (batch_tx, batch_rx) = sync_channel::<B>(QUEUE);
            let (result_tx, result_rx) = sync_channel::<R>(QUEUE);
            senders.push(batch_tx);
            receivers.push(result_rx);
            let work = &work;
            scope.spawn(move || {
                for batch in batch_rx {
                    if result_tx.send(work(batch)).is_err() {
                        break; // the collector stopped
                    }
                }
            });
        }
        let collector = scope.spawn(move || collect(Results { receivers, next: 0 }));
        let mut emitter = Emitter { senders, next: 0 };
        produce(&mut emitter);
        drop(emitter);
        match collector.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// How many workers to use: one per core, but not more than a few (the collector and the
/// producer need a share too, and batches are small).
pub(crate) fn default_workers() -> usize {
    thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order() {
        for workers in 1..=3 {
            let out = run_ordered(
                workers,
                |emit| {
                    for i in 0..100u64 {
                        assert!(emit.emit(i));
                    }
                },
                |i| {
                    // Uneven work, so that workers finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros(50 * (i % 3)));
                    i * 2
                },
                |results| results.collect::<Vec<_>>(),
            );
            assert_eq!(out, (0..100).map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_stopped_collector_stops_the_producer() {
        let mut accepted = 0;
        let taken = run_ordered(
            2,
            |emit| {
                for i in 0..10_000u64 {
                    if !emit.emit(i) {
                        break;
                    }
                    accepted += 1;
                }
            },
            |i| i,
            |results| results.take(3).count(),
        );
        assert_eq!(taken, 3);
        assert!(accepted < 10_000, "production stopped early ({accepted})");
    }
}
