"""Usage, with no server: the command line's one voice for usage errors (exit 2, its flags named), its
relative times, the host options repeated in the unknown-outcome hint, and the library's refusal of a
symbol or an enumeration value spelt in the wrong case (nothing sent)."""

from __future__ import annotations

import argparse
import time
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async.cli import main
from binance_async.cli._errors import EXIT_UNKNOWN_OUTCOME, EXIT_USAGE
from binance_async.cli._parser import check_order_flags, iso_time, parse, timestamp_value
from binance_async.cli._trading import _unknown_outcome
from binance_async.errors import ExecutionStatusUnknownError, ParameterError
from binance_async.spot._common import check_enum, check_symbol
from binance_async.testing import MockTransport, Router
from tests.unit.helpers import KEY, SECRET, calls

HOUR = 3_600_000


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one stderr line of a usage error found while parsing `argv` (exit code 2)."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    return captured.err


# -- an order's flags, by its type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["BUY", "LIMIT", "--quantity", "0.001"], "a LIMIT order needs --price"),
        (["BUY", "MARKET", "--quantity", "0.001", "--price", "60000"], "a MARKET order takes no --price"),
        (["BUY", "MARKET"], "a MARKET order needs --quantity or --quote-quantity"),
        (["BUY", "LIMIT", "--price", "60000"], "a LIMIT order needs --quantity"),
        (["SELL", "STOP_LOSS", "--quantity", "1"], "a STOP_LOSS order needs --stop-price"),
        (
            ["SELL", "STOP_LOSS_LIMIT"],
            "a STOP_LOSS_LIMIT order needs --quantity, --price and --stop-price",
        ),
        (
            ["BUY", "MARKET", "--quantity", "1", "--stop-price", "5", "--time-in-force", "GTC"],
            "a MARKET order takes no --stop-price or --time-in-force",
        ),
        (
            ["BUY", "LIMIT_MAKER", "--quantity", "1", "--price", "1", "--time-in-force", "gtc"],
            "a LIMIT_MAKER order takes no --time-in-force",
        ),
        (
            ["BUY", "LIMIT", "--quote-quantity", "10", "--price", "60000"],
            "a LIMIT order needs --quantity",
        ),
        (
            ["BUY", "TAKE_PROFIT", "--quantity", "1", "--stop-price", "7", "--quote-quantity", "1"],
            "",  # refused by argparse: the two amounts are mutually exclusive
        ),
    ],
)
def test_an_order_missing_or_given_a_flag_is_a_usage_error_naming_the_flag(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: "a LIMIT order needs price or peg_price_type" (a keyword the command line does not have)
    and exit 2, but a MARKET order with --price exited 1 as a broken rule, after reaching the host."""
    err = usage_error(["order", "BTCUSDT", *flags, "--sim"], capsys)
    assert err.startswith("error: ") and err.endswith(" (see 'binance-async order --help')\n"), err
    assert message in err
    assert "peg_price_type" not in err and "quote_order_qty" not in err


@pytest.mark.parametrize(
    "flags",
    [
        ["buy", "limit", "--quantity", "1", "--price", "1"],
        ["SELL", "MARKET", "--quote-quantity", "10"],
        ["SELL", "STOP_LOSS", "--quantity", "1", "--stop-price", "1"],
        ["SELL", "TAKE_PROFIT_LIMIT", "--quantity", "1", "--price", "2", "--stop-price", "1",
         "--time-in-force", "ioc"],
        ["BUY", "LIMIT_MAKER", "--quantity", "1", "--price", "1"],
    ],
)  # fmt: skip
def test_an_order_with_what_its_type_takes_parses(flags: list[str]) -> None:
    args, _ = parse(["order", "btcusdt", *flags])
    assert check_order_flags(args) is None
    assert args.symbol == "BTCUSDT" and args.side in ("BUY", "SELL") and args.type.isupper()


def test_an_unusable_client_order_id_is_refused_by_its_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the library's "new_client_order_id must be ..." (a keyword), after connecting."""
    err = usage_error(
        ["order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1", "--client-order-id", "a b"], capsys
    )
    assert "argument --client-order-id: not a client order id: 'a b'" in err
    assert "new_client_order_id" not in err


def test_a_usage_error_found_after_parsing_speaks_with_the_same_voice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing keys are found when the command connects: still exit 2, and the same line's shape."""
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["account", "--testnet"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: this command needs API keys")
    assert err.endswith(" (see 'binance-async account --help')\n") and err.count("\n") == 1


# -- times --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "span"), [("-90s", 90_000), ("-30m", 1_800_000), ("-24h", 24 * HOUR),
                                             ("-2d", 48 * HOUR), ("-1w", 168 * HOUR)])  # fmt: skip
def test_a_span_before_now_is_a_time(text: str, span: int) -> None:
    """Before: "not a time: '-24h'"."""
    now = int(time.time() * 1000)
    assert abs(timestamp_value(text) - (now - span)) < 5_000


def test_klines_take_a_relative_start_after_the_flag_as_typed() -> None:
    """``--start -24h``: argparse alone reads ``-24h`` as an unknown option ("expected one argument")."""
    args, _ = parse(["klines", "BTCUSDT", "--interval", "1h", "--start", "-24h", "--end", "-1h"])
    now = int(time.time() * 1000)
    assert abs(args.start - (now - 24 * HOUR)) < 5_000 and abs(args.end - (now - HOUR)) < 5_000
    same, _ = parse(["klines", "BTCUSDT", "--start=-24h"])
    assert abs(same.start - args.start) < 5_000


@pytest.mark.parametrize("text", ["-24", "-1y", "24h", "- 1h", "-1H"])
def test_a_span_needs_its_sign_and_a_known_unit(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a time"):
        timestamp_value(text)


def test_a_range_that_ends_before_it_starts_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the raw ms values, with no '(see ...)' (the command had started)."""
    err = usage_error(["klines", "BTCUSDT", "--start", "2024-05-02", "--end", "2024-05-01"], capsys)
    assert err == (
        "error: --start (2024-05-02T00:00:00Z) is after --end (2024-05-01T00:00:00Z) "
        "(see 'binance-async klines --help')\n"
    )
    assert iso_time(1_714_521_600_123) == "2024-05-01T00:00:00.123Z"


def test_help_says_what_is_upper_cased_and_which_times_are_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "may be typed in lower case (btcusdt buy limit); they are sent upper-cased" in text
    assert "-24h" in text
    with pytest.raises(SystemExit):
        main(["order", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "LIMIT --quantity --price [--time-in-force]" in text and "(upper-cased)" in text


# -- the unknown-outcome hint repeats the host ---------------------------------------------------------------

UNKNOWN = ExecutionStatusUnknownError(503, -1007, "Timeout waiting for response", client_order_id="cid-7")


@pytest.mark.parametrize(
    ("options", "hint"),
    [
        ([], "look it up with: binance-async status BTCUSDT --client-order-id cid-7"),
        (["--testnet"], "look it up with: binance-async status BTCUSDT --client-order-id cid-7 --testnet"),
        (
            ["--base-url", "http://127.0.0.1:8080"],
            "binance-async status BTCUSDT --client-order-id cid-7 --base-url http://127.0.0.1:8080",
        ),
        (
            ["--testnet", "--private-key", "my keys/ed.pem"],
            "binance-async status BTCUSDT --client-order-id cid-7 --testnet --private-key 'my keys/ed.pem'",
        ),
    ],
)
def test_the_lookup_command_repeats_the_host_options(options: list[str], hint: str) -> None:
    """Before: ``binance-async status BTCUSDT --client-order-id cid-7`` whatever the host (mainnet)."""
    args, _ = parse(["order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "1", "--price", "1", *options])
    error = _unknown_outcome(args, "order", ("--client-order-id", "cid-7"), UNKNOWN)
    assert error.code == EXIT_UNKNOWN_OUTCOME
    assert str(error).endswith(hint), str(error)


def test_the_lookup_command_uses_the_program_as_it_was_run_and_a_cancels_order_id() -> None:
    args, _ = parse(
        ["cancel", "ETHBTC", "--order-id", "42", "--base-url", "http://127.0.0.1:9"],
        "python -m binance_async",
    )
    error = _unknown_outcome(args, "cancel", ("--order-id", 42), UNKNOWN)
    assert str(error).endswith(
        "look it up with: python -m binance_async status ETHBTC --order-id 42 --base-url http://127.0.0.1:9"
    )


def test_on_the_embedded_simulator_there_is_nothing_left_to_look_up() -> None:
    args, _ = parse(["order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1", "--sim"])
    text = str(_unknown_outcome(args, "order", ("--client-order-id", "cid-7"), UNKNOWN))
    assert "embedded simulator, which stopped with this command" in text and "status" not in text


def test_the_hint_never_carries_a_key_or_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", SECRET)
    args, _ = parse(["order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1", "--testnet"])
    text = str(_unknown_outcome(args, "order", ("--client-order-id", "cid-7"), UNKNOWN))
    assert KEY not in text and SECRET not in text


# -- the library: symbols and enumerations in the wrong case are refused before sending ---------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.ticker_price("btcusdt"), "symbol must be upper case: send 'BTCUSDT', got 'btcusdt'"),
        (lambda c: c.ticker_price(symbols=["BTCUSDT", "ethBtc"]),
         "symbols must be upper case: send 'ETHBTC'"),
        (lambda c: c.depth(symbol="BtcUsdt", limit=5), "send 'BTCUSDT'"),
        (lambda c: c.exchange_info("BTC USDT"), "symbol cannot contain ' '"),
        (lambda c: c.klines("BTC/USDT", "1m"), "symbol cannot contain '/'"),
        (lambda c: c.avg_price(""), "symbol must not be empty"),
        (lambda c: c.klines("BTCUSDT", "1H"), "interval must be spelt exactly: send '1h', got '1H'"),
        (lambda c: c.ticker_24hr("BTCUSDT", type="mini"), "type must be upper case: send 'MINI'"),
        (lambda c: c.new_order("BTCUSDT", "buy", "MARKET", quantity=1),
         "side must be upper case: send 'BUY'"),
        (lambda c: c.new_order("BTCUSDT", "BUY", "limit", quantity=1, price=1, time_in_force="GTC"),
         "type must be upper case: send 'LIMIT'"),
        (lambda c: c.new_order("BTCUSDT", "BUY", "LIMIT", quantity=1, price=1, time_in_force="gtc"),
         "time_in_force must be upper case: send 'GTC'"),
        (lambda c: c.test_new_order("BTCUSDT", "SELL", "MARKET", quantity=1, new_order_resp_type="ack"),
         "new_order_resp_type must be upper case: send 'ACK'"),
        (lambda c: c.new_oco("BTCUSDT", "sell", 1, above_type="LIMIT_MAKER", above_price=2,
                             below_type="STOP_LOSS", below_stop_price=1), "side must be upper case"),
        (lambda c: c.new_oto("BTCUSDT", working_type="LIMIT", working_side="buy", working_price=1,
                             working_quantity=1, working_time_in_force="GTC", pending_type="MARKET",
                             pending_side="SELL", pending_quantity=1), "working_side must be upper case"),
        (lambda c: c.get_order("btcusdt", order_id=1), "symbol must be upper case"),
        (lambda c: c.cancel_order("ethusdt", order_id=1), "symbol must be upper case"),
        (lambda c: c.my_trades("bnbbtc"), "symbol must be upper case"),
    ],
)  # fmt: skip
async def test_a_wrong_case_is_refused_with_the_spelling_to_send(
    call: Any, message: str, router: Router, transport: MockTransport
) -> None:
    """Before: sent, and answered -1100 / -1117 / -1121 by Binance after spending weight."""
    async with SpotClient(KEY, SECRET, transport=transport) as client:
        with pytest.raises(ParameterError) as refused:
            await call(client)
    assert message in str(refused.value)
    assert calls(transport) == []


async def test_raw_requests_are_sent_as_given(router: Router, transport: MockTransport) -> None:
    """`request()` is the way to send anything (Binance's signing example uses full-width digits)."""
    router.get("/api/v3/ticker/price", json={"code": -1100})
    async with SpotClient(transport=transport) as client:
        await client.request("GET", "/api/v3/ticker/price", {"symbol": "btcusdt"})
    [(_, url, _)] = calls(transport)
    assert url == "https://api.binance.com/api/v3/ticker/price?symbol=btcusdt"


@pytest.mark.parametrize("symbol", ["BTCUSDT", "BTC-USD_1.5", "１２３４５６", "币安人生USDT"])
def test_a_symbol_binance_can_have_passes(symbol: str) -> None:
    check_symbol(symbol)


def test_other_values_are_left_to_the_checks_that_follow() -> None:
    check_symbol(["LIMIT"])  # not a str: the rules cache or the encoder refuse it, as before
    check_enum("side", "HOLD", ("BUY", "SELL"))  # unknown, not misspelt: Binance judges it
    check_enum("interval", "1M", ("1m", "1M"))
    with pytest.raises(ParameterError, match="interval must be spelt exactly: send '1m', got '1M'"):
        check_enum("interval", "1M", ("1m", "1h"))
