"""``watch`` and ``book``: run in-process against ``--sim`` (its market-maker trading the symbols watched),
stopped by ``--count``, never by a timer: the JSON lines (stream names, types, fixed-point numbers, a book
whose best bid is below its best ask), the terminal's in-place redraw, usage errors, refusals and Ctrl-C.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

import pytest

from binance_async.cli import _streams, main
from binance_async.cli._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE
from binance_async.cli._streams import Screen, book_lines, event_json, status_json
from binance_async.errors import InvalidSymbolError, RateLimitedError
from binance_async.sim import Simulator
from binance_async.sim.faults import FaultRule
from binance_async.streams import BookTicker, MiniTicker, MiniTickers, RawEvent
from binance_async.streams.books import OrderBook
from binance_async.streams.hub import StreamStatus

FIXED = re.compile(r"-?[0-9]+\.[0-9]{8}")  # as Binance writes its numbers, never 1E-8
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def brisk_market(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busier market-maker than the command's: the counts are reached sooner."""
    monkeypatch.setattr(_streams, "SIM_ACTIVITY_RATE", 100.0)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LINES", "40")
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def simulators(monkeypatch: pytest.MonkeyPatch) -> list[Simulator]:
    """The simulators the commands start (filled when their market-maker starts)."""
    started: list[Simulator] = []
    original = _streams._start_market_maker

    def recording(sim: Simulator, symbols: Any) -> None:
        started.append(sim)
        original(sim, symbols)

    monkeypatch.setattr(_streams, "_start_market_maker", recording)
    return started


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    return captured.err


# -- watch -----------------------------------------------------------------------------------------------


def test_watch_prints_one_json_line_per_event(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(
        ["watch", "btcusdt@bookTicker", "BTCUSDT@depth@100ms", "--count", "6", "--sim"], capsys
    )
    assert code == 0 and err == ""
    assert len(lines) == 6
    types = {"btcusdt@bookTicker": "BookTicker", "btcusdt@depth@100ms": "DepthUpdate"}
    for line in lines:
        event = json.loads(line)
        assert list(event) == ["stream", "type", "data"]
        assert types[event["stream"]] == event["type"]  # the symbol typed in upper case is lower-cased
        data = event["data"]
        assert data["s"] == "BTCUSDT" and "stream" not in data
        if event["type"] == "BookTicker":
            assert all(FIXED.fullmatch(data[key]) for key in ("b", "B", "a", "A")), data
            assert Decimal(data["b"]) < Decimal(data["a"])
        else:
            assert isinstance(data["U"], int) and data["U"] <= data["u"]
            levels = data["b"] + data["a"]
            assert levels and all(FIXED.fullmatch(p) and FIXED.fullmatch(q) for p, q in levels)


def test_watch_status_prints_the_connection_lost_and_reopened(
    simulators: list[Simulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = _streams._start_market_maker

    def dropping(sim: Simulator, symbols: Any) -> None:
        recording(sim, symbols)
        sim.streams.faults.drop_new_connections(1, after_messages=4)  # the first connection only

    monkeypatch.setattr(_streams, "_start_market_maker", dropping)
    code, lines, err = run(["watch", "btcusdt@depth@100ms", "--status", "--count", "8", "--sim"], capsys)
    assert code == 0 and err == ""
    parsed = [json.loads(line) for line in lines]
    statuses = [p for p in parsed if p["type"] == "StreamStatus"]
    events = [p for p in parsed if p["type"] != "StreamStatus"]
    assert len(events) == 8 and all(e["stream"] == "btcusdt@depth@100ms" for e in events)
    assert [s["kind"] for s in statuses] == ["disconnected", "connected"]
    assert all(s["streams"] == ["btcusdt@depth@100ms"] and set(s) == {"type", "kind", "streams", "detail"}
               for s in statuses)  # fmt: skip
    assert simulators[0].streams.faults.counts["drop"] == 1


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ("btcusdt@trades", "unknown stream 'btcusdt@trades'"),
        ("btcusdt", "needs a type after '@'"),
        ("btc usdt@trade", "cannot contain spaces"),
        ("btcusdt@kline_2m", "unknown kline interval '2m'"),
        ("btcusdt@ticker_2h", "unknown ticker window '2h'"),
        ("!serverShutdown", "unknown stream '!serverShutdown'"),
    ],
)
def test_a_bad_stream_name_is_a_usage_error(
    stream: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = usage_error(["watch", "btcusdt@trade", stream, "--sim"], capsys)
    assert err.startswith("error: argument STREAM: ") and message in err
    assert err.endswith("(see 'binance-async watch --help')\n")


def test_watch_needs_a_stream(capsys: pytest.CaptureFixture[str]) -> None:
    assert "the following arguments are required: STREAM" in usage_error(["watch", "--sim"], capsys)


def test_a_stream_the_server_refuses_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(["watch", "foousdt@trade", "--count", "1", "--sim"], capsys)
    assert code == EXIT_FAILURE and lines == []
    assert err.startswith("error: cannot subscribe: SUBSCRIBE refused: ") and err.count("\n") == 1
    assert "foousdt@trade" in err


def test_event_lines_of_an_array_stream_a_raw_event_and_a_status() -> None:
    ticker = MiniTicker(
        event_time=1, symbol="BTCUSDT", last_price=Decimal("1E-8"), open_price=Decimal("2"),
        high_price=Decimal("3.10"), low_price=Decimal("0"), volume=Decimal("0E-8"), quote_volume=Decimal("5"),
    )  # fmt: skip
    line = event_json(MiniTickers(tickers=[ticker], stream="!miniTicker@arr"))
    assert line["stream"] == "!miniTicker@arr" and line["type"] == "MiniTickers"
    [data] = line["data"]  # the array, as Binance sends it
    assert data["c"] == "0.00000001" and data["v"] == "0.00000000" and data["h"] == "3.10"
    assert "stream" not in data
    raw = event_json(RawEvent(data={"x": [1, "2"]}, stream="btcusdt@new"))
    assert raw == {"stream": "btcusdt@new", "type": "RawEvent", "data": {"x": [1, "2"]}}
    book = event_json(
        BookTicker(
            update_id=7, symbol="BTCUSDT", bid_price=Decimal("1.5"), bid_qty=Decimal("2"),
            ask_price=Decimal("1.6"), ask_qty=Decimal("0.000"), stream="btcusdt@bookTicker",
        )
    )  # fmt: skip
    assert book["data"] == {"u": 7, "s": "BTCUSDT", "b": "1.5", "B": "2", "a": "1.6", "A": "0.000"}
    status = status_json(StreamStatus("refused", ("a@trade",), "no"))
    assert status == {"type": "StreamStatus", "kind": "refused", "streams": ["a@trade"], "detail": "no"}


def test_ctrl_c_while_watching_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = _streams._write_line
    calls: list[Any] = []

    def interrupted_after_one(value: Any) -> None:
        calls.append(value)
        if len(calls) > 1:
            raise KeyboardInterrupt
        written(value)

    monkeypatch.setattr(_streams, "_write_line", interrupted_after_one)
    code, lines, err = run(["watch", "btcusdt@depth@100ms", "--sim"], capsys)
    assert code == EXIT_INTERRUPTED and len(lines) == 1 and err == "error: interrupted\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_a_real_ctrl_c_ends_watch_with_130() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINANCE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "binance_async", "watch", "btcusdt@depth@100ms", "--sim"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        first = json.loads(process.stdout.readline())  # subscribed and printing
        assert first["stream"] == "btcusdt@depth@100ms"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == EXIT_INTERRUPTED and err == "error: interrupted\n"


# -- book ------------------------------------------------------------------------------------------------


def check_book_line(line: dict[str, Any], levels: int) -> None:
    assert line["symbol"] == "BTCUSDT" and line["state"] == "live" and line["stale"] is False
    bids = [(Decimal(p), Decimal(q)) for p, q in line["bids"]]
    asks = [(Decimal(p), Decimal(q)) for p, q in line["asks"]]
    assert 0 < len(bids) <= levels and 0 < len(asks) <= levels
    assert all(FIXED.fullmatch(text) for level in line["bids"] + line["asks"] for text in level)
    assert bids[0][0] < asks[0][0]  # not crossed
    assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
    assert [p for p, _ in asks] == sorted(p for p, _ in asks)
    assert all(q > 0 for _, q in bids + asks)
    assert FIXED.fullmatch(line["spread"]) and Decimal(line["spread"]) == asks[0][0] - bids[0][0]


def test_book_prints_json_lines_when_stdout_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(["book", "btcusdt", "--levels", "5", "--count", "4", "--sim"], capsys)
    assert code == 0 and err == ""
    assert len(lines) == 4 and not any(ANSI.search(line) for line in lines)
    parsed = [json.loads(line) for line in lines]
    for line in parsed:
        check_book_line(line, 5)
        assert line["resyncs"] == 0 and line["gaps"] == 0 and line["crossed"] == 0
    ids = [line["lastUpdateId"] for line in parsed]
    assert ids == sorted(ids) and ids[0] < ids[-1]  # after the snapshot, one line per update
    assert parsed[0]["eventTime"] == 0 and parsed[-1]["eventTime"] > 0


def test_book_every_interval(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(["book", "BTCUSDT", "--interval", "0.05", "--count", "3", "--sim"], capsys)
    assert code == 0 and len(lines) == 3
    for line in lines:
        check_book_line(json.loads(line), 10)


def test_book_shows_a_gap_and_its_resync(
    simulators: list[Simulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened = _streams._open_book

    async def then_skip_one(book: OrderBook, client: Any, timeout: float) -> None:
        await opened(book, client, timeout)
        simulators[0].streams.faults.skip_depth_update("BTCUSDT")  # the next diff is never sent

    monkeypatch.setattr(_streams, "_open_book", then_skip_one)
    code, lines, err = run(["book", "BTCUSDT", "--count", "6", "--sim"], capsys)
    assert code == 0 and err == ""
    parsed = [json.loads(line) for line in lines]
    assert parsed[0]["gaps"] == 0 and parsed[0]["resyncs"] == 0
    assert parsed[-1]["gaps"] == 1 and parsed[-1]["resyncs"] == 1
    for line in parsed:
        check_book_line(line, 10)


def frames(output: str, height: int) -> list[list[str]]:
    """The frames of a redrawn view, each as its lines without ANSI sequences."""
    assert output.startswith(Screen.HIDE_CURSOR) and output.endswith(Screen.SHOW_CURSOR)
    body = output[len(Screen.HIDE_CURSOR) : -len(Screen.SHOW_CURSOR)]
    chunks = body.split(Screen.up(height))
    result = []
    for chunk in chunks:
        assert chunk.endswith(Screen.CLEAR_BELOW)
        lines = chunk[: -len(Screen.CLEAR_BELOW)].split("\n")
        assert lines[-1] == "" and len(lines) == height + 1
        assert all(line.startswith(Screen.CLEAR_LINE) for line in lines[:-1])
        result.append([line[len(Screen.CLEAR_LINE) :] for line in lines[:-1]])
    return result


def test_book_redraws_in_place_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["book", "BTCUSDT", "--levels", "4", "--count", "3", "--sim"]) == 0
    assert capsys.readouterr().err == ""
    output = terminal.getvalue()
    shown = frames(output, 4 + 3)
    assert len(shown) == 3 and output.count(Screen.up(7)) == 2
    for frame in shown:
        assert not any(ANSI.search(line) for line in frame)
        header, columns, *rows, footer = frame
        assert re.fullmatch(r"BTCUSDT  live  last update id \d+( at \S+Z)?", header), header
        assert columns.split() == ["#", "bid", "qty", "bid", "price", "ask", "price", "ask", "qty"]
        assert [row.split()[0] for row in rows] == ["1", "2", "3", "4"]
        best = rows[0].split()
        assert Decimal(best[2]) < Decimal(best[3])  # bid price < ask price
        assert re.fullmatch(r"spread [0-9.]+ \([0-9.e-]+ bp\)  resyncs 0  gaps 0  crossed 0", footer), footer
    assert " at " in shown[-1][0]  # an update was applied: its time is shown


def test_book_json_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["book", "BTCUSDT", "--json", "--levels", "2", "--count", "2", "--sim"]) == 0
    lines = terminal.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in terminal.getvalue()
    for line in lines:
        check_book_line(json.loads(line), 2)


def test_ctrl_c_on_a_terminal_shows_the_cursor_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    drawn = _streams.book_lines
    calls: list[int] = []

    def interrupted_after_two(book: OrderBook, levels: int) -> list[str]:
        calls.append(levels)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return drawn(book, levels)

    monkeypatch.setattr(_streams, "book_lines", interrupted_after_two)
    assert main(["book", "BTCUSDT", "--levels", "3", "--sim"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "error: interrupted\n"
    assert len(frames(terminal.getvalue(), 3 + 3)) == 2


class FakeBook:
    """What `book_lines` reads of an `OrderBook`."""

    symbol = "BTCUSDT"
    last_update_id = 42
    last_event_time = 1_714_521_600_123
    resyncs = 2
    gaps = 1
    crossed = 0

    def __init__(self, state: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        self.state = state
        self._bids = [(Decimal(p), Decimal(q)) for p, q in bids]
        self._asks = [(Decimal(p), Decimal(q)) for p, q in asks]

    def bids(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        return self._bids[:n]

    def asks(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        return self._asks[:n]


def test_the_view_of_a_stale_book_with_a_short_side() -> None:
    fake = FakeBook("waiting", [("100.50000000", "1.00000000"), ("100.00000000", "0.25000000")], [])
    lines = book_lines(cast(OrderBook, fake), 3)
    assert len(lines) == 3 + 3
    assert lines[0] == (
        "BTCUSDT  STALE: rebuilding from a new snapshot  last update id 42 at 2024-05-01T00:00:00.123Z"
    )
    assert lines[2].split() == ["1", "1.00", "100.5"] and lines[3].split() == ["2", "0.25", "100.0"]
    assert lines[4].strip() == "3"  # a blank level keeps the frame's height
    assert lines[-1] == "spread -  resyncs 2  gaps 1  crossed 0"
    suspect = book_lines(cast(OrderBook, FakeBook("suspect", [("1", "1")], [("2", "1")])), 1)
    assert "STALE: connection lost, not yet confirmed" in suspect[0]
    assert suspect[-1].startswith("spread 1 (5e+03 bp)")


def test_the_screen_cuts_lines_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "11")
    monkeypatch.setenv("LINES", "3")
    terminal = FakeTerminal()
    screen = Screen(terminal)
    screen.draw(["0123456789abc", "second", "third"])  # 10 characters wide, 2 lines high
    screen.draw(["x"])
    screen.close()
    assert terminal.getvalue() == (
        "\x1b[?25l\x1b[2K0123456789\n\x1b[2Ksecond\n\x1b[J"
        "\r\x1b[2A\x1b[2Kx\n\x1b[J"  # up over the two lines drawn, the rest erased
        "\x1b[?25h"
    )


def test_a_snapshot_refused_for_good_ends_the_wait() -> None:
    assert _streams._refused(InvalidSymbolError(400, -1121, "Invalid symbol."))
    assert not _streams._refused(RateLimitedError(429, -1003, "Too many requests."))
    assert not _streams._refused(None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["book", "BTCUSDT", "--levels", "20", "--depth", "10"], "--levels 20 is more than --depth 10"),
        (["book", "BTCUSDT", "--depth", "5001"], "must be at most 5000"),
        (["book", "BTCUSDT", "--count", "0"], "must be greater than 0"),
        (["book", "BTCUSDT", "--interval", "0"], "must be a positive number"),
    ],
)
def test_book_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error([*argv, "--sim"], capsys)
    assert message in err and err.endswith("(see 'binance-async book --help')\n")


def test_a_book_of_an_unknown_symbol_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(["book", "FOOUSDT", "--count", "1", "--sim"], capsys)
    assert code == EXIT_FAILURE and lines == [] and err.count("\n") == 1
    assert err.startswith("error: ") and "foousdt@depth@100ms" in err


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A host that accepts TCP connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize("command", [["watch", "btcusdt@trade"], ["book", "BTCUSDT"]])
def test_streams_that_cannot_be_subscribed_in_time_are_one_line_and_exit_1(
    command: list[str], silent_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = run([*command, "--base-url", silent_server, "--timeout", "0.3"], capsys)
    assert code == EXIT_FAILURE and lines == [] and err.count("\n") == 1
    ws_url = silent_server.replace("http://", "ws://")
    assert err.startswith(f"error: no connection to the market streams at {ws_url} in 0.3 s"), err


def test_a_snapshot_refused_for_good_is_one_line_and_exit_1(
    simulators: list[Simulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = _streams._start_market_maker

    def refusing_depth(sim: Simulator, symbols: Any) -> None:
        recording(sim, symbols)
        sim.faults.add(FaultRule("error_before", 1.0, path="/api/v3/depth", status=400))

    monkeypatch.setattr(_streams, "_start_market_maker", refusing_depth)
    code, lines, err = run(["book", "BTCUSDT", "--count", "1", "--sim"], capsys)
    assert code == EXIT_FAILURE and lines == [] and err.count("\n") == 1
    assert err.startswith("error: Binance refused the request: GET /api/v3/depth: HTTP 400"), err


def test_a_book_without_a_snapshot_in_time_is_one_line_and_exit_1(
    simulators: list[Simulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = _streams._start_market_maker

    def failing_depth(sim: Simulator, symbols: Any) -> None:
        recording(sim, symbols)
        sim.faults.add(FaultRule("error_before", 1.0, path="/api/v3/depth", status=503))

    monkeypatch.setattr(_streams, "_start_market_maker", failing_depth)
    code, lines, err = run(["book", "BTCUSDT", "--count", "1", "--timeout", "0.2", "--sim"], capsys)
    assert code == EXIT_FAILURE and lines == [] and err.count("\n") == 1
    assert err.startswith("error: the order book of BTCUSDT is not ready after 0.4 s"), err


def test_a_host_refusing_connections_is_named_and_no_warning_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, lines, err = run(
        ["watch", "btcusdt@trade", "--base-url", f"http://127.0.0.1:{port}", "--timeout", "0.5"], capsys
    )
    assert code == EXIT_FAILURE and lines == [] and err.count("\n") == 1, err  # the library's warnings unseen
    assert err.startswith(f"error: no connection to the market streams at ws://127.0.0.1:{port} in 0.5 s (")
    assert "ConnectionFailedError" in err
