"""examples/oauth_login.py runs Binance Login end to end against the embedded simulator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "oauth_login.py"
#: The simulator's access and refresh tokens are UUIDs; none may be printed.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_the_oauth_example_runs_the_whole_flow() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    callback = re.search(r"^callback server at (http://127\.0\.0\.1:\d+/callback)$", out, re.M)
    assert callback is not None
    url = re.search(r"^authorization URL: (http://127\.0\.0\.1:\d+/en/oauth/authorize\?\S+)$", out, re.M)
    assert url is not None
    assert "code_challenge_method=S256" in url.group(1) and "state=" in url.group(1)
    assert "consent given; the callback page says: 'Logged in with Binance." in out
    assert re.search(r"^logged in: Token\(scope=asset:balance,asset:ocbs,.+, refresh=yes\)$", out, re.M)
    assert re.search(r"^user [0-9a-f]{32} <sim-user@example\.com>$", out, re.M)
    assert "account: PERSON, KYC PASSED" in out
    assert re.search(r"^BTC deposit address: bc1q\w+$", out, re.M)
    assert "balances: BNB 20, BTC 0.5, ETH 5, USDT 10000" in out
    assert "quote: 0.01 BTC -> 650 USDT at 65000" in out
    assert "converted: SUCCESS, BTC 0.5 -> 0.49, USDT 10000 -> 10650" in out
    assert "history: 1 conversion(s); latest BTC -> USDT SUCCESS" in out
    assert "next call refreshed the access token first: True" in out
    assert "logged out (token revoked): True" in out
    assert out.rstrip().endswith("after logout: OAuthNotAuthenticatedError")
    assert UUID.search(out) is None and "example-app-secret" not in out
    assert "Traceback" not in done.stderr
