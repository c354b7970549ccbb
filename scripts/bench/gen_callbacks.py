#!/usr/bin/env python3
"""Writes N realistic, validly signed Smile ID callbacks as NDJSON (scripts/bench.sh's input).

Bodies have the Enhanced KYC shape of shared/docs/smile-id-signing.md, 500-600 bytes a line, varied
by a seeded generator so every run of the script produces the same bytes. Timestamps are distinct
and ascending (Node/docs form), 500 ms apart from 2026-11-20T00:00:00Z.

usage: gen_callbacks.py N OUT KEY_FILE PARTNER_ID [SEED]
"""
import base64
import hashlib
import hmac
import json
import random
import sys
from datetime import datetime, timedelta, timezone

RESULTS = [
    ("1012", "ID Number Validated", "Verified"),
    ("1012", "ID Number Validated", "Verified"),
    ("1012", "ID Number Validated", "Verified"),
    ("1020", "Exact Match", "Verified"),
    ("1021", "Partial Match", "Verified"),
    ("1013", "ID Number Not Found", "Not Verified"),
    ("1022", "No Match", "Not Verified"),
]
ID_TYPES = [("NG", "NIN_V2", 11), ("NG", "BVN", 11), ("KE", "NATIONAL_ID", 8),
            ("GH", "GHANA_CARD", 13), ("ZA", "NATIONAL_ID", 13), ("UG", "NATIONAL_ID_NO_PHOTO", 14)]
FIRST = ["Amina", "Chinedu", "Kwame", "Wanjiru", "Thabo", "Ngozi", "Kofi", "Achieng", "Sipho", "Fatima"]
LAST = ["Okafor", "Mensah", "Otieno", "Nkosi", "Adeyemi", "Kamau", "Boateng", "Dlamini", "Bello", "Mutua"]
MATCH = ["Exact Match", "Partial Match", "No Match", "Not Provided"]


def main():
    n, out, key_file, partner = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    with open(key_file, "rb") as f:
        key = f.read()
    key = key[:-2] if key.endswith(b"\r\n") else key[:-1] if key.endswith(b"\n") else key
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    suffix = partner.encode() + b"sid_request"
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for i in range(n):
            at = start + timedelta(milliseconds=500 * i + rng.randrange(500))
            ts = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
            mac = keyed.copy()
            mac.update(ts.encode() + suffix)
            sig = base64.b64encode(mac.digest()).decode()
            code, text, verified = rng.choice(RESULTS)
            country, id_type, id_len = rng.choice(ID_TYPES)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            body = {
                "Actions": {
                    "Verify_ID_Number": verified,
                    "Return_Personal_Info": "Returned" if verified == "Verified" else "Not Returned",
                    "Names": rng.choice(MATCH),
                    "DOB": rng.choice(MATCH),
                    "Gender": rng.choice(MATCH),
                    "Phone_Number": rng.choice(MATCH),
                },
                "ResultCode": code,
                "ResultText": text,
                "ResultType": "ID Verification",
                "SmileJobID": f"{1_000_000 + i:010d}",
                "PartnerParams": {
                    "job_id": f"{rng.getrandbits(64):016x}",
                    "user_id": f"user-{rng.randrange(1_000_000)}",
                    "job_type": 5,
                },
                "Country": country,
                "IDType": id_type,
                "IDNumber": "".join(rng.choice("0123456789") for _ in range(id_len)),
                "FullName": f"{first} {last}",
                "DOB": f"{rng.randrange(1950, 2006)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "Gender": rng.choice("MF"),
                "signature": sig,
                "timestamp": ts,
            }
            f.write(json.dumps(body, separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
