"""What the today page costs a phone: bytes over the network on the first
visit (empty cache) and on a repeat visit. Printed for the issue's numbers."""
import pytest

from tests.browser.conftest import Session

FIRST_VISIT_BUDGET = 150 * 1024


def transferred(session, url):
    """(bytes, requests, {file: bytes}) that loading `url` took over the network,
    as DevTools counts them (encoded bytes, headers included; the cache is free)."""
    cdp = session.context.new_cdp_session(session.page)
    cdp.send("Network.enable")
    urls, sizes = {}, {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    session.page.goto(url)
    session.page.wait_for_load_state("networkidle")
    cdp.detach()
    network = {rid: size for rid, size in sizes.items() if size > 0}
    files = {urls.get(rid, rid).split("?")[0].rsplit("/", 1)[-1] or "/": size for rid, size in network.items()}
    return sum(network.values()), len(network), files


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_today_page_is_light_on_a_phone_connection(browser, live_server, open_session, viewport,
                                                       record_property):
    state = open_session(viewport, "cm-officer").context.storage_state()
    # A fresh context: the sign-in cookie, nothing in the cache. Routing would
    # switch the browser cache off, so this one relies on the blackhole proxy
    # and the request log for the closed-network guard.
    session = Session(browser, live_server, viewport, route_guard=False, storage_state=state)
    try:
        first, first_requests, files = transferred(session, "/today/")
        repeat, repeat_requests, _ = transferred(session, "/today/")
    finally:
        session.close()
    print(f"\ntoday page, {viewport}: first visit {first / 1024:.1f} KB in {first_requests} requests; "
          f"repeat visit {repeat / 1024:.1f} KB in {repeat_requests} requests")
    print("  " + ", ".join(f"{name} {size / 1024:.1f}" for name, size in sorted(files.items(), key=lambda x: -x[1])))
    record_property(f"today_first_visit_bytes_{viewport}", first)
    record_property(f"today_repeat_visit_bytes_{viewport}", repeat)
    assert repeat < 20 * 1024 and repeat_requests <= 3
    if viewport == "phone":
        assert first <= FIRST_VISIT_BUDGET
