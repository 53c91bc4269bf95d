"""A real browser (Debian's headless chromium) opens the web page of the stack deployed
@local and reads what a user would: the API health the page's own client-side fetch of
NEXT_PUBLIC_API_BASE_URL rendered. (Through a dev box's tunnel: test_remote.py; a wrong
NEXT_PUBLIC_API_BASE_URL: test_stack.py.)"""

from __future__ import annotations

from tests.e2e.browser import assert_healthy, browser_health


def test_the_browser_sees_the_api_health_on_the_local_stack(default_stack):
    page = browser_health("http://localhost:3000/", "local")
    assert_healthy(page)
    assert "From the browser (http://localhost:8000)" in page.dom
