//! Address parsing and the allowlist match `ip-check` does for every input line: the spellings
//! that real logs carry (plain IPv4, with a port, IPv6, IPv4-mapped IPv6), allowed and denied.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smile_sec::ip::address;
use smile_sec::ip::allowlist::{Allowlist, Verdict};

const INPUTS: &[(&str, &[u8])] = &[
    ("ipv4", b"52.36.32.43"),
    ("ipv4_port", b"52.36.32.43:443"),
    ("ipv6", b"2001:db8:85a3::8a2e:370:7334"),
    ("mapped", b"::ffff:34.240.137.52"),
];

fn address(c: &mut Criterion) {
    let list = Allowlist::built_in(None);
    let mut group = c.benchmark_group("address");
    group.throughput(Throughput::Elements(1));
    for (name, input) in INPUTS {
        group.bench_function(format!("parse_{name}"), |b| {
            b.iter(|| address::parse(black_box(input)).is_ok())
        });
    }
    // One of Smile ID's callback sources, and an address that is not one.
    for (name, input, expected) in [
        ("check_allowed", &b"34.240.137.52"[..], Verdict::Allowed),
        ("check_denied", &b"203.0.113.9"[..], Verdict::Denied),
    ] {
        assert_eq!(list.check(input).verdict(), expected);
        group.bench_function(name, |b| b.iter(|| list.check(black_box(input)).verdict()));
    }
    group.finish();
}

criterion_group!(benches, address);
criterion_main!(benches);
