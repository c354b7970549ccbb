//! The body digest of replay detection: taken when a pair repeats, and up front for callbacks that
//! cannot be read again (stdin, array elements) or that a `--seen` file records.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smile_sec::payload::{Item, parse_item};
use smile_sec::replay::body_digest;

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
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
