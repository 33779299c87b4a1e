"""User data stream events on the WebSocket API (`binance_async.sim.account_events`,
`binance_async.sim.ws_api_user_data`): executionReport for every order state change and fill,
outboundAccountPosition after balance changes, listStatus, balanceUpdate and externalLockUpdate; each
exactly once per subscription, in order."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp

from binance_async.sim import Simulator
from binance_async.sim.records import NewOrder
from tests.sim.test_ws_api_support import ED25519, OTHER, Api, make_sim, rest, session, sim, ws_api

__all__ = ["session", "sim"]

SYMBOL = "BTCUSDT"
#: A price between the seeded book's best bid (64999.99) and best ask (65000.01): an order there is alone
#: on its level, so a taker meets it before any house liquidity.
INSIDE = "65000.00"


async def events(api: Api, count: int) -> list[dict[str, Any]]:
    """The next `count` events (without their subscription id), then nothing more."""
    got = [await api.event() for _ in range(count)]
    await api.quiet()
    return [event["event"] for event in got]


def kinds(found: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """(e, x, X) of execution reports, (e, l, L) of list statuses, (e,) of the rest."""
    out: list[tuple[str, ...]] = []
    for event in found:
        if event["e"] == "executionReport":
            out.append((event["e"], event["x"], event["X"]))
        elif event["e"] == "listStatus":
            out.append((event["e"], event["l"], event["L"]))
        else:
            out.append((event["e"],))
    return out


async def subscribed(session: aiohttp.ClientSession, sim: Simulator) -> Api:
    api = await ws_api(session, sim)
    answer = await api.signed("userDataStream.subscribe.signature")
    assert answer["result"] == {"subscriptionId": 0}
    return api


async def take(session: aiohttp.ClientSession, sim: Simulator, qty: str) -> None:
    """Account "other" buys `qty` at market (over REST)."""
    order = {"symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": qty}
    status, body, _ = await rest(session, sim, "POST", "/api/v3/order", order, OTHER)
    assert status == 200, body


async def test_an_order_placed_partly_filled_filled_and_another_canceled(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    one = await subscribed(session, sim)  # by signature, HMAC key
    two = await ws_api(session, sim)  # by logon, Ed25519 key: the same account
    await two.signed("session.logon", signer=ED25519)
    assert (await two.call("userDataStream.subscribe"))["result"] == {"subscriptionId": 0}
    async with one.ws, two.ws:
        now = sim.clock.now_ms()
        sell = {"symbol": SYMBOL, "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.002"}
        placed = await one.result("order.place", {**sell, "price": INSIDE, "newClientOrderId": "seller"})
        assert kinds([e["event"] for e in one.events]) == [
            ("executionReport", "NEW", "NEW"),
            ("outboundAccountPosition",),
        ]
        await take(session, sim, "0.001")
        await take(session, sim, "0.001")
        buy = {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001"}
        await one.result("order.place", {**buy, "price": "60000", "newClientOrderId": "buyer"})
        canceled = await one.result(
            "order.cancel", {"symbol": SYMBOL, "origClientOrderId": "buyer", "newClientOrderId": "bye"}
        )
        expected = [
            ("executionReport", "NEW", "NEW"),
            ("outboundAccountPosition",),
            ("executionReport", "TRADE", "PARTIALLY_FILLED"),
            ("outboundAccountPosition",),
            ("executionReport", "TRADE", "FILLED"),
            ("outboundAccountPosition",),
            ("executionReport", "NEW", "NEW"),
            ("outboundAccountPosition",),
            ("executionReport", "CANCELED", "CANCELED"),
            ("outboundAccountPosition",),
        ]
        heard_one = await events(one, len(expected))
        heard_two = await events(two, len(expected))
        assert heard_one == heard_two  # each subscription hears each event once, in order
        assert kinds(heard_one) == expected
        new, _, half, _, full, _, _, _, cancel, last_position = heard_one
        assert new == {
            "e": "executionReport",
            "E": now,
            "s": SYMBOL,
            "c": "seller",
            "S": "SELL",
            "o": "LIMIT",
            "f": "GTC",
            "q": "0.00200000",
            "p": "65000.00000000",
            "P": "0.00000000",
            "F": "0.00000000",
            "g": -1,
            "C": "",
            "x": "NEW",
            "X": "NEW",
            "r": "NONE",
            "i": placed["orderId"],
            "l": "0.00000000",
            "z": "0.00000000",
            "L": "0.00000000",
            "n": "0",
            "N": None,
            "T": placed["transactTime"],
            "t": -1,
            "I": new["I"],
            "w": True,
            "m": False,
            "M": False,
            "O": placed["transactTime"],
            "Z": "0.00000000",
            "Y": "0.00000000",
            "Q": "0.00000000",
            "W": placed["workingTime"],
            "V": "EXPIRE_MAKER",
        }
        _, trades, _ = await rest(session, sim, "GET", "/api/v3/myTrades", {"symbol": SYMBOL})
        for report, trade, cumulative in ((half, trades[0], "0.00100000"), (full, trades[1], "0.00200000")):
            assert report["t"] == trade["id"] and report["m"] is True
            assert (report["l"], report["L"], report["z"]) == (trade["qty"], trade["price"], cumulative)
            assert (report["n"], report["N"]) == (trade["commission"], trade["commissionAsset"])
            assert report["Y"] == "65.00000000" and report["T"] == trade["time"]
        assert full["Z"] == "130.00000000" and full["w"] is False
        assert half["I"] < full["I"]
        assert (cancel["c"], cancel["C"], cancel["i"]) == ("bye", "buyer", canceled["orderId"])
        _, account, _ = await rest(session, sim, "GET", "/api/v3/account", {"omitZeroBalances": "true"})
        balances = {b["asset"]: b for b in account["balances"]}
        assert last_position["B"] == [{"a": "USDT", "f": balances["USDT"]["free"], "l": "0.00000000"}]
        assert last_position["u"] == account["updateTime"]


async def test_a_taker_fills_against_the_book_and_an_ioc_expires(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        market = {"symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.003"}
        result = await api.result("order.place", market)
        assert len(result["fills"]) > 1  # over several levels
        found = await events(api, 1 + len(result["fills"]) + 1)
        assert [e["t"] for e in found[1:-1]] == [fill["tradeId"] for fill in result["fills"]]
        assert kinds(found)[0] == ("executionReport", "NEW", "NEW")
        assert kinds(found)[-2:] == [("executionReport", "TRADE", "FILLED"), ("outboundAccountPosition",)]
        assert all(event["m"] is False for event in found if event["e"] == "executionReport")
        ioc = {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "IOC", "quantity": "1"}
        result = await api.result("order.place", {**ioc, "price": "65000.05"})
        assert result["status"] == "EXPIRED"
        count = 2 + len(result["fills"]) + 1
        found = await events(api, count)
        assert kinds(found)[0] == ("executionReport", "NEW", "NEW")
        assert kinds(found)[-2] == ("executionReport", "EXPIRED", "EXPIRED")
        assert found[-2]["eR"] == "UNFILLED_IOC_QUANTITY_EXPIRED"
        assert found[-2]["z"] == result["executedQty"]
        assert found[-1]["e"] == "outboundAccountPosition"


async def test_order_lists_send_list_status(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        oco = {
            "symbol": SYMBOL,
            "side": "SELL",
            "quantity": "0.001",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "70000",
            "belowType": "STOP_LOSS",
            "belowStopPrice": "60000",
            "listClientOrderId": "pair",
        }
        placed = await api.result("orderList.place.oco", oco)
        found = await events(api, 4)
        assert kinds(found) == [
            ("executionReport", "NEW", "NEW"),
            ("executionReport", "NEW", "NEW"),
            ("listStatus", "EXEC_STARTED", "EXECUTING"),
            ("outboundAccountPosition",),
        ]
        stop, limit = found[0], found[1]
        assert (stop["o"], stop["w"], "W" in stop, stop["g"]) == ("STOP_LOSS", False, False, 0)
        assert (limit["o"], limit["w"]) == ("LIMIT_MAKER", True)
        assert found[2] == {
            "e": "listStatus",
            "E": sim.clock.now_ms(),
            "s": SYMBOL,
            "g": 0,
            "c": "OCO",
            "l": "EXEC_STARTED",
            "L": "EXECUTING",
            "r": "NONE",
            "C": "pair",
            "T": placed["transactionTime"],
            "O": [{"s": SYMBOL, "i": o["orderId"], "c": o["clientOrderId"]} for o in placed["orders"]],
        }
        await api.result("orderList.cancel", {"symbol": SYMBOL, "orderListId": 0})
        assert kinds(await events(api, 4)) == [
            ("executionReport", "CANCELED", "CANCELED"),
            ("executionReport", "CANCELED", "CANCELED"),
            ("listStatus", "ALL_DONE", "ALL_DONE"),
            ("outboundAccountPosition",),
        ]


async def test_an_oto_pending_leg_starts_when_its_working_order_fills(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        oto = {
            "symbol": SYMBOL,
            "workingType": "LIMIT",
            "workingSide": "SELL",
            "workingPrice": INSIDE,
            "workingQuantity": "0.001",
            "workingTimeInForce": "GTC",
            "pendingType": "LIMIT",
            "pendingSide": "BUY",
            "pendingPrice": "60000",
            "pendingQuantity": "0.001",
            "pendingTimeInForce": "GTC",
        }
        await api.result("orderList.place.oto", oto)
        found = await events(api, 4)
        assert kinds(found) == [
            ("executionReport", "NEW", "NEW"),
            ("executionReport", "NEW", "PENDING_NEW"),
            ("listStatus", "EXEC_STARTED", "EXECUTING"),
            ("outboundAccountPosition",),
        ]
        assert found[1]["w"] is False and "W" not in found[1]
        await take(session, sim, "0.001")
        found = await events(api, 3)
        assert kinds(found) == [
            ("executionReport", "TRADE", "FILLED"),
            ("executionReport", "NEW", "NEW"),  # the pending leg starts
            ("outboundAccountPosition",),
        ]
        working, pending = found[0], found[1]
        assert working["S"] == "SELL" and pending["S"] == "BUY" and pending["w"] is True


async def test_self_trade_prevention_and_amendments(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        sell = {"symbol": SYMBOL, "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.002"}
        resting = await api.result("order.place", {**sell, "price": INSIDE})
        await events(api, 2)
        amended = await api.result(
            "order.amend.keepPriority",
            {
                "symbol": SYMBOL,
                "orderId": resting["orderId"],
                "newQty": "0.001",
                "newClientOrderId": "smaller",
            },
        )
        found = await events(api, 2)
        assert kinds(found) == [("executionReport", "REPLACED", "NEW"), ("outboundAccountPosition",)]
        assert (found[0]["q"], found[0]["c"], found[0]["C"]) == (
            "0.00100000",
            "smaller",
            resting["clientOrderId"],
        )
        assert amended["amendedOrder"]["qty"] == "0.00100000"
        taker = await api.result(
            "order.place", {"symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.001"}
        )
        found = await events(api, 3 + len(taker["fills"]))
        prevention = [e for e in found if e["e"] == "executionReport" and e["x"] == "TRADE_PREVENTION"]
        (maker,) = prevention
        assert maker["i"] == resting["orderId"] and maker["X"] == "EXPIRED_IN_MATCH"
        assert (maker["U"], maker["A"], maker["B"], maker["pl"]) == (
            taker["orderId"],
            "0.00100000",
            "0.00100000",
            "0.00100000",
        )
        _, matches, _ = await rest(
            session,
            sim,
            "GET",
            "/api/v3/myPreventedMatches",
            {"symbol": SYMBOL, "orderId": resting["orderId"]},
        )
        assert maker["v"] == matches[0]["preventedMatchId"]


async def test_a_subscription_hears_only_what_happens_after_it(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    sell = {"symbol": SYMBOL, "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.002"}
    status, placed, _ = await rest(session, sim, "POST", "/api/v3/order", {**sell, "price": INSIDE})
    assert status == 200
    await take(session, sim, "0.001")  # half filled before anyone listens
    api = await subscribed(session, sim)
    async with api.ws:
        await api.quiet()
        sim.start_activity(rate=1000, symbols=["ETHUSDT"])  # another account, another symbol: not heard
        await asyncio.sleep(0.05)
        sim.stop_activity()
        await take(session, sim, "0.001")
        found = await events(api, 2)
        assert kinds(found) == [("executionReport", "TRADE", "FILLED"), ("outboundAccountPosition",)]
        assert found[0]["i"] == placed["orderId"] and found[0]["z"] == "0.00200000"


async def test_deposits_and_external_locks(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        now = sim.clock.now_ms()
        sim.ws_api.deposit("default", "BNB", Decimal("1.5"))
        sim.ws_api.external_lock("default", "BNB", Decimal("0.5"))
        sim.ws_api.deposit("other", "BNB", Decimal(1))  # not this account
        found = await events(api, 4)
        assert found == [
            {"e": "balanceUpdate", "E": now, "a": "BNB", "d": "1.50000000", "T": now},
            {
                "e": "outboundAccountPosition",
                "E": now,
                "u": now,
                "B": [{"a": "BNB", "f": "101.50000000", "l": "0.00000000"}],
            },
            {"e": "externalLockUpdate", "E": now, "a": "BNB", "d": "0.50000000", "T": now},
            {
                "e": "outboundAccountPosition",
                "E": now,
                "u": now,
                "B": [{"a": "BNB", "f": "101.00000000", "l": "0.50000000"}],
            },
        ]


async def test_engine_calls_from_another_thread_are_heard() -> None:
    simulator = make_sim()
    simulator.start_in_thread()
    try:
        async with aiohttp.ClientSession() as http:
            api = await subscribed(http, simulator)
            async with api.ws:
                order = NewOrder(SYMBOL, "BUY", "MARKET", quantity=Decimal("0.001"))
                simulator.engine.place("default", order)  # from this thread, not the server's
                found = [(await api.event())["event"] for _ in range(3)]
                assert kinds(found) == [
                    ("executionReport", "NEW", "NEW"),
                    ("executionReport", "TRADE", "FILLED"),
                    ("outboundAccountPosition",),
                ]
    finally:
        simulator.stop_thread()


async def test_other_accounts_are_not_heard(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        await take(session, sim, "0.001")  # "other" trades with the house
        await api.quiet()


async def test_a_stop_order_is_new_again_when_it_triggers(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await subscribed(session, sim)
    async with api.ws:
        stop = {
            "symbol": SYMBOL,
            "side": "SELL",
            "type": "TAKE_PROFIT_LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": "65000.50",
            "stopPrice": "65000.02",
        }
        placed = await api.result("order.place", stop)
        found = await events(api, 2)
        assert kinds(found) == [("executionReport", "NEW", "NEW"), ("outboundAccountPosition",)]
        assert found[0]["w"] is False and "W" not in found[0] and found[0]["P"] == "65000.02000000"
        await take(session, sim, "0.01")  # trades up through 65000.02
        (triggered,) = await events(api, 1)  # its funds were locked when it was placed
        assert kinds([triggered]) == [("executionReport", "NEW", "NEW")]
        assert triggered["i"] == placed["orderId"] and triggered["w"] is True and "W" in triggered
