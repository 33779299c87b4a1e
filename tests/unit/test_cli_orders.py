"""``orders [SYMBOL] [--follow]``: run in-process against ``--sim``, stopped by ``--count``, never by a timer.
The orders are placed by the test (in place of the command's own ``--sim`` activity) once the user data
stream is subscribed, so the events are known: the listing (lines and JSON, the SYMBOL filter), execution
reports as JSON lines (type, status, client order id, fixed-point numbers) and as terminal lines,
``--all-events``, a reconnect's resync, failures, usage errors and Ctrl-C."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest

from binance_async.cli import _orders, main
from binance_async.cli._connect import Connection, connect
from binance_async.cli._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE
from binance_async.cli._orders import event_json, event_lines
from binance_async.sim import Simulator
from binance_async.spot import SpotClient
from binance_async.spot.enums import OrderSide
from binance_async.ws_api import UserStreamResynced
from binance_async.ws_api.user_events import BalanceUpdate, ListStatus, ListStatusOrder, UserRawEvent

NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # fixed point, never 1E-8
#: The keys of an executionReport whose values are Decimals.
MONEY = ("q", "p", "P", "F", "l", "z", "L", "n", "Z", "Y", "Q")
REPORT = re.compile(
    r"\S+Z  (?P<symbol>\S+) (?P<side>BUY|SELL) (?P<type>\S+)( @ [0-9.]+)?  (?P<x>\S+) \(status (?P<X>\S+)\)"
    r"  last (-|[0-9.]+ @ [0-9.]+)  filled [0-9.]+ / [0-9.]+  client order id (?P<cid>\S+)"
)

Activity = Callable[[SpotClient, str], Awaitable[None]]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def simulators(monkeypatch: pytest.MonkeyPatch) -> list[Simulator]:
    """The simulators the command starts."""
    started: list[Simulator] = []
    original = connect

    @asynccontextmanager
    async def recording(args: Any, **options: Any) -> AsyncIterator[Connection]:
        async with original(args, **options) as conn:
            if conn.simulator is not None:
                started.append(conn.simulator)
            yield conn

    monkeypatch.setattr(_orders, "connect", recording)
    return started


async def limit_order(client: SpotClient, symbol: str, cid: str, side: OrderSide = "BUY") -> None:
    """A LIMIT order 10% away from the market (it rests)."""
    rules = await client.symbol_rules(symbol)
    book = await client.book_ticker(symbol)
    factor = Decimal("0.9") if side == "BUY" else Decimal("1.1")
    price = rules.round_price(book.bid_price * factor, "BUY")
    quantity = rules.round_quantity(Decimal(20) / price)
    await client.new_order(
        symbol, side, "LIMIT", quantity=quantity, price=price, time_in_force="GTC", new_client_order_id=cid
    )


async def market_order(client: SpotClient, symbol: str, cid: str) -> None:
    rules = await client.symbol_rules(symbol)
    book = await client.book_ticker(symbol)
    quantity = rules.round_quantity(Decimal(20) / book.ask_price)
    await client.new_order(symbol, "BUY", "MARKET", quantity=quantity, new_client_order_id=cid)


def placing(*steps: Callable[[SpotClient], Awaitable[None]]) -> Activity:
    """An activity that runs `steps` once (the stream is subscribed), then does nothing more."""

    async def activity(client: SpotClient, symbol: str) -> None:
        for step in steps:
            await step(client)

    return activity


#: A resting LIMIT BUY (client order id rest-1), then a MARKET BUY that fills (take-1), on BTCUSDT.
rest_then_take = placing(
    lambda c: limit_order(c, "BTCUSDT", "rest-1"), lambda c: market_order(c, "BTCUSDT", "take-1")
)


@pytest.fixture
def no_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """No resting order placed by the command before its listing."""

    async def nothing(client: SpotClient, symbol: str) -> None:
        return None

    monkeypatch.setattr(_orders, "sim_setup", nothing)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def check_numbers(data: dict[str, Any]) -> None:
    for key in MONEY:
        assert isinstance(data[key], str) and NUMBER.fullmatch(data[key]), (key, data[key])


# -- the listing ---------------------------------------------------------------------------------------------


def test_the_open_orders_one_line_each_and_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def two_symbols(client: SpotClient, symbol: str) -> None:
        await limit_order(client, "BTCUSDT", "btc-rest")
        await limit_order(client, "ETHUSDT", "eth-rest", "SELL")

    monkeypatch.setattr(_orders, "sim_setup", two_symbols)
    code, lines, err = run(["orders", "--sim"], capsys)
    assert code == 0 and err == ""
    assert lines[0] == "2 open orders:" and len(lines) == 3
    assert re.fullmatch(
        r"  \S+Z  LIMIT BUY [0-9.]+ BTCUSDT @ [0-9.]+ \(GTC\): NEW, executed 0  "
        r"\(order id \d+, client order id btc-rest\)",
        lines[1],
    ), lines[1]
    assert "LIMIT SELL" in lines[2] and "ETHUSDT" in lines[2] and "client order id eth-rest" in lines[2]

    code, lines, err = run(["orders", "ethusdt", "--sim"], capsys)  # SYMBOL: only its orders
    assert code == 0 and err == ""
    assert lines[0] == "1 open order on ETHUSDT:" and len(lines) == 2 and "eth-rest" in lines[1]

    code, lines, _ = run(["orders", "BTCUSDT", "--json", "--sim"], capsys)
    [order] = json.loads("\n".join(lines))
    assert order["clientOrderId"] == "btc-rest" and order["status"] == "NEW" and order["symbol"] == "BTCUSDT"
    assert all(NUMBER.fullmatch(order[key]) for key in ("price", "origQty", "executedQty"))
    assert order["executedQty"] == "0.00000000"


def test_no_open_orders(no_setup: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["orders", "BNBUSDT", "--sim"], capsys) == (0, ["no open orders on BNBUSDT"], "")


# -- --follow ------------------------------------------------------------------------------------------------


def test_follow_prints_the_execution_reports_of_the_orders_placed_as_json_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_orders, "sim_activity", rest_then_take)
    code, lines, err = run(["orders", "--follow", "--count", "3", "--sim"], capsys)
    assert code == 0 and err == ""
    first, *events = [json.loads(line) for line in lines]
    assert first["type"] == "OpenOrders" and len(first["data"]) == 1  # the command's own resting order
    assert first["data"][0]["status"] == "NEW" and first["data"][0]["type"] == "LIMIT"
    assert [e["type"] for e in events] == ["ExecutionReport"] * 3
    seen = [(e["data"]["c"], e["data"]["x"], e["data"]["X"]) for e in events]
    assert seen == [("rest-1", "NEW", "NEW"), ("take-1", "NEW", "NEW"), ("take-1", "TRADE", "FILLED")]
    for event in events:
        data = event["data"]
        assert data["e"] == "executionReport" and data["s"] == "BTCUSDT"
        check_numbers(data)
    fill = events[-1]["data"]
    assert Decimal(fill["l"]) > 0 and fill["l"] == fill["z"] == fill["q"] and Decimal(fill["L"]) > 0
    assert Decimal(events[0]["data"]["z"]) == 0 and events[0]["data"]["z"].startswith("0.0")


def test_follow_only_the_symbol_given(no_setup: None, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(
        _orders,
        "sim_activity",
        placing(
            lambda c: market_order(c, "BTCUSDT", "btc-1"),
            lambda c: limit_order(c, "BTCUSDT", "btc-2"),
            lambda c: limit_order(c, "ETHUSDT", "eth-1"),
            lambda c: market_order(c, "ETHUSDT", "eth-2"),
        ),
    )
    code, lines, err = run(["orders", "ETHUSDT", "--follow", "--json", "--count", "3", "--sim"], capsys)
    assert code == 0 and err == ""
    first, *events = [json.loads(line) for line in lines]
    assert first == {"type": "OpenOrders", "data": []}
    assert [(e["data"]["s"], e["data"]["c"], e["data"]["x"]) for e in events] == [
        ("ETHUSDT", "eth-1", "NEW"),
        ("ETHUSDT", "eth-2", "NEW"),
        ("ETHUSDT", "eth-2", "TRADE"),
    ]


def test_follow_on_a_terminal_prints_one_line_per_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setattr(_orders, "sim_activity", rest_then_take)
    assert main(["orders", "--follow", "--count", "3", "--sim"]) == 0
    assert capsys.readouterr().err == ""
    lines = terminal.getvalue().splitlines()
    assert lines[0] == "1 open order:" and "LIMIT BUY" in lines[1]
    assert lines[2] == "following order updates (Ctrl-C to stop); --sim: a MARKET order every 1 s on BTCUSDT"
    reports = [REPORT.fullmatch(line) for line in lines[3:]]
    assert len(reports) == 3 and all(reports), lines[3:]
    seen = [(m["symbol"], m["side"], m["type"], m["x"], m["X"], m["cid"]) for m in reports if m]
    assert seen == [
        ("BTCUSDT", "BUY", "LIMIT", "NEW", "NEW", "rest-1"),
        ("BTCUSDT", "BUY", "MARKET", "NEW", "NEW", "take-1"),
        ("BTCUSDT", "BUY", "MARKET", "TRADE", "FILLED", "take-1"),
    ]
    assert " @ " in lines[3] and "  last -  filled 0 / " in lines[3]  # a LIMIT's price; nothing filled yet
    fill = lines[-1]
    assert re.search(r"  last ([0-9.]+) @ [0-9.]+  filled \1 / \1  ", fill), fill


def test_all_events_adds_the_balances(no_setup: None, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setattr(_orders, "sim_activity", placing(lambda c: limit_order(c, "BTCUSDT", "rest-1")))
    code, lines, err = run(["orders", "--follow", "--all-events", "--count", "2", "--sim"], capsys)
    assert code == 0 and err == ""
    _, report, position = [json.loads(line) for line in lines]
    assert report["type"] == "ExecutionReport" and report["data"]["c"] == "rest-1"
    assert position["type"] == "OutboundAccountPosition"
    assert position["data"]["e"] == "outboundAccountPosition"
    [usdt] = position["data"]["B"]
    assert usdt["a"] == "USDT" and NUMBER.fullmatch(usdt["f"]) and Decimal(usdt["l"]) > 0


def test_the_command_s_own_sim_orders(no_setup: None, capsys: pytest.CaptureFixture[str]) -> None:
    """The first MARKET order is placed at once (no waiting for the second)."""
    code, lines, err = run(["orders", "ETHBTC", "--follow", "--count", "2", "--sim"], capsys)
    assert code == 0 and err == ""
    events = [json.loads(line)["data"] for line in lines[1:]]
    assert [(e["s"], e["o"], e["S"], e["X"]) for e in events] == [
        ("ETHBTC", "MARKET", "BUY", "NEW"),
        ("ETHBTC", "MARKET", "BUY", "FILLED"),
    ]


def test_a_reconnect_says_so_and_lists_the_open_orders_again(
    simulators: list[Simulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def drop(client: SpotClient, symbol: str) -> None:
        simulators[0].ws_api.faults.drop_open_connections()

    monkeypatch.setattr(_orders, "sim_activity", drop)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["orders", "BTCUSDT", "--follow", "--count", "1", "--sim"]) == 0
    assert capsys.readouterr().err == ""
    lines = terminal.getvalue().splitlines()
    resting = lines[1]
    assert lines[-2] == (
        "the user data stream reconnected (events may have been missed meanwhile); the open orders, "
        "fetched again: 1 open order on BTCUSDT:"
    )
    assert lines[-1] == resting  # the command's resting order, listed again


def test_event_lines_and_json_of_other_events() -> None:
    resynced = UserStreamResynced(None, None, "RequestTimeoutError: no answer")
    assert event_lines(resynced) == [
        "the user data stream reconnected (events may have been missed meanwhile); "
        "the open orders could not be fetched again: RequestTimeoutError: no answer"
    ]
    assert event_json(resynced) == {
        "type": "UserStreamResynced",
        "data": {"openOrders": None, "error": "RequestTimeoutError: no answer"},
    }
    update = BalanceUpdate(event_time=1_714_521_600_000, asset="BTC", delta=Decimal("-1E-8"), clear_time=None)
    assert event_lines(update) == ["2024-05-01T00:00:00Z  balance update  BTC -0.00000001"]
    assert event_json(update)["data"] == {"e": "balanceUpdate", "E": 1_714_521_600_000, "a": "BTC",
                                          "d": "-0.00000001", "T": None}  # fmt: skip
    listed = ListStatus(
        event_time=1, symbol="BTCUSDT", order_list_id=3, contingency_type="OCO",
        list_status_type="EXEC_STARTED", list_order_status="EXECUTING", list_reject_reason="NONE",
        list_client_order_id="L1", transaction_time=1_714_521_600_500,
        orders=[ListStatusOrder("BTCUSDT", 1, "a"), ListStatusOrder("BTCUSDT", 2, "b")],
    )  # fmt: skip
    assert event_lines(listed) == [
        "2024-05-01T00:00:00.500Z  BTCUSDT order list OCO EXEC_STARTED (status EXECUTING)  orders a, b  "
        "list client order id L1"
    ]
    raw = UserRawEvent({"e": "somethingNew", "x": 1})
    assert event_lines(raw) == ['unknown event somethingNew: {"e":"somethingNew","x":1}']
    assert event_json(raw) == {"type": "UserRawEvent", "data": {"e": "somethingNew", "x": 1}}


# -- failures ------------------------------------------------------------------------------------------------


def test_a_failing_sim_activity_is_one_line_and_exit_1(no_setup: None, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setattr(_orders, "sim_activity", placing(lambda c: market_order(c, "FOOUSDT", "x")))
    code, lines, err = run(["orders", "--follow", "--sim"], capsys)
    assert code == EXIT_FAILURE and len(lines) == 1 and err.count("\n") == 1
    assert err.startswith("error: ") and "FOOUSDT" in err


def test_ctrl_c_while_following_is_one_line_and_exit_130(
    no_setup: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = _orders._write_line
    calls: list[Any] = []

    def interrupted_after_two(value: Any) -> None:
        calls.append(value)
        if len(calls) > 2:
            raise KeyboardInterrupt
        written(value)

    monkeypatch.setattr(_orders, "_write_line", interrupted_after_two)
    code, lines, err = run(["orders", "--follow", "--sim"], capsys)
    assert code == EXIT_INTERRUPTED and len(lines) == 2 and err == "error: interrupted\n"


@pytest.mark.parametrize("argv", [["orders"], ["orders", "BTCUSDT", "--follow"], ["orders", "--json"]])
def test_missing_keys_are_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(argv, capsys)
    assert code == EXIT_USAGE and lines == [] and err.count("\n") == 1
    assert err.startswith("error: this command needs API keys: set BINANCE_API_KEY and BINANCE_API_SECRET")
    assert err.endswith("(see 'binance-async orders --help')\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["orders", "--count", "2"], "--count goes with --follow"),
        (["orders", "--all-events", "--count", "2"], "--count and --all-events go with --follow"),
    ],
)
def test_follow_options_without_follow(argv: list[str], message: str, capsys: Any) -> None:
    code, lines, err = run([*argv, "--sim"], capsys)
    assert (code, lines) == (EXIT_USAGE, [])
    assert err == f"error: {message} (see 'binance-async orders --help')\n"


def test_follow_needs_a_websocket_api_host(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", "k" * 64)
    monkeypatch.setenv("BINANCE_API_SECRET", "s" * 64)
    code, lines, err = run(["orders", "--follow", "--base-url", "https://api.example.com"], capsys)
    assert (code, lines) == (EXIT_USAGE, [])
    assert err.startswith("error: --follow needs Binance's WebSocket API, and none is known for https://api.")


def test_a_bad_count_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["orders", "--follow", "--count", "0", "--sim"])
    assert exited.value.code == EXIT_USAGE
    assert "must be greater than 0" in capsys.readouterr().err
