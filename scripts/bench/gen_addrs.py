#!/usr/bin/env python3
"""Writes N address lines, as found in access logs and firewall exports (scripts/bench.sh's input).

Seeded, so the same bytes every run. Mix: about 85% random public IPv4, 5% the eight Smile ID
callback sources (shared/docs/security-overview.md), 6% IPv6, 4% with a port (IPv4:PORT or [IPv6]:PORT).

usage: gen_addrs.py N OUT [SEED]
"""
import random
import sys

SMILE_ID = ["34.240.137.52", "44.230.128.108", "52.36.32.43", "52.213.46.74",
            "35.166.227.53", "44.246.19.66", "54.246.37.255", "99.81.237.141"]


def public_v4(rng):
    while True:
        a = rng.randrange(1, 224)
        b = rng.randrange(256)
        if a in (10, 127) or (a == 172 and 16 <= b < 32) or (a == 192 and b == 168) \
                or (a == 169 and b == 254) or (a == 100 and 64 <= b < 128):
            continue
        return f"{a}.{b}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def public_v6(rng):
    # Global unicast, compressed the way servers log it.
    groups = [0x2000 | rng.getrandbits(12), rng.getrandbits(16), rng.getrandbits(16)]
    tail = [rng.getrandbits(16) for _ in range(rng.choice((1, 2, 4)))]
    return ":".join(f"{g:x}" for g in groups) + "::" + ":".join(f"{g:x}" for g in tail)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    lines = []
    with open(out, "w", encoding="ascii", newline="\n") as f:
        for _ in range(n):
            r = rng.random()
            if r < 0.05:
                line = rng.choice(SMILE_ID)
            elif r < 0.11:
                line = public_v6(rng)
            elif r < 0.13:
                line = f"{public_v4(rng)}:{rng.choice((80, 443, 8443, rng.randrange(1024, 65536)))}"
            elif r < 0.15:
                line = f"[{public_v6(rng)}]:{rng.choice((80, 443))}"
            else:
                line = public_v4(rng)
            lines.append(line)
            if len(lines) == 65536:
                f.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
