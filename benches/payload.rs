//! Callback framing and field extraction: one realistic line (the fast path `verify` takes, the
//! serde_json reader it falls back to, and sonic-rs, a SIMD JSON reader with runtime CPU
//! detection, doing the same job), and a 10k-line NDJSON buffer.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smile_sec::ingest::fast::scan::signed_fields;
use smile_sec::ingest::payload::{Item, for_each_item, parse_item};

const LINES: usize = 10_000;

/// The signed fields, as borrowed text (escapes force a copy), every other field skipped.
#[derive(serde::Deserialize)]
struct SonicSigned<'a> {
    #[serde(borrow)]
    signature: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<std::borrow::Cow<'a, str>>,
}

fn payload(c: &mut Criterion) {
    let line = common::callback_line(7);
    let buffer = common::ndjson(LINES);

    let mut group = c.benchmark_group("payload");
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("signed_fields", |b| {
        b.iter(|| signed_fields(black_box(line.as_bytes())).expect("a plain callback"))
    });
    group.bench_function("parse_item", |b| {
        b.iter(|| match parse_item(black_box(line.as_bytes())) {
            Item::Callback(cb) => cb.body.len(),
            _ => unreachable!("the bench line is a callback"),
        })
    });
    // The same job done by sonic-rs: the whole object checked, the two top-level fields read.
    // `ingest::fast::scan` stays only while it is faster than this.
    group.bench_function("sonic_rs", |b| {
        b.iter(|| {
            let signed: SonicSigned<'_> =
                sonic_rs::from_slice(black_box(line.as_bytes())).expect("a plain callback");
            signed.signature.is_some() && signed.timestamp.is_some()
        })
    });

    group.throughput(Throughput::Bytes(buffer.len() as u64));
    group.sample_size(30);
    group.bench_function("for_each_item_10k_ndjson", |b| {
        b.iter(|| {
            let mut callbacks = 0u32;
            for_each_item(black_box(&buffer[..]), |_, item| {
                if let Item::Callback(cb) = item {
                    black_box(&cb);
                    callbacks += 1;
                }
                Ok(())
            })
            .expect("in-memory input cannot fail");
            assert_eq!(callbacks as usize, LINES);
        })
    });
    group.finish();
}

criterion_group!(benches, payload);
criterion_main!(benches);
