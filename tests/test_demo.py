"""README's first command: the demo runs against the embedded simulator and trades."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


def test_the_demo_runs_the_whole_tour_against_the_simulator() -> None:
    done = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "simulator at http://127.0.0.1:" in out
    assert "test order accepted" in out
    assert re.search(r"LIMIT BUY \S+ @ \S+: NEW", out)
    assert "canceled: CANCELED" in out
    assert re.search(r"MARKET BUY \S+: FILLED", out)
    moved = dict(re.findall(r"^  (BTC|USDT): \S+ -> (\S+)$", out, re.M))
    before = dict(re.findall(r"^  (BTC|USDT): (\S+) ->", out, re.M))
    assert Decimal(moved["BTC"]) > Decimal(before["BTC"]) and Decimal(moved["USDT"]) < Decimal(before["USDT"])
    assert re.search(r"limiter REQUEST_WEIGHT per 1 MINUTE: [1-9]\d*/\d+", out)
    assert "Traceback" not in done.stderr
