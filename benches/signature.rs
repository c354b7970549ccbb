//! The signature primitives: keying, signing, constant-time matching and strict decoding.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use smile_sec::signing::signature::{DecodedSignature, Signer};

fn signature(c: &mut Criterion) {
    let key = common::api_key();
    let timestamp = common::timestamp(42);
    let signer = Signer::new(&key);
    let encoded = signer.sign(&timestamp, common::PARTNER_ID);
    let decoded = DecodedSignature::parse(&encoded).expect("own signature decodes");

    let mut group = c.benchmark_group("signature");
    // What `smile-sec sign` does once per process.
    group.bench_function("new_and_sign", |b| {
        b.iter(|| Signer::new(black_box(&key)).sign(black_box(&timestamp), common::PARTNER_ID))
    });
    group.bench_function("sign_keyed", |b| {
        b.iter(|| signer.sign(black_box(&timestamp), common::PARTNER_ID))
    });
    // What `verify` does per callback and candidate key.
    group.bench_function("matches", |b| {
        b.iter(|| {
            signer.matches(
                black_box(&timestamp),
                common::PARTNER_ID,
                black_box(&decoded),
            )
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| DecodedSignature::parse(black_box(&encoded)))
    });
    group.finish();
}

criterion_group!(benches, signature);
criterion_main!(benches);
