"""tests/e2e/browser.py's pure parts: the printed tunnel line, moved to free local ports."""

from __future__ import annotations

import pytest

from tests.e2e.browser import chromium_argv, printed_tunnel, relocate_tunnel

LINE = "ssh -N -L 8000:127.0.0.1:8000 -L 3000:127.0.0.1:3000 -p 2222 -i '/tmp/a key' dev@127.0.0.1"


def test_printed_tunnel_is_the_text_after_the_marker():
    output = "x\n    [box] the ports listen on the target's loopback only; from here: " + LINE + "\n--> Results"
    assert printed_tunnel(output) == LINE
    with pytest.raises(AssertionError, match="no tunnel line"):
        printed_tunnel("--> Results")


def test_relocate_moves_the_named_ports_and_keeps_the_rest():
    argv, rules = relocate_tunnel(LINE, {8000: 41000, 3000: 41001})
    assert argv == [
        "ssh", "-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes", "-N",
        "-L", "127.0.0.1:41000:127.0.0.1:8000", "-L", "127.0.0.1:41001:127.0.0.1:3000",
        "-p", "2222", "-i", "/tmp/a key", "dev@127.0.0.1",
    ]  # fmt: skip
    assert rules == "MAP localhost:8000 127.0.0.1:41000, MAP localhost:3000 127.0.0.1:41001"


def test_relocate_leaves_unnamed_ports_alone():
    argv, rules = relocate_tunnel(LINE, {3000: 41001})
    assert "8000:127.0.0.1:8000" in argv and rules == "MAP localhost:3000 127.0.0.1:41001"


def test_chromium_runs_headless_in_a_fresh_profile_without_background_traffic(tmp_path):
    argv = chromium_argv("http://localhost:3000/", tmp_path / "p", tmp_path / "s.png", resolver_rules="MAP a b")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in argv
    assert argv[0] == "chromium" and argv[-1] == "http://localhost:3000/"
    assert f"--user-data-dir={tmp_path / 'p'}" in argv and "--host-resolver-rules=MAP a b" in argv
    assert "--dump-dom" in argv and f"--screenshot={tmp_path / 's.png'}" in argv
