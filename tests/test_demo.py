"""README's first command: the demo runs against the embedded simulator and trades.

`examples/demo.py` and ``binance-async demo`` run the same tour (`binance_async.cli._demo`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from binance_async.cli import main

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


def check_tour(out: str) -> None:
    """What proves the tour ran: every symbol fanned out, rules shown, and real trading."""
    assert re.search(r"demo against the embedded simulator at http://127\.0\.0\.1:\d+", out)
    assert "exchangeInfo: 50 symbols, 50 trading" in out
    assert "50 price + 50 depth requests at once" in out
    for symbol in ("BTCUSDT", "ETHUSDT", "BNBUSDT", "ETHBTC", "BNBBTC"):
        assert re.search(rf"^    {symbol} +\d", out, re.M), symbol  # a row of the fan-out table
    assert "Trading rules of BTCUSDT" in out and re.search(r"^  PRICE_FILTER +minPrice", out, re.M)
    assert re.search(r"test order LIMIT BUY \S+ @ \S+: accepted", out)
    assert re.search(r"^  LIMIT BUY \S+ @ \S+: NEW \(order id \d+, client order id \S+\)$", out, re.M)
    assert "status: NEW; open orders on BTCUSDT: 1" in out
    assert "cancel: CANCELED" in out
    assert re.search(r"MARKET BUY \S+: FILLED, paid \S+ USDT", out)
    before = dict(re.findall(r"^  (BTC|USDT): (\S+) -> \S+$", out, re.M))
    after = dict(re.findall(r"^  (BTC|USDT): \S+ -> (\S+)$", out, re.M))
    assert Decimal(after["BTC"]) > Decimal(before["BTC"])
    assert Decimal(after["USDT"]) < Decimal(before["USDT"])
    assert re.search(r"^    REQUEST_WEIGHT +1 MINUTE +[1-9]\d* / \d+$", out, re.M)
    assert re.search(r"^    ORDERS +10 SECOND +2 / \d+$", out, re.M)  # the LIMIT and the MARKET order


def test_the_demo_script_runs_the_whole_tour_against_the_simulator() -> None:
    done = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    check_tour(done.stdout)
    assert done.stderr == ""


def test_the_demo_command_is_the_same_tour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    captured = capsys.readouterr()
    check_tour(captured.out)
    assert captured.err == ""


def test_the_demo_fans_out_over_every_symbol_of_a_bigger_simulator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--extra-symbols", "20", "--symbol", "ETHUSDT"]) == 0
    out = capsys.readouterr().out
    assert "exchangeInfo: 25 symbols, 25 trading" in out
    assert "25 price + 25 depth requests at once" in out
    assert "... and 15 more" in out
    assert "Trading rules of ETHUSDT" in out and "cancel: CANCELED" in out
    assert re.search(r"MARKET BUY \S+: FILLED", out)
