"""Where the spelling checks run: on the endpoint, first thing in `Pipeline.call`, for a method that
only builds its params (no extra coroutine frame per call); in a wrapper before the body for an order
method (it may fetch the symbol's rules first). Either way the error names the Python argument, is
raised when the call is awaited, and nothing is sent; a raw `request()` is never checked."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async._endpoint import Endpoint, check_each
from binance_async.errors import ParameterError
from binance_async.spot import _common
from binance_async.spot import endpoints as E
from binance_async.spot.methods import market
from binance_async.testing import MockTransport, Router
from tests.unit.helpers import KEY, SECRET, calls

#: Well-spelled values for the required arguments of the methods checked in the pipeline.
REQUIRED = {"symbol": "BTCUSDT", "interval": "1m", "new_qty": 1, "from_id": 1, "order_id": 1}
#: What some methods need besides (one of two ids, a symbol for a type or a status).
EXTRA: dict[str, dict[str, Any]] = {
    "amend_order_keep_priority": {"order_id": 1},
    "cancel_order": {"order_id": 1},
    "cancel_order_list": {"order_list_id": 1},
    "get_order": {"order_id": 1},
    "my_prevented_matches": {"prevented_match_id": 1},
    "ticker": {"symbol": "BTCUSDT"},
    "ticker_trading_day": {"symbol": "BTCUSDT"},
}

CHECKED_ON_ENDPOINT = sorted(name for name, endpoint in E.ENDPOINTS.items() if endpoint.checks)
ARGUMENTS = [(name, python) for name in CHECKED_ON_ENDPOINT for _, _, _, python in E.ENDPOINTS[name].checks]


def misspelt(endpoint: Endpoint[Any], python: str) -> Any:
    """A value of argument `python` that is wrong only by its case."""
    [(_, passes, check, _)] = [c for c in endpoint.checks if c[3] == python]
    if check is _common.check_symbol:
        return "btcusdt"
    if python == "symbols":
        return ["BTCUSDT", "ethBtc"]
    value = sorted(v for v in passes if v.swapcase() not in passes)[0]  # type: ignore[attr-defined]
    return value.swapcase()


def test_the_hot_path_methods_are_checked_on_their_endpoint_and_the_order_methods_in_a_wrapper() -> None:
    assert {"ticker_price", "book_ticker", "depth", "klines", "avg_price", "get_order"} <= set(
        CHECKED_ON_ENDPOINT
    )
    for name in CHECKED_ON_ENDPOINT:
        method = getattr(SpotClient, name)
        assert not hasattr(method, "__wrapped__"), name  # no extra coroutine frame
        assert inspect.iscoroutinefunction(method)
    for name in ("new_order", "test_new_order", "cancel_replace_order", "new_oco", "new_sor_order"):
        assert not E.ENDPOINTS[name].checks
        assert inspect.iscoroutinefunction(getattr(SpotClient, name))
        assert hasattr(getattr(SpotClient, name), "__wrapped__")


def test_the_endpoints_made_from_one_carry_its_checks() -> None:
    for single, several in (market._TICKER_PRICE, market._BOOK_TICKER, market._TICKER_24HR):
        assert single.checks and single.checks is several.checks
        assert single.check is not None and single.check is several.check
    assert market._TICKER_PRICE[0].checks is E.TICKER_PRICE.checks


def test_the_compiled_check_is_the_loop_unrolled_and_falls_back_to_it_for_missing_names() -> None:
    check = E.TICKER_PRICE.check
    assert check is not None
    good: list[dict[str, Any]] = [
        {"symbol": "BTCUSDT", "symbols": None, "symbolStatus": None},
        {"symbol": "X"},
        {},
    ]
    for params in good:
        check(params)
        check_each(E.TICKER_PRICE.checks, params)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"symbol": "btcusdt", "symbols": None, "symbolStatus": None}, "symbol must be upper case"),
        ({"symbol": None, "symbols": ["BTCUSDT", "eth"], "symbolStatus": None}, "symbols must be upper case"),
        ({"symbol": "BTCUSDT", "symbols": None, "symbolStatus": "halt"}, "symbol_status must be upper case"),
        ({"symbol": "btc usdt"}, "symbol cannot contain ' '"),  # a name missing: the loop
        ({"symbolStatus": "Trading"}, "symbol_status must be upper case: send 'TRADING'"),
    ]
    for params, message in bad:
        with pytest.raises(ParameterError, match=message):
            check(params)
        with pytest.raises(ParameterError, match=message):
            check_each(E.TICKER_PRICE.checks, params)


def test_the_checks_worked_out_at_class_definition_are_those_worked_out_now() -> None:
    """The annotations are resolved when the class is defined: a type defined later would be missed."""
    for name in CHECKED_ON_ENDPOINT:
        plan = _common._plan(getattr(SpotClient, name))
        assert [(n, same(c)) for n, _, c in plan] == [(n, same(c)) for _, _, c, n in E.ENDPOINTS[name].checks]


def same(check: Any) -> Any:
    """What makes two checks the same (a new `functools.partial` is a new object)."""
    return (check.func, check.args) if isinstance(check, functools.partial) else check


@pytest.mark.parametrize(("name", "python"), ARGUMENTS)
async def test_every_checked_argument_is_refused_in_the_wrong_case_before_sending(
    name: str, python: str, router: Router, transport: MockTransport
) -> None:
    """Checked by its Binance name in the params: proves each method puts the argument there as given."""
    method = getattr(SpotClient, name)
    kwargs = {
        p.name: REQUIRED[p.name]
        for p in list(inspect.signature(method).parameters.values())[1:]
        if p.default is p.empty and p.kind is not p.VAR_KEYWORD
    }
    kwargs.update(EXTRA.get(name, {}))
    if python == "symbols":
        kwargs.pop("symbol", None)  # give symbol or symbols, not both
    kwargs[python] = misspelt(E.ENDPOINTS[name], python)
    async with SpotClient(KEY, SECRET, transport=transport) as client:
        with pytest.raises(ParameterError, match=rf"^{python} must be (upper case|spelt exactly): send "):
            await getattr(client, name)(**kwargs)
    assert calls(transport) == []


async def test_the_error_is_raised_on_await_not_on_call(transport: MockTransport) -> None:
    async with SpotClient(transport=transport) as client:
        pending = client.ticker_price("btcusdt")  # no error yet
        assert inspect.iscoroutine(pending)
        with pytest.raises(
            ParameterError, match=r"^symbol must be upper case: send 'BTCUSDT', got 'btcusdt'$"
        ):
            await pending
    assert calls(transport) == []


async def test_a_typed_call_in_the_right_case_is_sent(router: Router, transport: MockTransport) -> None:
    router.get("/api/v3/ticker/price", json={"symbol": "BTCUSDT", "price": "1.5"})
    async with SpotClient(transport=transport) as client:
        await client.ticker_price("BTCUSDT", symbol_status="TRADING")
    [(_, url, _)] = calls(transport)
    assert url.endswith("/api/v3/ticker/price?symbol=BTCUSDT&symbolStatus=TRADING")


async def test_a_symbol_in_another_script_is_sent_as_given(router: Router, transport: MockTransport) -> None:
    router.get("/api/v3/avgPrice", json={"mins": 5, "price": "1.5", "closeTime": 1})
    async with SpotClient(transport=transport) as client:
        await client.avg_price("币安人生USDT")
    assert len(calls(transport)) == 1


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/api/v3/ticker/price", {"symbol": "btcusdt"}),
        ("GET", "/api/v3/ticker/bookTicker", {"symbol": "btcusdt", "symbolStatus": "trading"}),
        ("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1H"}),
    ],
)
async def test_a_raw_request_sends_the_case_it_is_given(
    method: str, path: str, params: dict[str, str], router: Router, transport: MockTransport
) -> None:
    """The route is in the endpoint table (for its weight), but `request()` is never checked."""
    router.get(path, json={})
    async with SpotClient(transport=transport) as client:
        await client.request(method, path, params)
    [(_, url, _)] = calls(transport)
    assert url.endswith(path + "?" + "&".join(f"{k}={v}" for k, v in params.items()))


async def test_an_order_checked_against_the_rules_is_refused_before_the_rules_are_fetched(
    transport: MockTransport,
) -> None:
    async with SpotClient(KEY, SECRET, transport=transport) as client:
        with pytest.raises(ParameterError, match=r"^symbol must be upper case: send 'BTCUSDT'"):
            await client.new_order("btcusdt", "BUY", "MARKET", quantity=1, validate=True)
        typed: Any = client  # "sell" is not an OrderSide
        with pytest.raises(ParameterError, match=r"^side must be upper case: send 'SELL'"):
            await typed.new_order("BTCUSDT", "sell", "MARKET", quantity=1, validate=True)
    assert calls(transport) == []


async def test_a_keyless_client_names_the_spelling_first(transport: MockTransport) -> None:
    """As before: the spelling is checked before the pipeline asks for a key."""
    async with SpotClient(transport=transport) as client:
        with pytest.raises(ParameterError, match=r"^symbol must be upper case"):
            await client.get_order("btcusdt", order_id=1)
    assert calls(transport) == []


def test_an_endpoint_outside_the_typed_methods_has_no_checks() -> None:
    raw: Endpoint[Any] = Endpoint("request", "GET", "/api/v3/ticker/price", object)
    assert raw.checks == () and raw.check is None
    assert E.PING.check is None and E.ACCOUNT.check is None


async def test_the_history_iterators_share_their_endpoints_checks(transport: MockTransport) -> None:
    """`iter_klines` used to check only its symbol: its endpoint now refuses ``"1H"`` too, before the
    first page."""
    async with SpotClient(transport=transport) as client:
        typed: Any = client  # "1H" is not a KlineInterval
        with pytest.raises(ParameterError, match=r"^interval must be spelt exactly: send '1h', got '1H'$"):
            async for _ in typed.iter_klines("BTCUSDT", "1H"):
                pass
    assert calls(transport) == []
