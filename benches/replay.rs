//! Replay detection: the body digest (from a parsed callback, and from its bytes: the canonical
//! text alone, then with its SHA-256), taken when a pair repeats, and up front for callbacks that
//! cannot be read again (stdin, array elements) or that a `--seen` file records; and the log that
//! every accepted callback is looked up in, once each.

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use smile_sec::callbacks::canonical::{Scratch, plain_body};
use smile_sec::callbacks::replay::{Body, PairId, ReplayLog, body_digest, item_digest};
use smile_sec::ingest::payload::{Item, parse_item};

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
    // From the bytes: the canonical fast path, as stdin and `--seen` runs digest a callback.
    let mut scratch = Scratch::default();
    group.bench_function("plain_body", |b| {
        b.iter(|| plain_body(black_box(line.as_bytes()), &mut scratch).map(<[u8]>::len))
    });
    group.bench_function("item_digest", |b| {
        b.iter(|| item_digest(black_box(line.as_bytes())).expect("a callback"))
    });
    // The same digest the way it was taken before the fast path: serde_json, then the body.
    group.bench_function("parse_item_then_body_digest", |b| {
        b.iter(|| match parse_item(black_box(line.as_bytes())) {
            Item::Callback(callback) => body_digest(&callback),
            _ => unreachable!("the bench line is a callback"),
        })
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
