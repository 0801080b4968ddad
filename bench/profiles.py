"""Profiles of the figures `make bench` missed (issue #20: "a miss is reported
with a profile"): the same requests run in this process through Flask's test
client on the bench's database, with CSRF on as in production, under
pyinstrument (a sampling profiler: little overhead, and it samples wall time,
so the database's round trips show beside the Python that waits for them).

One process and one request at a time: the profile says where a request's
time goes, not how the two cores are shared (gunicorn's workers, PostgreSQL
and the load generator); the table says that."""
from __future__ import annotations

import re

from pyinstrument import Profiler

from app import create_app
from config import TestConfig

REQUESTS = 300
WARM_UP = 20
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def profiling_app(url):
    return create_app(type("ProfiledConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                              "WTF_CSRF_ENABLED": True}))


def signed_in(app, username: str, password: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login/").get_data(as_text=True)).group(1)
    status = client.post("/login/", data={"username": username, "password": password,
                                          "csrf_token": token}).status_code
    assert status == 302, status
    return client


def profile(app, label: str, username: str, password: str, page: str, one_request, requests: int = REQUESTS) -> str:
    """The profile (text) of `requests` calls of `one_request(client, csrf_token, n)`
    by `username`, who first opens `page` (a form's page: its CSRF token)."""
    client = signed_in(app, username, password)
    token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    kept = client.get_cookie("session").value

    def one(n):
        client.set_cookie("session", kept)  # as the bench's clients: unread flashes do not pile up
        one_request(client, token, n)

    for n in range(WARM_UP):
        one(n)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for n in range(requests):
        one(WARM_UP + n)
    profiler.stop()
    heading = (f"profile of a miss: {label} ({requests} requests in one process, one at a time; "
               f"share of wall time, frames under 3% left out)")
    return heading + "\n" + profiler.output_text(time="percent_of_total",
                                                 processor_options={"filter_threshold": 0.03})
