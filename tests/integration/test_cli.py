"""The command line against the simulator: every command, its output, its errors and exit codes.

Commands run in-process through ``main([...])`` (sync tests: `main` runs its own event loop) against
``--sim`` (a simulator started by the command) or the ``binance_sim`` fixture's simulator (a thread)
with keys in the environment; ``python -m binance_async`` and the ``binance-async`` script run as
subprocesses. Nothing reaches the internet.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from binance_async.cli import main
from binance_async.cli._errors import EXIT_FAILURE, EXIT_UNKNOWN_OUTCOME, EXIT_USAGE
from binance_async.cli._market import KLINE_COLUMNS
from binance_async.cli._parser import COMMANDS
from binance_async.sim import ApiKey, SimConfig, Simulator
from binance_async.sim.faults import FaultRule

MINUTE = 60_000
KEY_VARS = (
    "BINANCE_API_KEY",
    "BINANCE_API_SECRET",
    "BINANCE_PRIVATE_KEY_FILE",
    "BINANCE_PRIVATE_KEY_PASSWORD",
)
SCRIPT = Path(sys.executable).with_name("binance-async")


@pytest.fixture(autouse=True)
def no_keys_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def keys(binance_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The fixture's simulator, its key and secret in the environment."""
    monkeypatch.setenv("BINANCE_API_KEY", binance_sim.api_key)
    monkeypatch.setenv("BINANCE_API_SECRET", binance_sim.api_secret)
    return binance_sim


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def clean_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in KEY_VARS}


# -- every command once --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["price", "BTCUSDT"], r"^BTCUSDT +\d+\.\d+$"),
        (["price", "btcusdt", "ETHBTC"], r"^BTCUSDT +\d.*\nETHBTC +0\.\d+$"),
        (["price"], r"^BNBBTC +0\.\d+$"),
        (["depth", "BTCUSDT", "--limit", "3"], r"top 3 .*\n.*bid price.*\n  1 .*\n  2 .*\n  3 .*\n  spread"),
        (["rules", "BTCUSDT"], r"^BTCUSDT: TRADING, BTC/USDT.*\n(.*\n)*LOT_SIZE +minQty 0\.00001 +maxQty"),
        (["account"], r"^  USDT +100000 +0 +100000$"),
        (
            ["order", "BTCUSDT", "buy", "limit", "--quantity", "0.001", "--price", "60000", "--test"],
            r"^test order accepted: LIMIT BUY 0\.001 BTCUSDT @ 60000 ",
        ),
        (
            ["order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price", "60000"],
            r"^order placed: LIMIT BUY 0\.001 BTCUSDT @ 60000 \(GTC\): NEW, executed 0\n  order id \d+",
        ),
        (
            ["order", "ETHUSDT", "SELL", "MARKET", "--quantity", "0.5"],
            r"MARKET SELL 0\.5 ETHUSDT: FILLED, executed 0\.5 for \d+.*\n.*\n  fill 0\.5 @ \d+",
        ),
        (
            ["order", "BTCUSDT", "BUY", "MARKET", "--quote-quantity", "100"],
            r"^order placed: MARKET BUY 100 \(quote\) BTCUSDT: FILLED, executed 0\.\d+ for 99\.\d+\n",
        ),
    ],
)
def test_each_command_runs_against_an_in_process_simulator(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *argv, "--sim")
    assert code == 0, err
    assert re.search(expected, out, re.M), out
    assert err == ""


def test_json_output_parses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "price", "BTCUSDT", "ETHBTC", "--sim", "--json")
    assert code == 0 and [p["symbol"] for p in json.loads(out)] == ["BTCUSDT", "ETHBTC"]
    code, out, _ = run(capsys, "depth", "ETHBTC", "--limit", "2", "--sim", "--json")
    book = json.loads(out)
    assert code == 0 and len(book["bids"]) == 2 and len(book["asks"]) == 2
    assert float(book["bids"][0][0]) < float(book["asks"][0][0])
    code, out, _ = run(capsys, "rules", "BTCUSDT", "--sim", "--json")
    rules = json.loads(out)
    lot = next(f for f in rules["filters"] if f["filterType"] == "LOT_SIZE")
    assert code == 0 and rules["symbol"] == "BTCUSDT" and Decimal(lot["stepSize"]) == Decimal("0.00001")
    code, out, _ = run(capsys, "account", "--sim", "--json")
    assert code == 0 and {b["asset"] for b in json.loads(out)["balances"]} >= {"BTC", "USDT"}
    code, out, _ = run(capsys, "order", "BTCUSDT", "BUY", "MARKET", "--quantity", "0.01", "--sim", "--json")
    assert code == 0 and json.loads(out)["status"] == "FILLED"


def test_the_simulator_key_with_sim_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "account", "--sim")
    assert code == 0
    assert not re.search(r"[A-Za-z0-9]{64}", out + err)  # the simulator's generated key and secret


# -- an order's life with the user's keys ---------------------------------------------------------------


def test_order_status_and_cancel_round_trip(keys: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--base-url", keys.base_url]
    code, out, err = run(
        capsys, "order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.002", "--price", "61000.5",
        "--client-order-id", "cli-round-trip", *url,
    )  # fmt: skip
    assert code == 0, err
    assert "LIMIT BUY 0.002 BTCUSDT @ 61000.5 (GTC): NEW" in out and "client order id cli-round-trip" in out
    code, out, err = run(capsys, "status", "BTCUSDT", "--client-order-id", "cli-round-trip", *url)
    assert code == 0 and ": NEW, executed 0" in out, err
    code, out, err = run(capsys, "account", *url)
    assert code == 0 and re.search(r"^  USDT +99877\.999 +122\.001 +100000$", out, re.M), out
    code, out, err = run(capsys, "cancel", "btcusdt", "--client-order-id", "cli-round-trip", *url)
    assert code == 0, err
    assert out.startswith("canceled: LIMIT BUY 0.002 BTCUSDT @ 61000.5 (GTC): CANCELED")
    code, out, err = run(capsys, "cancel", "BTCUSDT", "--client-order-id", "cli-round-trip", *url)
    assert code == EXIT_FAILURE
    assert_one_line_error(err, "-2011")

    code, out, err = run(
        capsys, "order", "BTCUSDT", "SELL", "LIMIT", "--quantity", "0.001", "--price", "70000", "--json", *url
    )
    order_id = json.loads(out)["orderId"]
    code, out, err = run(capsys, "cancel", "BTCUSDT", "--order-id", str(order_id), *url)
    assert code == 0 and "CANCELED" in out and f"order id {order_id}" in out
    assert keys.api_key not in out + err and keys.api_secret not in out + err


def test_an_unknown_order_outcome_names_the_client_order_id(
    keys: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.faults.add(FaultRule("error_after", 1.0, method="POST", path="/api/v3/order"))
    url = ["--base-url", keys.base_url]
    code, out, err = run(
        capsys, "order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price", "60000",
        "--client-order-id", "cli-unknown", *url,
    )  # fmt: skip
    assert code == EXIT_UNKNOWN_OUTCOME and out == ""
    assert_one_line_error(err, "outcome is unknown", "status BTCUSDT --client-order-id cli-unknown", "-1007")
    keys.faults.clear()
    # the command to paste names the same host (before: it left --base-url out, and so asked mainnet)
    pasted = err.split("look it up with: ", 1)[1].strip()
    assert pasted == f"binance-async status BTCUSDT --client-order-id cli-unknown --base-url {keys.base_url}"
    code, out, _ = run(capsys, *shlex.split(pasted)[1:])
    assert code == 0 and ": NEW" in out  # it was placed: the error came after processing


def test_an_unknown_cancel_outcome_names_the_order_id_and_the_host(
    keys: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--base-url", keys.base_url]
    code, out, err = run(
        capsys, "order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price", "60000", "--json", *url
    )
    assert code == 0, err
    order_id = json.loads(out)["orderId"]
    keys.faults.add(FaultRule("error_after", 1.0, method="DELETE", path="/api/v3/order"))
    code, out, err = run(capsys, "cancel", "BTCUSDT", "--order-id", str(order_id), *url)
    assert code == EXIT_UNKNOWN_OUTCOME and out == ""
    assert_one_line_error(
        err, f"look it up with: binance-async status BTCUSDT --order-id {order_id} --base-url {keys.base_url}"
    )
    keys.faults.clear()


def test_json_zeros_are_written_as_binance_writes_them(
    keys: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: ``"executedQty": "0E-8"`` in ``status --json``, ``"locked": "0E-8"`` in ``account --json``."""
    url = ["--base-url", keys.base_url]
    code, out, err = run(
        capsys, "order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price", "60000",
        "--client-order-id", "cli-zeros", *url,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, "status", "BTCUSDT", "--client-order-id", "cli-zeros", "--json", *url)
    assert code == 0, err
    assert '"executedQty": "0.00000000"' in out and json.loads(out)["cummulativeQuoteQty"] == "0.00000000"
    code, out, err = run(capsys, "account", "--json", *url)
    assert code == 0, err
    assert not re.search(r"\d[eE][-+]?\d", out), out
    assert '"locked": "0.00000000"' in out


def test_an_ed25519_private_key_file_signs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    private = Ed25519PrivateKey.generate()
    pem = tmp_path / "ed25519.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sim = Simulator(SimConfig(api_keys=[ApiKey(key="ed" * 32, public_key_pem=public.decode())]))
    sim.start_in_thread()
    try:
        os.environ["BINANCE_API_KEY"] = "ed" * 32
        code, out, err = run(capsys, "account", "--base-url", sim.base_url, "--private-key", str(pem))
    finally:
        del os.environ["BINANCE_API_KEY"]
        sim.stop_thread()
    assert code == 0, err
    assert re.search(r"^  BTC +2 +0 +2$", out, re.M)


# -- errors: one line, an exit code, never a traceback ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["price", "NOPE"], "unknown symbol 'NOPE'"),
        (["price", "BTCUSDT", "NOPE"], "unknown symbol among 'BTCUSDT', 'NOPE'"),
        (["depth", "NOPE"], "unknown symbol 'NOPE'"),
        (["rules", "NOPE"], "unknown symbol 'NOPE'"),
        (["klines", "NOPE", "--start", "now"], "unknown symbol 'NOPE'"),
        (["order", "NOPE", "BUY", "MARKET", "--quantity", "1"], "unknown symbol 'NOPE'"),
        (["cancel", "BTCUSDT", "--order-id", "12345"], "-2011"),
        (["status", "BTCUSDT", "--client-order-id", "nothing"], "-2013"),
        (
            ["order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.000001", "--price", "60000"],
            "order not sent, it breaks the symbol's rules: LOT_SIZE: quantity 0.000001 is below minQty",
        ),
        (
            ["order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price", "60000.001"],
            "PRICE_FILTER",
        ),
        (
            ["order", "BTCUSDT", "SELL", "LIMIT", "--quantity", "100", "--price", "65000"],
            "Binance refused the request: POST /api/v3/order: HTTP 400, code -2010",
        ),
    ],
)
def test_failures_against_the_simulator_are_one_line_and_exit_1(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, *argv, "--sim")
    assert code == EXIT_FAILURE and out == ""
    assert_one_line_error(err, fragment)


@pytest.mark.parametrize("command", [["account"], ["order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1"],
                                     ["cancel", "BTCUSDT", "--order-id", "1"], ["demo"]])  # fmt: skip
def test_signed_commands_without_keys_exit_2(
    command: list[str], binance_sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *command, "--base-url", binance_sim.base_url)
    assert code == EXIT_USAGE and out == ""
    assert_one_line_error(err, "needs API keys", "BINANCE_API_KEY", "--sim")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["BUY", "LIMIT", "--quantity", "0.001"], "a LIMIT order needs --price"),
        (["BUY", "MARKET", "--quantity", "0.001", "--price", "60000"], "a MARKET order takes no --price"),
        (["SELL", "STOP_LOSS", "--quantity", "0.001"], "a STOP_LOSS order needs --stop-price"),
    ],
)
def test_an_order_missing_or_given_a_flag_its_type_does_not_take_is_a_usage_error(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: "needs price or peg_price_type" (a keyword of the library), and exit 1 for a MARKET order
    with --price where every other usage error exits 2."""
    with pytest.raises(SystemExit) as exited:
        main(["order", "BTCUSDT", *argv, "--sim"])
    assert exited.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, fragment, "(see 'binance-async order --help')")


def test_a_wrong_secret_is_refused_by_binance_in_one_line(
    binance_sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", binance_sim.api_key)
    monkeypatch.setenv("BINANCE_API_SECRET", "x" * 64)
    code, out, err = run(capsys, "account", "--base-url", binance_sim.base_url)
    assert code == EXIT_FAILURE and out == ""
    assert_one_line_error(err, "Binance refused the API key", "-1022")
    assert binance_sim.api_key not in err and "x" * 64 not in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_host_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run(capsys, "price", "BTCUSDT", "--base-url", url)
    assert code == EXIT_FAILURE and out == ""
    assert_one_line_error(err, f"cannot connect to {url}")


def test_a_plain_http_remote_host_is_refused_before_sending(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "price", "BTCUSDT", "--base-url", "http://example.com")
    assert code == EXIT_USAGE
    assert_one_line_error(err, "plain http")


# -- klines ---------------------------------------------------------------------------------------------


def test_klines_of_a_known_span_go_to_csv_with_a_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = (int(time.time() * 1000) // MINUTE - 180) * MINUTE  # three hours ago, on a minute
    end = start + 119 * MINUTE  # both ends are included: 120 klines
    out_file = tmp_path / "btc.csv"
    code, out, err = run(
        capsys, "klines", "btcusdt", "--interval", "1m", "--start", str(start), "--end", str(end),
        "--out", str(out_file), "--progress", "--sim",
    )  # fmt: skip
    assert code == 0, err
    assert out == f"120 klines of BTCUSDT 1m written to {out_file}\n"
    assert err.endswith("[##############################] 100% 120 klines\n")
    with out_file.open(newline="") as file:
        rows = list(csv.reader(file))
    assert tuple(rows[0]) == KLINE_COLUMNS
    opens = [int(row[0]) for row in rows[1:]]
    assert opens == list(range(start, end + 1, MINUTE))
    assert all(int(row[6]) == int(row[0]) + MINUTE - 1 for row in rows[1:])
    assert not (tmp_path / "btc.csv.part").exists()


def test_klines_accept_iso_times_and_write_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    hour = time.strftime("%Y-%m-%dT%H:00", time.gmtime(time.time() - 5 * 3600))
    end = time.strftime("%Y-%m-%dT%H:00Z", time.gmtime(time.time() - 3 * 3600))
    code, out, err = run(
        capsys, "klines", "ETHBTC", "--interval", "1h", "--start", hour, "--end", end, "--sim"
    )
    assert code == 0 and err == ""  # stderr is not a terminal: no progress bar
    lines = out.splitlines()
    assert lines[0] == ",".join(KLINE_COLUMNS) and len(lines) == 1 + 3


def test_the_readme_klines_line_downloads_the_last_day_on_the_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README: ``binance-async klines BTCUSDT --interval 1h --start -24h --out btc.csv``. Before: the
    example's 2024 dates gave the simulator (about 25 h of history) an empty file, without a word."""
    out_file = tmp_path / "btc.csv"
    code, out, err = run(
        capsys, "klines", "BTCUSDT", "--interval", "1h", "--start", "-24h", "--out", str(out_file), "--sim"
    )
    assert code == 0 and err == "", err
    with out_file.open(newline="") as file:
        rows = list(csv.reader(file))
    assert tuple(rows[0]) == KLINE_COLUMNS and 23 <= len(rows) - 1 <= 25
    assert out == f"{len(rows) - 1} klines of BTCUSDT 1h written to {out_file}\n"


def test_an_empty_range_is_said_on_stderr_and_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "klines",
        "BTCUSDT",
        "--interval",
        "1h",
        "--start",
        "2024-05-01",
        "--end",
        "2024-05-02",
        "--sim",
    )
    assert code == 0 and out == ",".join(KLINE_COLUMNS) + "\n"
    assert err.count("\n") == 1 and err.startswith(
        "no BTCUSDT 1h klines between 2024-05-01T00:00:00Z and 2024-05-02T00:00:00Z: the range is empty; "
        "its first 1h kline opens at "
    ), err
    first = datetime.fromisoformat(err.rsplit(" ", 1)[1].strip().replace("Z", "+00:00"))
    assert time.time() - 26 * 3600 < first.timestamp() < time.time() - 24 * 3600  # the simulator's history
    code, out, err = run(capsys, "klines", "ETHBTC", "--start", "2099-01-01", "--end", "2099-01-02", "--sim")
    assert code == 0 and err.endswith(": the range is empty; it starts after now\n")


def test_a_failed_download_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "none.csv"
    code, _, err = run(capsys, "klines", "NOPE", "--start", "now", "--out", str(out_file), "--sim")
    assert code == EXIT_FAILURE and not out_file.exists() and not (tmp_path / "none.csv.part").exists()
    code, _, err = run(capsys, "klines", "BTCUSDT", "--start", "now", "--out", str(tmp_path / "no" / "x.csv"))
    assert code == EXIT_FAILURE
    assert_one_line_error(err, "cannot write")


# -- the entry points -------------------------------------------------------------------------------------


def test_python_m_binance_async_help_lists_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "binance_async", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m binance_async")
    for command in COMMANDS:
        assert re.search(rf"^    {command} +", done.stdout, re.M), command
    assert "exit codes:" in done.stdout


def test_the_console_script_runs_a_command_and_reports_errors() -> None:
    assert SCRIPT.exists(), "reinstall the package (pip install -e .) to get the binance-async script"
    env = clean_env()
    done = subprocess.run(
        [str(SCRIPT), "price", "BTCUSDT", "ETHBTC", "--sim"], capture_output=True, text=True, env=env,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.search(r"^BTCUSDT +\d", done.stdout, re.M) and re.search(r"^ETHBTC +0\.", done.stdout, re.M)
    done = subprocess.run(
        [str(SCRIPT), "account"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == EXIT_USAGE and done.stdout == ""
    assert_one_line_error(done.stderr, "needs API keys")


def test_debug_logs_requests_but_never_the_keys(binance_sim: Simulator) -> None:
    env = {
        **clean_env(),
        "BINANCE_API_KEY": binance_sim.api_key,
        "BINANCE_API_SECRET": binance_sim.api_secret,
    }
    done = subprocess.run(
        [sys.executable, "-m", "binance_async", "--debug", "account", "--base-url", binance_sim.base_url],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "/api/v3/account" in done.stderr  # the DEBUG log
    for secret in (binance_sim.api_key, binance_sim.api_secret):
        assert secret not in done.stdout and secret not in done.stderr


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A host that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_is_one_line_and_exit_130(silent_server: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "binance_async", "price", "BTCUSDT", "--base-url", silent_server],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    time.sleep(1.5)  # started, and waiting for an answer
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130 and out == ""
    assert err == "error: interrupted\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_sim_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "binance_async", "sim", "--port", "0", "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    base_url = re.fullmatch(r"Binance simulator listening on (http://127\.0\.0\.1:\d+)\n", first)
    assert base_url is not None, first
    key = re.fullmatch(r"  api key: +(\w+)\n", process.stdout.readline())
    secret = re.fullmatch(r"  api secret: +(\w+)\n", process.stdout.readline())
    assert key is not None and secret is not None
    assert process.stdout.readline() == "Ctrl-C to stop.\n"
    env = {**clean_env(), "BINANCE_API_KEY": key[1], "BINANCE_API_SECRET": secret[1]}
    done = subprocess.run(
        [sys.executable, "-m", "binance_async", "account", "--base-url", base_url[1]],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and re.search(r"^  USDT +100000", done.stdout, re.M), done.stderr
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in err
