"""What the today page costs a phone: bytes over the network on the first
visit (empty cache) and on a repeat visit, the service worker included
(its own file, and what it fetches to keep the page for offline work); and
a phone's very first visit from the sign-in page, with what an installing
Android Chrome fetches (the manifest and its icons). Printed for the
issue's numbers.

Counted where they leave: the server's answers (body as sent, gzip
included, plus the status line and headers), since the worker's requests
are not the page's and DevTools lists them elsewhere."""
import threading

import pytest

from tests.browser.conftest import Session

FIRST_VISIT_BUDGET = 150 * 1024


class SentBytes:
    """Wraps the live server's WSGI app and adds up what it answers."""

    def __init__(self, app):
        self.app, self.inner, self.lock, self.files = app, app.wsgi_app, threading.Lock(), []

    def __enter__(self):
        def counting(environ, start_response):
            head = {}

            def start(status, headers, exc_info=None):
                head["size"] = len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers)
                return start_response(status, headers, exc_info)

            body = b"".join(self.inner(environ, start))
            with self.lock:
                self.files.append((environ["PATH_INFO"], head.get("size", 0) + len(body)))
            return [body]

        self.app.wsgi_app = counting
        return self

    def __exit__(self, *exc):
        self.app.wsgi_app = self.inner

    def total(self):
        return sum(size for _path, size in self.files), len(self.files)


def visit(session, live_app, url):
    with SentBytes(live_app) as sent:
        session.page.goto(url)
        session.page.wait_for_load_state("networkidle")
        # The worker's first install and its copy of the page for offline work.
        session.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        session.page.wait_for_timeout(500)
    return sent


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_today_page_is_light_on_a_phone_connection(browser, live_server, live_app, open_session, viewport,
                                                       record_property):
    state = open_session(viewport, "cm-officer").context.storage_state()
    # A fresh context: the sign-in cookie, nothing in the cache. Routing would
    # switch the browser cache off, so this one relies on the blackhole proxy
    # and the request log for the closed-network guard.
    session = Session(browser, live_server, viewport, route_guard=False, storage_state=state)
    try:
        first = visit(session, live_app, "/today/")
        repeat = visit(session, live_app, "/today/")
    finally:
        session.close()
    (first_bytes, first_requests), (repeat_bytes, repeat_requests) = first.total(), repeat.total()
    print(f"\ntoday page, {viewport}: first visit {first_bytes / 1024:.1f} KB in {first_requests} requests; "
          f"repeat visit {repeat_bytes / 1024:.1f} KB in {repeat_requests} requests")
    print("  " + ", ".join(f"{path.rsplit('/', 1)[-1] or path} {size / 1024:.1f}"
                           for path, size in sorted(first.files, key=lambda x: -x[1])))
    print("  repeat: " + ", ".join(f"{path.rsplit('/', 1)[-1] or path} {size / 1024:.1f}"
                                   for path, size in sorted(repeat.files, key=lambda x: -x[1])))
    record_property(f"today_first_visit_bytes_{viewport}", first_bytes)
    record_property(f"today_repeat_visit_bytes_{viewport}", repeat_bytes)
    paths = [path for path, _size in first.files]
    assert "/sw.js" in paths and "/offline/" in paths  # the worker is part of the first visit
    assert repeat_bytes < 20 * 1024 and repeat_requests <= 4
    if viewport == "phone":
        assert first_bytes <= FIRST_VISIT_BUDGET


def install_fetches(page):
    """What an installing Android Chrome fetches besides the page: the manifest
    and its icons (all of them counted, an upper bound: Chrome takes one for
    the home screen and one for the splash screen)."""
    return page.evaluate("""async () => {
        const manifest = await (await fetch(document.querySelector('link[rel=manifest]').href)).json();
        const icons = manifest.icons.map(icon => new URL(icon.src, location.href).href);
        await Promise.all(icons.map(href => fetch(href).then(response => response.arrayBuffer())));
        return icons.length; }""")


def test_the_first_visit_from_the_sign_in_page_with_the_install_is_light(browser, live_server, live_app,
                                                                         record_property):
    """A phone's very first visit: the sign-in page, signing in, the today page
    with the worker and its copy, and the installable app's manifest and icons."""
    session = Session(browser, live_server, "phone", route_guard=False)
    try:
        with SentBytes(live_app) as sent:
            session.page.goto("/login/")
            session.page.wait_for_load_state("networkidle")
            session.login("cm-officer")
            session.page.wait_for_load_state("networkidle")
            session.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            session.page.wait_for_timeout(500)
            assert install_fetches(session.page) == 3
    finally:
        session.close()
    total, requests = sent.total()
    print(f"\nfirst visit from the sign-in page, with the install: {total / 1024:.1f} KB in {requests} requests")
    print("  " + ", ".join(f"{path.rsplit('/', 1)[-1] or path} {size / 1024:.1f}"
                           for path, size in sorted(sent.files, key=lambda x: -x[1])))
    record_property("first_visit_with_sign_in_and_install_bytes", total)
    paths = [path for path, _size in sent.files]
    assert "/login/" in paths and "/manifest.webmanifest" in paths and "/sw.js" in paths
    assert sum(1 for path in paths if "/icons/" in path) == 3
    assert total <= FIRST_VISIT_BUDGET
