"""The command line's pieces with no server: values, keys, error lines and exit codes, output helpers."""

from __future__ import annotations

import argparse
import io
import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from binance_async import cli
from binance_async.cli import main
from binance_async.cli._connect import load_credentials
from binance_async.cli._errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_UNKNOWN_OUTCOME,
    EXIT_USAGE,
    describe,
)
from binance_async.cli._output import Progress, fmt, print_json, table
from binance_async.cli._parser import decimal_value, parse, symbol_value, timestamp_value
from binance_async.errors import (
    APIKeyError,
    BinanceAPIError,
    ConnectionFailedError,
    ExecutionStatusUnknownError,
    InvalidRequestError,
    InvalidSymbolError,
    OrderValidationError,
    RateLimitedError,
    SendStatusUnknownError,
)
from binance_async.spot.models import (
    ExchangeInfo,
    Kline,
    Order,
    TickerPrice,
    UnknownFilter,
    fixed,
    json_ready,
)
from binance_async.spot.rules import UnknownSymbolError

KEY = "k" * 64
SECRET = "s" * 64


# -- values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1700000000000", 1_700_000_000_000),
        ("2024-05-01", 1_714_521_600_000),
        ("2024-05-01T12:30", 1_714_566_600_000),
        ("2024-05-01T12:30:00Z", 1_714_566_600_000),
        ("2024-05-01T14:30:00+02:00", 1_714_566_600_000),
        (" 1700000000000 ", 1_700_000_000_000),
    ],
)
def test_times_are_ms_iso_8601_or_utc_without_a_zone(text: str, ms: int) -> None:
    assert timestamp_value(text) == ms


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "", "12:00 tomorrow"])
def test_a_time_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a time"):
        timestamp_value(text)


def test_decimals_are_exact_and_finite() -> None:
    assert decimal_value("0.00000001") == Decimal("0.00000001")
    for bad in ("abc", "NaN", "inf", "1,5"):
        with pytest.raises(argparse.ArgumentTypeError):
            decimal_value(bad)


def test_symbols_are_upper_cased_and_must_look_like_one() -> None:
    assert symbol_value(" btcusdt ") == "BTCUSDT"
    for bad in ("", "BTC USDT", '["BTCUSDT"]'):
        with pytest.raises(argparse.ArgumentTypeError):
            symbol_value(bad)


def test_connection_options_go_before_or_after_the_command() -> None:
    before, _ = parse(["--sim", "--timeout", "3", "price", "btcusdt"])
    after, _ = parse(["price", "btcusdt", "--sim", "--timeout", "3"])
    for args in (before, after):
        assert args.sim is True and args.timeout == 3.0 and args.symbols == ["BTCUSDT"]
    default, _ = parse(["price"])
    assert default.sim is False and default.base_url is None and default.timeout == 10.0


def test_sim_takes_the_simulators_own_options() -> None:
    args, rest = parse(["sim", "--port", "0", "--seed", "7"])
    assert args.command == "sim" and rest == ["--port", "0", "--seed", "7"]


@pytest.mark.parametrize(
    "argv",
    [
        ["price", "--frob"],
        ["price", "--sim", "--testnet"],
        ["--base-url", "http://127.0.0.1:1", "price", "--sim"],
        ["order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "abc"],
        ["order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "-1"],
        ["order", "BTCUSDT", "HOLD", "LIMIT"],
        ["order", "BTCUSDT", "BUY", "MARKET", "--quantity", "1", "--quote-quantity", "1"],
        ["cancel", "BTCUSDT"],
        ["cancel", "BTCUSDT", "--order-id", "1", "--client-order-id", "x"],
        ["klines", "BTCUSDT", "--start", "1", "--interval", "2m"],
        ["klines", "BTCUSDT"],
        ["depth", "BTCUSDT", "--limit", "0"],
        ["nonsense"],
        [],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


# -- keys ---------------------------------------------------------------------------------------------


def _args(private_key: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(private_key=private_key)


def test_keys_come_from_the_environment() -> None:
    keys = load_credentials(_args(), {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET})
    assert (keys.api_key, keys.api_secret, keys.private_key) == (KEY, SECRET, None)
    assert KEY not in repr(keys) and SECRET not in repr(keys)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "needs API keys"),
        ({"BINANCE_API_SECRET": SECRET}, "BINANCE_API_KEY is not set"),
        ({"BINANCE_API_KEY": KEY}, "not BINANCE_API_SECRET"),
        ({"BINANCE_API_KEY": KEY, "BINANCE_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "cannot read"),
    ],
)
def test_missing_keys_are_a_usage_error_that_shows_no_secret(environ: dict[str, str], message: str) -> None:
    with pytest.raises(Exception, match=message) as raised:
        load_credentials(_args(), environ)
    text, code = describe(raised.value)
    assert code == EXIT_USAGE and SECRET not in text and KEY not in text


def test_a_private_key_file_wins_over_the_secret(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_bytes(b"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n")
    environ = {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET}
    keys = load_credentials(_args(str(pem)), environ)
    assert keys.private_key == pem.read_bytes() and keys.api_secret is None


def test_an_encrypted_key_needs_its_password_when_nobody_can_type_it(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_bytes(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n...\n-----END ENCRYPTED PRIVATE KEY-----\n")
    with pytest.raises(Exception, match="BINANCE_PRIVATE_KEY_PASSWORD"):
        load_credentials(_args(str(pem)), {"BINANCE_API_KEY": KEY}, interactive=False)
    keys = load_credentials(
        _args(str(pem)), {"BINANCE_API_KEY": KEY, "BINANCE_PRIVATE_KEY_PASSWORD": "pw"}, interactive=False
    )
    assert keys.private_key_password == "pw"


# -- error lines and exit codes -----------------------------------------------------------------------


def test_each_kind_of_failure_has_its_line_and_exit_code() -> None:
    cases: list[tuple[BaseException, str, int]] = [
        (UnknownSymbolError("FOO"), "unknown symbol 'FOO'", EXIT_FAILURE),
        (InvalidSymbolError(400, -1121, "Invalid symbol."), "unknown symbol 'FOO'", EXIT_FAILURE),
        (
            OrderValidationError("LOT_SIZE: quantity 0 is below minQty", filter_type="LOT_SIZE"),
            "order not sent",
            EXIT_FAILURE,
        ),
        (InvalidRequestError("give one of a or b"), "give one of a or b", EXIT_USAGE),
        (RateLimitedError(429, -1003, "Too many requests", {"Retry-After": "7"}), "retry after 7 s", 1),
        (APIKeyError(401, -2015, "Invalid API-key"), "refused the API key", EXIT_FAILURE),
        (BinanceAPIError(400, -2010, "insufficient balance", method="POST", path="/x"), "POST /x", 1),
        (ConnectionFailedError("GET /x: cannot connect"), "cannot connect", EXIT_FAILURE),
        (OSError(28, "No space left on device"), "No space left", EXIT_FAILURE),
        (RuntimeError("bug"), "internal error: RuntimeError: bug (--debug", EXIT_FAILURE),
    ]
    for error, expected, code in cases:
        text, got = describe(error, ["FOO"])
        assert expected in text and got == code, (error, text, got)
        assert "\n" not in text


def test_an_unknown_outcome_names_the_client_order_id_and_exits_3() -> None:
    server = ExecutionStatusUnknownError(503, -1007, "Timeout", client_order_id="cid-1")
    dropped = SendStatusUnknownError("POST /api/v3/order: connection dropped", client_order_id="cid-2")
    for error, cid in ((server, "cid-1"), (dropped, "cid-2")):
        text, code = describe(error)
        assert code == EXIT_UNKNOWN_OUTCOME and "may have been executed" in text and cid in text


def test_ctrl_c_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "price", interrupted)
    assert main(["price", "--sim"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "error: interrupted\n"


def test_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("bug")

    monkeypatch.setitem(cli.COMMANDS, "price", broken)
    assert main(["price"]) == EXIT_FAILURE
    assert (
        capsys.readouterr().err == "error: internal error: RuntimeError: bug (--debug shows the traceback)\n"
    )
    assert main(["price", "--debug"]) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert "Traceback" in err and err.endswith(
        "error: internal error: RuntimeError: bug (--debug shows the traceback)\n"
    )


# -- output -------------------------------------------------------------------------------------------


def test_numbers_are_plain_without_trailing_zeros() -> None:
    assert fmt(Decimal("65000.00000000")) == "65000"
    assert fmt(Decimal("0.00000001")) == "0.00000001"
    assert fmt(Decimal("1E+2")) == "100"
    assert fmt(Decimal("0E-8")) == "0"
    assert fmt(None) == "-" and fmt(True) == "yes" and fmt(12) == "12"


def test_tables_align_numbers_right() -> None:
    assert table(("asset", "free"), [("BTC", Decimal("2.5")), ("USDT", Decimal("100"))]) == [
        "asset  free",
        "BTC     2.5",
        "USDT    100",
    ]


def test_the_progress_bar_shows_the_share_of_the_span_covered() -> None:
    stream = io.StringIO()
    bar = Progress(1000, 2000, enabled=True, stream=stream, unit="klines", width=10, interval=0)
    assert bar.render(1250, 3) == "[##--------]  25% 3 klines"
    bar.update(1500, 5)
    bar.finish(9)
    assert stream.getvalue() == "\r[#####-----]  50% 5 klines\r[##########] 100% 9 klines\n"
    quiet = io.StringIO()
    silent = Progress(0, 10, enabled=False, stream=quiet)
    silent.update(5, 1)
    silent.finish(2)
    assert quiet.getvalue() == ""


# -- fixed point, everywhere ------------------------------------------------------------------------------

#: An order as Binance answers a query of a resting one: its zeros decode to Decimal("0E-8").
RESTING = msgspec.json.decode(
    b'{"symbol":"BTCUSDT","orderId":7,"orderListId":-1,"clientOrderId":"cid","price":"60000.00000000",'
    b'"origQty":"0.00100000","executedQty":"0.00000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","stopPrice":"0.00000000",'
    b'"icebergQty":"0.00000000","time":1,"updateTime":1,"isWorking":true,"workingTime":1,'
    b'"origQuoteOrderQty":"0.00000000","selfTradePreventionMode":"NONE"}',
    type=Order,
)


def test_json_output_writes_decimals_in_fixed_point(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: ``"executedQty": "0E-8"`` in ``status --json`` (and ``account --json``)."""
    assert str(RESTING.executed_qty) == "0E-8"  # what the field holds stays a Decimal
    print_json(RESTING)
    out = capsys.readouterr().out
    assert '"executedQty": "0.00000000"' in out and '"price": "60000.00000000"' in out
    assert "E-" not in out and "E+" not in out
    print_json({"test": True, "levels": [(Decimal("1E+2"), Decimal("0E-8"))]})
    assert json.loads(capsys.readouterr().out) == {"test": True, "levels": [["100", "0.00000000"]]}


def test_fixed_writes_a_decimal_as_binance_does() -> None:
    assert fixed(Decimal("0E-8")) == "0.00000000"
    assert fixed(Decimal("1E+2")) == "100"
    assert fixed(Decimal("65000.01000000")) == "65000.01000000"
    assert fixed(Decimal("-1.5E-7")) == "-0.00000015"
    assert fixed(RESTING.executed_qty) == "0.00000000"
    with pytest.raises(TypeError, match="takes a Decimal"):
        fixed(0.5)  # type: ignore[arg-type]


def test_json_ready_is_plain_json_with_fixed_point_decimals() -> None:
    kline = Kline(1, Decimal("0E-8"), Decimal("2"), Decimal("1"), Decimal("1E+1"), Decimal("0"), 2,
                  Decimal("0"), 3, Decimal("0"), Decimal("0"))  # fmt: skip
    assert json_ready([kline])[0][:6] == [1, "0.00000000", "2", "1", "10", "0"]
    prices = [TickerPrice("BTCUSDT", Decimal("0E-8")), TickerPrice("ETHBTC", Decimal("5E-5"))]
    assert json_ready({"prices": prices}) == {
        "prices": [{"symbol": "BTCUSDT", "price": "0.00000000"}, {"symbol": "ETHBTC", "price": "0.00005"}]
    }
    ready = json_ready(RESTING)
    assert ready["executedQty"] == "0.00000000" and ready["cummulativeQuoteQty"] == "0.00000000"
    assert json.loads(json.dumps(ready)) == ready  # nothing but JSON types
    unknown = UnknownFilter(filter_type="NEW_ONE", data={"filterType": "NEW_ONE", "x": "1"})
    assert json_ready(unknown) == {"filterType": "NEW_ONE", "data": {"filterType": "NEW_ONE", "x": "1"}}


def test_json_ready_decodes_the_raw_json_a_model_keeps() -> None:
    info = msgspec.json.decode(
        b'{"timezone":"UTC","serverTime":1,"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT",'
        b'"status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","baseAssetPrecision":8,'
        b'"quoteAssetPrecision":8,"filters":[{"filterType":"LOT_SIZE","minQty":"0.00001000",'
        b'"maxQty":"9000.00000000","stepSize":"0.00001000"}],"permissionSets":[["SPOT"]]}]}',
        type=ExchangeInfo,
    )
    (symbol,) = json_ready(info)["symbols"]
    assert symbol["filters"] == [
        {
            "filterType": "LOT_SIZE",
            "minQty": "0.00001000",
            "maxQty": "9000.00000000",
            "stepSize": "0.00001000",
        }
    ]
    assert symbol["permissionSets"] == [["SPOT"]]
