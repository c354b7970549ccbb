#!/usr/bin/env python3
"""The peer for `smile-sec verify`: the loop an integrator writes with the official Python SDK
(PyPI smile-id-core): read each saved callback, json.loads it, confirm_signature(timestamp, signature).

One Signature object for the whole run (the fastest honest loop). Prints `valid N invalid N`.

usage: sdk_verify.py FILE KEY_FILE PARTNER_ID
"""
import json
import sys

from smile_id_core import Signature


def main():
    path, key_file, partner = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(key_file, encoding="utf-8", newline="") as f:
        key = f.read()
    key = key[:-2] if key.endswith("\r\n") else key[:-1] if key.endswith("\n") else key
    signer = Signature(partner, key)
    valid = invalid = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            callback = json.loads(line)
            if signer.confirm_signature(callback["timestamp"], callback["signature"]):
                valid += 1
            else:
                invalid += 1
    print(f"valid {valid} invalid {invalid}")


if __name__ == "__main__":
    main()
