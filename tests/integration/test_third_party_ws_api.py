"""python-binance's WebSocket API calls and its user data socket, unmodified, against the simulator.

How python-binance 1.0.37 does both (read in its source, ``binance/base_client.py``,
``binance/ws/websocket_api.py``, ``binance/ws/keepalive_websocket.py``):

* ``AsyncClient.ws_create_order``, ``ws_get_order``, ``ws_cancel_order``... send
  ``{"id", "method", "params"}`` on one connection, its ``ws_api`` attribute (a
  ``binance.ws.websocket_api.WebsocketAPI``), and answer the ``result`` of the frame with the same
  ``id``; a status other than 200 raises ``BinanceAPIException`` with the error's code and message.
  Every request is signed on its own, no ``session.logon``: ``apiKey`` and ``timestamp`` added, the
  params sorted by name and a signature of ``urlencode(params)``: HMAC-SHA256 hex with the secret, or
  base64 Ed25519 / RSA with the ``private_key`` constructor argument.
* ``BinanceSocketManager.user_socket()`` uses no listenKey and no stream URL: it sends
  ``userDataStream.subscribe.signature`` (signed as above) on the client's ``ws_api`` connection,
  routes the frames ``{"subscriptionId", "event"}`` of the id answered to its own queue (what ``recv``
  returns) and, on exit, sends ``userDataStream.unsubscribe`` with that id. Spot's listenKey endpoints
  (retired on Binance since 2026-02-20) are not used; only its futures and portfolio-margin sockets
  still ask their own APIs for listenKeys.

Pointing it at the simulator: the client builds ``ws_api`` in its constructor from ``WS_API_URL`` (a
class attribute formatted with the tld; the testnet and demo flags pick other URLs) and no argument
names another URL, so the fixture replaces that public attribute, before anything connected, by a
``WebsocketAPI(url=sim.ws_api_url)`` (the class and argument the constructor itself uses). REST calls
(python-binance's own, to compare) go to ``API_URL`` as in ``test_third_party.py``.

What works, and is tested: orders placed, looked up and canceled over the WebSocket API with HMAC,
Ed25519 and RSA keys, each answer equal to python-binance's REST answer for the same thing and the
order in (then out of) the simulator's book as our own client sees it; a MARKET order's fills; an
error as ``BinanceAPIException``; the user socket's execution reports of orders placed meanwhile (by
python-binance over the WebSocket API and by our client over REST), in order, with the trade ids the
fills report, and its subscription gone once it exits.

What does not, on Binance as on the simulator: python-binance signs ``urlencode(params)`` whereas
Binance's WebSocket API signs the values as sent ("no percent encoding here!" in its docs). The two
agree while every value is made of letters, digits and ``_.-~``, as numbers, enums, ASCII symbols and
client order ids (``^[a-zA-Z0-9-_]{1,36}$``) are. A Python boolean is signed ``True`` but sent ``true``:
refused with -1022 (last test); pass ``"true"``. (A non-ASCII symbol would be signed percent-encoded,
which Binance's WebSocket API refuses too; the simulator has none.)
"""

from __future__ import annotations

import pytest

pytest.importorskip("binance", reason="python-binance is not installed (pip install python-binance)")

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from binance import AsyncClient, BinanceSocketManager
from binance.exceptions import BinanceAPIException, BinanceWebsocketUnableToConnect
from binance.ws.websocket_api import WebsocketAPI
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from binance_async import SpotClient
from binance_async.sim import SimConfig, Simulator
from binance_async.sim.config import ApiKey, generated_key

SYMBOL = "BTCUSDT"
#: A resting bid, far below the simulator's BTCUSDT book (around 65000): a level of its own.
PRICE = "20000.00000000"
QTY = "0.00100000"
#: The prefix python-binance gives the client order ids it generates.
PREFIX = "x-HNA2TXFJ"
#: An execution report's fields, as Binance documents them (user-data-stream.md; ``v`` is there only
#: for an order expired by self-trade prevention).
REPORT_FIELDS = set("eEscSofqpPFgCxXrilzLnNTtIwmMOZYQWV")  # one letter each
EVENT_TIMEOUT = 5.0
#: How long python-binance's read loop waits for a frame before it looks whether it was asked to close,
#: when closing (see `close`).
SOCKET_POLL = 0.1

ED25519 = ed25519.Ed25519PrivateKey.generate()
RSA_KEY_SIZE = 2048


def _private_pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)


@pytest.fixture
async def sim(rsa_key: rsa.RSAPrivateKey) -> AsyncIterator[Simulator]:
    """A simulator with one account and three keys on it: HMAC (the first), Ed25519 and RSA."""
    keys = [
        generated_key(),
        ApiKey("ed25519-key", public_key_pem=_public_pem(ED25519)),
        ApiKey("rsa-key", public_key_pem=_public_pem(rsa_key)),
    ]
    async with Simulator(SimConfig(book_levels=50, api_keys=keys)) as simulator:
        yield simulator


def on_simulator(client: AsyncClient, sim: Simulator) -> AsyncClient:
    client.API_URL = f"{sim.base_url}/api"  # public attribute; the docs do this for the testnet
    client.ws_api = WebsocketAPI(url=sim.ws_api_url)  # see the module's docstring
    return client


async def close(client: AsyncClient) -> None:
    """Close python-binance's client at once.

    Its WebSocket API read loop waits up to ``TIMEOUT`` (a class attribute, 10 s; also how long a request
    waits for its answer) for a frame before it looks whether it was asked to exit, so closing a quiet
    connection would take that long. Set on the instance only now, and one more frame (a ping's answer)
    ends the wait under way: the loop then looks every `SOCKET_POLL` seconds. Nothing it receives changes.
    """
    if client.ws_api.ws is not None:
        client.ws_api.TIMEOUT = SOCKET_POLL
        with contextlib.suppress(BinanceWebsocketUnableToConnect):
            await client.ws_ping()
    await client.close_connection()


@pytest.fixture(params=["hmac", "ed25519", "rsa"])
async def pb(
    request: pytest.FixtureRequest, sim: Simulator, rsa_key: rsa.RSAPrivateKey
) -> AsyncIterator[AsyncClient]:
    """python-binance's async client on the simulator, signing with each kind of key."""
    if request.param == "hmac":
        client = AsyncClient(sim.api_key, sim.api_secret)
    elif request.param == "ed25519":
        client = AsyncClient("ed25519-key", private_key=_private_pem(ED25519))
    else:
        client = AsyncClient("rsa-key", private_key=_private_pem(rsa_key))
    try:
        yield on_simulator(client, sim)
    finally:
        await close(client)


@pytest.fixture
async def pb_hmac(sim: Simulator) -> AsyncIterator[AsyncClient]:
    client = AsyncClient(sim.api_key, sim.api_secret)
    try:
        yield on_simulator(client, sim)
    finally:
        await close(client)


async def bids(ours: SpotClient) -> list[tuple[str, str]]:
    return list((await ours.depth(SYMBOL, limit=5000)).bids)


async def test_order_placed_looked_up_and_canceled(
    sim: Simulator, client: SpotClient, pb: AsyncClient
) -> None:
    placed = await pb.ws_create_order(
        symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity=QTY, price=PRICE
    )
    order_id = placed["orderId"]
    assert isinstance(order_id, int)
    assert placed["clientOrderId"].startswith(PREFIX)
    assert {key: placed[key] for key in ("symbol", "status", "type", "side", "timeInForce")} == {
        "symbol": SYMBOL,
        "status": "NEW",
        "type": "LIMIT",
        "side": "BUY",
        "timeInForce": "GTC",
    }
    assert (placed["price"], placed["origQty"], placed["executedQty"]) == (PRICE, QTY, "0.00000000")
    assert placed["orderListId"] == -1 and placed["fills"] == []  # FULL, Binance's default for LIMIT
    assert placed["workingTime"] == placed["transactTime"]

    # In the simulator's book, as our own client sees it over REST.
    mine = await client.get_order(SYMBOL, order_id=order_id)
    assert (mine.status, mine.client_order_id, mine.price) == ("NEW", placed["clientOrderId"], Decimal(PRICE))
    assert [order.order_id for order in await client.open_orders(SYMBOL)] == [order_id]
    assert (PRICE, QTY) in await bids(client)

    # Its lookups over the WebSocket API answer what its REST calls answer.
    status = await pb.ws_get_order(symbol=SYMBOL, orderId=order_id)
    assert status == await pb.get_order(symbol=SYMBOL, orderId=order_id)
    assert status["status"] == "NEW" and status["isWorking"] is True
    assert status["clientOrderId"] == placed["clientOrderId"]
    open_orders = await pb.ws_get_open_orders(symbol=SYMBOL)
    assert open_orders == await pb.get_open_orders(symbol=SYMBOL) == [status]

    canceled = await pb.ws_cancel_order(symbol=SYMBOL, orderId=order_id)
    assert (canceled["orderId"], canceled["status"]) == (order_id, "CANCELED")
    assert canceled["origClientOrderId"] == placed["clientOrderId"]
    assert (canceled["price"], canceled["origQty"]) == (PRICE, QTY)

    assert (await client.get_order(SYMBOL, order_id=order_id)).status == "CANCELED"
    assert await client.open_orders(SYMBOL) == []
    assert all(price != PRICE for price, _ in await bids(client))
    assert (await pb.ws_get_order(symbol=SYMBOL, orderId=order_id))["status"] == "CANCELED"


async def test_market_order_fills_and_errors_raise(client: SpotClient, pb_hmac: AsyncClient) -> None:
    pb = pb_hmac
    filled = await pb.ws_order_market_buy(symbol=SYMBOL, quantity="0.002")
    assert (filled["status"], filled["type"], filled["executedQty"]) == ("FILLED", "MARKET", "0.00200000")
    fills = filled["fills"]
    assert fills and sum(Decimal(fill["qty"]) for fill in fills) == Decimal("0.002")
    quote = sum(Decimal(fill["price"]) * Decimal(fill["qty"]) for fill in fills)
    assert Decimal(filled["cummulativeQuoteQty"]) == quote

    # The fills are the account's trades, as python-binance's REST call and our client list them.
    trades = {trade["id"]: trade for trade in await pb.get_my_trades(symbol=SYMBOL)}
    ours = {trade.id: trade for trade in await client.my_trades(SYMBOL)}
    for fill in fills:
        trade = trades[fill["tradeId"]]
        assert trade["orderId"] == filled["orderId"] and trade["isBuyer"] is True
        assert (trade["price"], trade["qty"], trade["commission"], trade["commissionAsset"]) == (
            fill["price"],
            fill["qty"],
            fill["commission"],
            fill["commissionAsset"],
        )
        assert ours[fill["tradeId"]].order_id == filled["orderId"]

    # An error answer raises python-binance's exception with Binance's code and message.
    with pytest.raises(BinanceAPIException) as caught:
        await pb.ws_order_limit_buy(symbol=SYMBOL, quantity=QTY, price="20000.001")
    assert (caught.value.status_code, caught.value.code) == (400, -1013)
    assert caught.value.message == "Filter failure: PRICE_FILTER"
    with pytest.raises(BinanceAPIException) as caught:
        await pb.ws_get_order(symbol=SYMBOL, orderId=999_999)
    assert (caught.value.status_code, caught.value.code) == (400, -2013)


async def next_event(socket: Any) -> dict[str, Any]:
    event: dict[str, Any] = await asyncio.wait_for(socket.recv(), timeout=EVENT_TIMEOUT)
    assert event.get("e") != "error", f"python-binance's user socket reported {event}"
    return event


async def test_user_socket_receives_the_execution_reports(
    sim: Simulator, client: SpotClient, pb: AsyncClient
) -> None:
    manager = BinanceSocketManager(pb)
    events: list[dict[str, Any]] = []
    async with manager.user_socket() as socket:
        assert sim.ws_api.user_data.accounts_heard == ["default"]  # subscribed
        # Placed meanwhile: a resting LIMIT by python-binance over the WebSocket API, a MARKET order by
        # our client over REST, then python-binance's cancel of the first.
        placed = await pb.ws_create_order(
            symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity=QTY, price=PRICE
        )
        market = await client.new_order(SYMBOL, "BUY", "MARKET", quantity=Decimal("0.002"))
        canceled = await pb.ws_cancel_order(symbol=SYMBOL, orderId=placed["orderId"])
        # Up to the cancel's report and the balances that follow it.
        while not (events and events[-1]["e"] == "outboundAccountPosition" and events[-2]["X"] == "CANCELED"):
            events.append(await next_event(socket))
    assert sim.ws_api.user_data.accounts_heard == []  # unsubscribed on exit

    kinds = [event["e"] for event in events]
    assert set(kinds) == {"executionReport", "outboundAccountPosition"}, kinds
    reports = [event for event in events if event["e"] == "executionReport"]
    for report in reports:
        assert REPORT_FIELDS <= set(report) <= REPORT_FIELDS | {"v"}, report
        assert report["s"] == SYMBOL and report["S"] == "BUY"
    new, market_new, *trades, cancel = reports
    assert (new["i"], new["c"], new["x"], new["X"], new["o"]) == (
        placed["orderId"],
        placed["clientOrderId"],
        "NEW",
        "NEW",
        "LIMIT",
    )
    assert (new["p"], new["q"], new["w"], new["t"]) == (PRICE, QTY, True, -1)

    assert (market_new["i"], market_new["c"], market_new["x"], market_new["o"]) == (
        market.order_id,
        market.client_order_id,
        "NEW",
        "MARKET",
    )
    assert trades and all(report["i"] == market.order_id and report["x"] == "TRADE" for report in trades)
    assert [report["t"] for report in trades] == [fill.trade_id for fill in market.fills]
    assert [Decimal(report["l"]) for report in trades] == [fill.qty for fill in market.fills]
    assert [Decimal(report["L"]) for report in trades] == [fill.price for fill in market.fills]
    assert [Decimal(report["n"]) for report in trades] == [fill.commission for fill in market.fills]
    assert trades[-1]["X"] == "FILLED" and Decimal(trades[-1]["z"]) == market.executed_qty

    assert (cancel["i"], cancel["x"], cancel["X"]) == (placed["orderId"], "CANCELED", "CANCELED")
    assert (cancel["c"], cancel["C"]) == (canceled["clientOrderId"], placed["clientOrderId"])

    # The last balances are the account's, as REST reports them.
    account = await pb.get_account()
    balances = {row["asset"]: (row["free"], row["locked"]) for row in account["balances"]}
    last = events[-1]
    assert set(last) == {"e", "E", "u", "B"} and last["B"]
    assert {row["a"]: (row["f"], row["l"]) for row in last["B"]}.items() <= balances.items()


async def test_a_boolean_is_signed_as_python_writes_it(pb_hmac: AsyncClient) -> None:
    """A Python ``True`` goes out as JSON ``true`` but python-binance signs ``omitZeroBalances=True``: the
    signature covers another payload than the one sent, -1022 (as Binance would answer). As a string it
    is signed as sent, and the answer is REST's."""
    with pytest.raises(BinanceAPIException) as caught:
        await pb_hmac.ws_get_account(omitZeroBalances=True)
    assert (caught.value.status_code, caught.value.code) == (400, -1022)
    account = await pb_hmac.ws_get_account(omitZeroBalances="true")
    assert account == await pb_hmac.get_account(omitZeroBalances="true")
    assert account["canTrade"] is True and account["balances"]
