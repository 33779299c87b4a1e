"""Every example in ``examples/`` runs against the embedded simulator and does what it says.

Each ``examples/*.py`` (helpers named ``_*.py`` aside) is run as a subprocess, with the API keys
removed from its environment so it can never reach Spot Testnet, and must exit 0 with no traceback.
Its output is then checked by the entry for it in `CHECKS`: a new example without an entry fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from binance_async import TESTNET, SpotClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
KEYS = ("BINANCE_API_KEY", "BINANCE_API_SECRET")
#: The simulator's OAuth access and refresh tokens are UUIDs; none may be printed.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def example_names() -> list[str]:
    return sorted(path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))


def run(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``examples/name`` with `args`; `env` is added to an environment without the API keys."""
    environment = {k: v for k, v in os.environ.items() if k not in KEYS}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )


def line(pattern: str, out: str) -> re.Match[str]:
    """The one line of `out` that matches `pattern` in full."""
    found = re.search(f"^{pattern}$", out, re.M)
    assert found is not None, f"no line matches {pattern!r} in:\n{out}"
    return found


# -- what each example must print ---------------------------------------------------------------------


def check_demo(out: str) -> None:
    # examples/demo.py belongs to the command line's owner and its output is changing: only the fill.
    assert "FILLED" in out


def check_oauth_login(out: str) -> None:
    line(r"callback server at http://127\.0\.0\.1:\d+/callback", out)
    url = line(r"authorization URL: (http://127\.0\.0\.1:\d+/en/oauth/authorize\?\S+)", out).group(1)
    assert "code_challenge_method=S256" in url and "state=" in url
    assert "consent given; the callback page says: 'Logged in with Binance." in out
    line(r"logged in: Token\(scope=asset:balance,asset:ocbs,.+, refresh=yes\)", out)
    line(r"user [0-9a-f]{32} <sim-user@example\.com>", out)
    assert "account: PERSON, KYC PASSED" in out
    line(r"BTC deposit address: bc1q\w+", out)
    assert "balances: BNB 20, BTC 0.5, ETH 5, USDT 10000" in out
    assert "quote: 0.01 BTC -> 650 USDT at 65000" in out
    assert "converted: SUCCESS, BTC 0.5 -> 0.49, USDT 10000 -> 10650" in out
    assert "history: 1 conversion(s); latest BTC -> USDT SUCCESS" in out
    assert "next call refreshed the access token first: True" in out
    assert "logged out (token revoked): True" in out
    assert out.rstrip().endswith("after logout: OAuthNotAuthenticatedError")
    assert UUID.search(out) is None and "example-app-secret" not in out


def check_prices_and_depth(out: str) -> None:
    line(r"simulator at http://127\.0\.0\.1:\d+", out)
    # 5 configured symbols and 200 generated ones, of which every 50th is not trading
    assert "exchangeInfo: 205 symbols, 201 of them queried" in out
    requests = r"402 requests in [\d.]+ s \(\d+ req/s, at most 50 in flight\)"
    line(rf"prices and depth\(100\) for 201 symbols: {requests}", out)
    rows = re.findall(r"^([A-Z0-9]+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+) bp$", out, re.M)
    assert [row[0] for row in rows[:3]] == ["BTCUSDT", "ETHUSDT", "BNBUSDT"] and len(rows) == 8
    for _, price, bid, ask, _ in rows:
        assert Decimal(bid) < Decimal(ask) and Decimal(bid) <= Decimal(price) <= Decimal(ask)
    line(r"201 books with both sides; widest spread [\d.]+ bp \(\w+\)", out)
    assert "one ticker_price() call for every symbol instead: 205 prices" in out
    # 201 x (2 + 5) + 20 + 4, unless the run straddles a minute boundary
    used, limit = map(int, line(r"limiter REQUEST_WEIGHT per 1 MINUTE: (\d+)/(\d+) used", out).groups())
    assert limit == 6000 and 0 < used <= limit


#: The requests of the official Postman collection that examples/postman_flow.py sends, in order.
POSTMAN_STEPS = [
    "Test connectivity",
    "Check server time",
    "Exchange information",
    "Account information (USER_DATA)",
    "Symbol price ticker",
    "Order book",
    "Test new order (TRADE)",
    "New order (TRADE)",
    "Query order (USER_DATA)",
    "Current open orders (USER_DATA)",
    "Cancel order (TRADE)",
    "New order (TRADE)",
    "Account trade list (USER_DATA)",
    "Account information (USER_DATA)",
]


def check_postman_flow(out: str) -> None:
    steps = re.findall(r"^ ?(\d+)\. (.+?): (?:GET|POST|DELETE) ", out, re.M)
    assert [int(n) for n, _ in steps] == list(range(1, len(POSTMAN_STEPS) + 1))
    assert [name for _, name in steps] == POSTMAN_STEPS
    start = {a: Decimal(v) for a, v in re.findall(r"^    (BTC|USDT): free (\S+), locked 0$", out, re.M)}
    assert start == {"BTC": Decimal(2), "USDT": Decimal(100000)}
    assert re.search(r"LIMIT BUY \S+ @ \S+ GTC: accepted, nothing placed", out)
    qty, limit_price = line(r"    LIMIT BUY (\S+) @ (\S+): NEW", out).groups()
    order_id = line(r"    order id (\d+), client order id \S{22}", out).group(1)
    locked = Decimal(line(r"    USDT locked: 0 -> (\S+)", out).group(1))
    assert locked == Decimal(qty) * Decimal(limit_price)
    line(rf"    order {order_id}: NEW, executed 0 of {qty}", out)
    line(rf"    1 open: {order_id}", out)
    line(rf"    order {order_id}: CANCELED", out)
    line(r"    open orders now: 0", out)
    paid = Decimal(line(rf"    MARKET BUY {qty}: FILLED, paid (\S+) USDT", out).group(1))
    fees = re.findall(r"^    fill \S+ @ \S+, commission (\S+) BTC$", out, re.M)
    line(rf"    \d+ trade\(s\), {qty} BTC bought in all", out)
    end = {a: Decimal(v) for a, v in re.findall(r"^    (BTC|USDT): \S+ -> (\S+)$", out, re.M)}
    assert end["BTC"] == start["BTC"] + Decimal(qty) - sum(map(Decimal, fees), Decimal(0))
    assert end["USDT"] == start["USDT"] - paid


def check_poller(out: str, limit: int = 300) -> None:
    line(r"rate limits from exchangeInfo: REQUEST_WEIGHT 300 per 1 SECOND, .+", out)
    windows = [tuple(map(int, w)) for w in re.findall(r"^window \S+: weight (\d+)/(\d+) ", out, re.M)]
    assert len(windows) >= 3
    assert all(lim == limit and 0 < used <= limit for used, lim in windows)
    # the limit binds: some window is (nearly) full, and nothing was refused
    assert max(used for used, _ in windows) >= 0.9 * limit
    average = int(line(r"full windows: (\d+)% of the limit used on average, at most \d+/\d+", out).group(1))
    assert average >= 50
    polls = re.findall(r"^(\w+): (\d+) polls, last price [\d.]+, bid / ask [\d.]+ / [\d.]+$", out, re.M)
    assert [symbol for symbol, _ in polls] == ["BTCUSDT", "ETHUSDT", "BNBUSDT", "ETHBTC", "BNBBTC"]
    assert all(int(n) > 0 for _, n in polls)
    line(r"429 rate limited: 0, 418 banned: 0", out)


#: How each example is run (its arguments) and what its output must show.
CHECKS: dict[str, tuple[list[str], Callable[[str], None]]] = {
    "demo.py": ([], check_demo),
    "oauth_login.py": ([], check_oauth_login),
    "postman_flow.py": ([], check_postman_flow),
    "prices_and_depth.py": ([], check_prices_and_depth),
    "poller.py": (["--seconds", "3"], check_poller),
}


def test_every_example_has_a_check() -> None:
    assert example_names() == sorted(CHECKS), "add an entry to CHECKS for each example (and drop stale ones)"


@pytest.mark.parametrize("name", example_names())
def test_the_example_runs_against_the_simulator(name: str) -> None:
    assert name in CHECKS, f"examples/{name} has no entry in CHECKS"
    args, check = CHECKS[name]
    done = run(name, *args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    check(done.stdout)


def test_the_poller_keeps_to_its_share_of_the_limit() -> None:
    done = run("poller.py", "--seconds", "3", "--share", "0.5")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    check_poller(done.stdout, limit=150)


# -- the shared connection helper ---------------------------------------------------------------------


def test_testnet_without_keys_is_refused_plainly() -> None:
    done = run("postman_flow.py", "--testnet")
    assert done.returncode == 1 and done.stdout == ""
    assert "--testnet needs BINANCE_API_KEY and BINANCE_API_SECRET" in done.stderr
    assert "Traceback" not in done.stderr


def test_simulator_flag_wins_over_keys() -> None:
    keys = {"BINANCE_API_KEY": "not-a-key", "BINANCE_API_SECRET": "not-a-secret"}
    done = run("prices_and_depth.py", "--sim", "--extra-symbols", "0", env=keys)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "simulator at http://127.0.0.1:" in done.stdout
    assert "exchangeInfo: 5 symbols, 5 of them queried" in done.stdout


Connect = Callable[..., AbstractAsyncContextManager[SpotClient]]


def load_connect() -> Connect:
    spec = importlib.util.spec_from_file_location("_examples_connect", EXAMPLES / "_connect.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    connect: Connect = module.connect
    return connect


@pytest.mark.parametrize(
    ("keys", "testnet", "simulator", "expected"),
    [
        (True, False, False, TESTNET),
        (True, True, False, TESTNET),
        (True, False, True, "simulator"),
        (False, False, False, "simulator"),
    ],
)
async def test_connect_picks_testnet_or_the_simulator(
    monkeypatch: pytest.MonkeyPatch, keys: bool, testnet: bool, simulator: bool, expected: str
) -> None:
    for name in KEYS:
        if keys:
            monkeypatch.setenv(name, "not-a-real-one")
        else:
            monkeypatch.delenv(name, raising=False)
    args = SimpleNamespace(testnet=testnet, sim=simulator)
    async with load_connect()(args) as client:  # no request is sent: nothing reaches the network
        if expected == TESTNET:
            assert client.base_url == TESTNET
        else:
            assert client.base_url.startswith("http://127.0.0.1:")
