//! Replay detection: the body digest, taken when a pair repeats, and up front for callbacks that
//! cannot be read again (stdin, array elements) or that a `--seen` file records; and the log that
//! every accepted callback is looked up in, once each.

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use smile_sec::payload::{Item, parse_item};
use smile_sec::replay::{Body, PairId, ReplayLog, body_digest};

/// Accepted callbacks in one run of the log bench: the size of the README's benchmark file.
const PAIRS: u32 = 100_000;

fn replay(c: &mut Criterion) {
    let line = common::callback_line(7);
    let Item::Callback(callback) = parse_item(line.as_bytes()) else {
        unreachable!("the bench line is a callback")
    };

    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("body_digest", |b| {
        b.iter(|| body_digest(black_box(&callback)))
    });

    // Pair ids as a run makes them: uniformly random bytes (of an HMAC).
    let pairs: Vec<PairId> = (0..PAIRS)
        .map(|n| PairId(Sha256::digest(n.to_le_bytes())[..16].try_into().unwrap()))
        .collect();
    let body = Body::digest([7; 15]);
    group.throughput(Throughput::Elements(u64::from(PAIRS)));
    group.sample_size(20);
    group.bench_function("log_100k_distinct", |b| {
        b.iter_batched(
            ReplayLog::default,
            |mut log| {
                for &pair in &pairs {
                    black_box(log.sight(pair, body).is_some());
                }
                log
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
