"""WebSocket API sessions (`binance_async.sim.ws_api_sessions`): ``session.logon`` with an Ed25519 key,
requests without ``apiKey`` / ``signature`` afterwards, ``session.status``, ``session.logout``; and the
user data stream methods' answers and errors."""

from __future__ import annotations

from dataclasses import replace

import aiohttp

from binance_async.sim import Simulator
from tests.sim.test_ws_api_support import ED25519, HMAC, OTHER, RSA, session, sim, ws_api
from tests.sim.test_ws_lifetime import eventually

__all__ = ["session", "sim"]

ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.001",
    "price": "60000",
}


async def test_logon_status_logout(sim: Simulator, session: aiohttp.ClientSession) -> None:
    connected = sim.clock.now_ms()
    api = await ws_api(session, sim)
    async with api.ws:
        status = await api.call("session.status")
        assert status["result"] == {
            "apiKey": None,
            "authorizedSince": None,
            "connectedSince": connected,
            "returnRateLimits": True,
            "serverTime": connected,
            "userDataStream": False,
        }
        assert status["rateLimits"][0]["count"] == 4  # weight 2
        sim.clock.advance(1000)
        logon = await api.signed("session.logon", signer=ED25519)
        assert logon["status"] == 200
        assert logon["result"] == {
            "apiKey": ED25519.key,
            "authorizedSince": connected + 1000,
            "connectedSince": connected,
            "returnRateLimits": True,
            "serverTime": connected + 1000,
            "userDataStream": False,
        }
        assert (await api.call("session.status"))["result"]["apiKey"] == ED25519.key
        # Logged on: apiKey and signature may go; the timestamp stays, and is checked.
        now = sim.clock.now_ms()
        placed = await api.call("order.place", {**ORDER, "timestamp": now})
        assert placed["status"] == 200 and placed["result"]["status"] == "NEW"
        assert (await api.call("account.status", {"timestamp": now, "apiKey": ED25519.key}))["status"] == 200
        missing = await api.call("account.status", {})
        assert missing["error"]["code"] == -1102 and "'timestamp'" in missing["error"]["msg"]
        old = await api.call("account.status", {"timestamp": now - 5001})
        assert old["error"]["code"] == -1021
        assert (await api.call("account.status", {"timestamp": now - 5001, "recvWindow": 6000}))[
            "status"
        ] == 200
        # A request signed by another key acts for that key.
        other = await api.signed("account.status", signer=OTHER)
        assert other["result"]["uid"] == 354937871
        logout = await api.call("session.logout")
        assert logout["result"]["apiKey"] is None and logout["result"]["authorizedSince"] is None
        after = await api.call("account.status", {"timestamp": sim.clock.now_ms()})
        assert after["status"] == 401 and after["error"]["code"] == -2014
        assert (await api.call("session.logout"))["status"] == 200  # logged out already: nothing to do


async def test_logon_needs_an_ed25519_key_and_its_signature(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        for signer in (HMAC, RSA):  # a valid signature, but not of an Ed25519 key
            answer = await api.signed("session.logon", signer=signer)
            assert answer["status"] == 400
            assert answer["error"] == {"code": -1022, "msg": "Signature for this request is not valid."}
        forged = ED25519.sign({}, sim.clock.now_ms())
        forged["signature"] = RSA.sign({}, sim.clock.now_ms())["signature"]
        assert (await api.call("session.logon", forged))["error"]["code"] == -1022
        late = await api.call("session.logon", ED25519.sign({}, sim.clock.now_ms() - 6000))
        assert late["error"]["code"] == -1021
        assert (await api.call("session.status"))["result"]["apiKey"] is None
        extra = await api.signed("session.logon", {"foo": "bar"}, signer=ED25519)
        assert extra["error"]["code"] == -1104


async def test_a_logon_is_per_connection(sim: Simulator, session: aiohttp.ClientSession) -> None:
    one = await ws_api(session, sim)
    two = await ws_api(session, sim)
    async with one.ws, two.ws:
        assert (await one.signed("session.logon", signer=ED25519))["status"] == 200
        answer = await two.call("account.status", {"timestamp": sim.clock.now_ms()})
        assert answer["error"]["code"] == -2014


async def test_user_data_stream_methods(sim: Simulator, session: aiohttp.ClientSession) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        refused = await api.call("userDataStream.subscribe")
        assert refused["status"] == 401
        assert refused["error"] == {"code": -1002, "msg": "You are not authorized to execute this request."}
        await api.signed("session.logon", signer=ED25519)
        subscribed = await api.call("userDataStream.subscribe")
        assert subscribed["result"] == {"subscriptionId": 0}
        assert subscribed["rateLimits"][0]["count"] == 2 + 2 + 2 + 2
        again = await api.call("userDataStream.subscribe")
        assert again["error"] == {"code": -2035, "msg": "User Data Stream subscription already active."}
        same_account = await api.signed("userDataStream.subscribe.signature", signer=HMAC)
        assert same_account["error"]["code"] == -2035  # one subscription per account per connection
        other = await api.signed("userDataStream.subscribe.signature", signer=OTHER)
        assert other["result"] == {"subscriptionId": 1}
        listed = await api.call("session.subscriptions", {})
        assert listed["result"] == [{"subscriptionId": 0}, {"subscriptionId": 1}]
        assert (await api.call("session.status"))["result"]["userDataStream"] is True
        # unsubscribe: by id (an unknown id does nothing), or all.
        assert (await api.call("userDataStream.unsubscribe", {"subscriptionId": 7}))["result"] == {}
        assert api.events == []
        answer = await api.call("userDataStream.unsubscribe", {"subscriptionId": 1})
        assert answer["result"] == {}
        (terminated,) = api.events  # before the answer
        assert terminated == {
            "subscriptionId": 1,
            "event": {"e": "eventStreamTerminated", "E": sim.clock.now_ms()},
        }
        api.events.clear()
        assert (await api.call("session.subscriptions"))["result"] == [{"subscriptionId": 0}]
        await api.call("userDataStream.unsubscribe")
        assert [e["subscriptionId"] for e in api.events] == [0]
        api.events.clear()
        assert (await api.call("session.status"))["result"]["userDataStream"] is False
        # Ids go on counting over the connection's life.
        assert (await api.call("userDataStream.subscribe"))["result"] == {"subscriptionId": 2}
    await eventually(lambda: sim.ws_api.user_data.accounts_heard == [])  # gone with the connection
    assert sim.engine.matcher.events.listeners == []


async def test_logout_ends_the_logon_subscription_only(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    api = await ws_api(session, sim)
    async with api.ws:
        await api.signed("session.logon", signer=ED25519)
        await api.call("userDataStream.subscribe")
        await api.signed("userDataStream.subscribe.signature", signer=OTHER)
        logout = await api.call("session.logout")
        assert logout["result"]["userDataStream"] is True  # the signature subscription stays
        assert [(e["subscriptionId"], e["event"]["e"]) for e in api.events] == [(0, "eventStreamTerminated")]
        api.events.clear()
        assert (await api.call("session.subscriptions"))["result"] == [{"subscriptionId": 1}]
        refused = await api.call("userDataStream.subscribe")
        assert refused["error"]["code"] == -1002


async def test_subscription_limits(sim: Simulator, session: aiohttp.ClientSession) -> None:
    sim.ws_api.settings = replace(sim.ws_api.settings, max_active_subscriptions=1, max_subscriptions=3)
    api = await ws_api(session, sim)
    async with api.ws:
        assert (await api.signed("userDataStream.subscribe.signature"))["status"] == 200
        too_many = await api.signed("userDataStream.subscribe.signature", signer=OTHER)
        assert too_many["error"]["code"] == -1191
        await api.call("userDataStream.unsubscribe")
        assert (await api.signed("userDataStream.subscribe.signature", signer=OTHER))["status"] == 200
        await api.call("userDataStream.unsubscribe")
        assert (await api.signed("userDataStream.subscribe.signature"))["result"] == {"subscriptionId": 2}
        await api.call("userDataStream.unsubscribe")
        spent = await api.signed("userDataStream.subscribe.signature")
        assert spent["error"] == {
            "code": -2042,
            "msg": "Maximum subscription ID reached for this connection.",
        }


async def test_a_non_ascii_value_is_signed_as_utf8(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """The WebSocket API signs its payload un-encoded, non-ASCII characters as UTF-8 bytes (Binance's own
    example signs a symbol in full-width digits): such a signature is valid, and the request fails only on
    its symbol (-1100, not a symbol the simulator lists), not on its signature (-1022)."""
    api = await ws_api(session, sim)
    async with api.ws:
        for signer in (HMAC, RSA, ED25519):
            answer = await api.signed("allOrders", {"symbol": "１２３４５６"}, signer=signer)
            assert answer["error"]["code"] == -1100, (signer.key, answer)  # the symbol's characters
        forged = await api.call(
            "allOrders", {**HMAC.sign({"symbol": "１２３４５６"}, sim.clock.now_ms()), "symbol": "123456"}
        )
        assert forged["error"]["code"] == -1022  # the signature covers the value as sent
