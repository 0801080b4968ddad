"""What the sign-in limits (app/sign_in_limits.py) add to one sign-in: the
check before the password (every sign-in) and the count after a failure, on
memory:// and on a real Redis (Debian's redis-server on a throwaway port).
A sign-in hashes its password on purpose slowly (scrypt, ~50-100 ms), so the
limits should cost well under a millisecond.
Usage: .venv/bin/python bench/sign_in_limits.py [--rounds 2000]"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from limits.storage import storage_from_string  # noqa: E402

from app.devtools.throwaway_redis import throwaway_redis  # noqa: E402
from app.sign_in_limits import SignInLimits  # noqa: E402


def measure(uri, rounds):
    limits = SignInLimits(storage_from_string(uri), "10 per 15 minutes", "100000 per 15 minutes", 15)
    started = time.perf_counter()
    for i in range(rounds):
        limits.check(f"officer-{i}", "203.0.113.1")
    check = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for i in range(rounds):
        limits.record_failure(f"officer-{i % 500}", "203.0.113.1")
    failure = (time.perf_counter() - started) / rounds
    print(f"{uri.split(':')[0]:>6}: check {check * 1e6:7.1f} µs per sign-in, "
          f"failure count {failure * 1e6:7.1f} µs per failed sign-in ({rounds} rounds)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    from werkzeug.security import check_password_hash, generate_password_hash

    hashed = generate_password_hash("office-pass-2563")
    started = time.perf_counter()
    for _ in range(5):
        check_password_hash(hashed, "office-pass-2563")
    print(f"  for scale: one password check ({hashed.split('$')[0]}) {(time.perf_counter() - started) / 5 * 1e3:.1f} ms")
    measure("memory://", args.rounds)
    with throwaway_redis() as url:
        if url is None:
            print(" redis: redis-server not installed, skipped")
            return
        measure(url, args.rounds)

if __name__ == "__main__":
    main()
