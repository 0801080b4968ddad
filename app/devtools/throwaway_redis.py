"""Debian's redis-server on a free loopback port, for tests and benchmarks
(the sign-in limits' shared store), as throwaway_postgres.py is for PostgreSQL."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from typing import Iterator, Optional


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_redis() -> Iterator[Optional[str]]:
    """Yields its redis:// URL, or None when redis-server is not installed;
    the server is stopped on exit and keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()
