//! `Verifier::check` on parsed callbacks: signature, freshness and the replay log, one key.

mod common;

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use smile_sec::callbacks::replay::{Location, ReplayLog, SeenBody};
use smile_sec::callbacks::verdict::{Candidate, Reason, Verifier, Window, judge_replay};
use smile_sec::ingest::payload::{Callback, Item, parse_item};
use smile_sec::keys::credentials::Credential;
use smile_sec::time::parse_rfc3339;

const CALLBACKS: usize = 1_000;

fn verifier() -> Verifier {
    let credential = Credential {
        key: common::api_key(),
        key_id: None,
        environment: None,
        partner_id: common::PARTNER_ID.to_owned(),
        retired: None,
        retired_itself: false,
    };
    Verifier::new(
        vec![Candidate::new(&credential)],
        Window {
            max_age: Some(Duration::days(2)),
            max_future: Duration::minutes(5),
        },
    )
}

fn now() -> DateTime<Utc> {
    parse_rfc3339(common::NOW).expect("valid clock")
}

fn verify(c: &mut Criterion) {
    let lines: Vec<String> = (0..CALLBACKS).map(common::callback_line).collect();
    let callbacks: Vec<Callback<'_>> = lines
        .iter()
        .map(|line| match parse_item(line.as_bytes()) {
            Item::Callback(cb) => cb,
            _ => unreachable!("bench lines are callbacks"),
        })
        .collect();
    // The inputs must take the path a real, valid callback takes.
    assert!(
        callbacks
            .iter()
            .all(|cb| verifier().check(&cb.signed, now()).reason == Reason::Ok)
    );

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(CALLBACKS as u64));
    // A fresh replay log per batch, so every callback is seen for the first time (as in one run).
    let v = verifier();
    let now = now();
    group.bench_function("check_1k_distinct", |b| {
        b.iter_batched_ref(
            ReplayLog::default,
            |log| {
                for (i, cb) in callbacks.iter().enumerate() {
                    let mut verdict = v.check(black_box(&cb.signed), now);
                    // As for a file: only a repeated pair would need a body digest.
                    let body = SeenBody::at(Location {
                        source: 0,
                        offset: i as u64,
                        len: 1,
                        fingerprint: 0,
                    })
                    .expect("a small offset");
                    judge_replay(log, &mut verdict, body, |_| None);
                    black_box(verdict);
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
