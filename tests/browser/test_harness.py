"""The closed-network guard of the browser tests itself works."""


def test_a_request_outside_the_server_is_aborted_and_recorded(open_session):
    session = open_session("phone")
    page = session.page
    page.goto("/about/")
    with page.expect_event("requestfailed") as failed:
        page.evaluate("""() => { const img = new Image(); img.src = 'http://example.com/tracker.png';
                                 document.body.appendChild(img); }""")
    assert failed.value.url == "http://example.com/tracker.png"
    assert session.external == ["http://example.com/tracker.png"]
    session.external.clear()  # recorded as it must be; the session may close cleanly
