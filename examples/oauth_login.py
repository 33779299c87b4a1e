"""Binance Login (OAuth 2.0) from start to end, against the embedded simulator (no keys, no network).

    python examples/oauth_login.py

What a web application does, step by step:

1. build the authorization URL (scopes, a random state, a PKCE code challenge) and send the user to it;
2. the user consents on Binance's page, and the browser is redirected to the application's callback
   (here: a small aiohttp server on 127.0.0.1, on a free port, registered as the redirect URI);
3. the callback checks the state and takes the code; the client exchanges it for a token;
4. the user APIs: user info, KYC status, a deposit address, balances, a conversion (quote, then
   confirm) and its history; the token is refreshed automatically when it is about to expire;
5. log out: the token is revoked and forgotten.

The simulator plays Binance: it consents at once and redirects, as the user's browser would follow.
Against Binance itself, use your application's client id, secret and registered redirect URI, and
leave ``accounts_base_url`` and ``api_base_url`` at their defaults. Nothing printed here is a token.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
from aiohttp import web

from binance_async import OAuthNotAuthenticatedError
from binance_async.oauth import OAuthClient
from binance_async.sim import Simulator

CLIENT_ID = "example-app"
CLIENT_SECRET = "example-app-secret"
SCOPES = ["user:email", "user:status", "user:address", "asset:balance", "asset:ocbs"]


def amount(value: Decimal) -> str:
    """`value` without trailing zeros or an exponent."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


async def start_callback_server() -> tuple[web.AppRunner, str, asyncio.Future[str]]:
    """A one-page web server that receives the redirect back from Binance: (runner, its URL, the query)."""
    received: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def callback(request: web.Request) -> web.Response:
        if not received.done():
            received.set_result(request.query_string)
        return web.Response(text="Logged in with Binance. You can close this window.")

    app = web.Application()
    app.router.add_get("/callback", callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/callback", received


async def open_in_browser(url: str) -> str:
    """What the user's browser does: open the authorization page and follow its redirect."""
    async with aiohttp.ClientSession() as browser, browser.get(url) as page:
        return await page.text()


async def run(sim: Simulator) -> None:
    runner, redirect_uri, received = await start_callback_server()
    print(f"callback server at {redirect_uri}")
    sim.oauth.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri])  # the Developer Center's job
    try:
        async with OAuthClient(
            CLIENT_ID,
            CLIENT_SECRET,
            redirect_uri=redirect_uri,
            accounts_base_url=sim.base_url,
            api_base_url=sim.base_url,
            clock=lambda: sim.clock.now_ms() / 1000,  # expiries follow the simulator's clock
        ) as client:
            request = client.authorization_url(SCOPES)
            print(f"authorization URL: {request.url}")
            page = await open_in_browser(request.url)
            query = await asyncio.wait_for(received, timeout=30)
            print(f"consent given; the callback page says: {page!r}")
            code = client.parse_callback(query, request.state)  # checks the state (CSRF)
            token = await client.exchange_code(code)  # with the PKCE verifier kept for this state
            print(f"logged in: {token!r}")
            await tour(client, sim)
    finally:
        await runner.cleanup()


async def tour(client: OAuthClient, sim: Simulator) -> None:
    info = await client.user_info()
    print(f"user {info.user_id} <{info.email}>")
    status = await client.user_status()
    kind, kyc = status.certificate_type, status.certificate_status
    print(f"account: {kind.name if kind else status.certificate_type_value}, KYC {kyc.name if kyc else '?'}")
    address = await client.charge_address("BTC", "BTC")
    print(f"BTC deposit address: {address.address}")
    before = {b.asset: b.free for b in await client.asset_balance()}
    print(f"balances: {', '.join(f'{asset} {amount(free)}' for asset, free in sorted(before.items()))}")

    coins = await client.convert_coins()
    print(f"convertible coins: {', '.join(c.asset_code for c in coins)}")
    quote = await client.convert_quote("BTC", "USDT", "BTC", Decimal("0.01"))
    print(f"quote: 0.01 BTC -> {amount(quote.total_amount)} USDT at {amount(quote.quote_price)}")
    result = await client.convert_confirm(quote.quote_id)
    after = {b.asset: b.free for b in await client.asset_balance()}
    print(f"converted: {result.status}, BTC {amount(before['BTC'])} -> {amount(after['BTC'])}, ", end="")
    print(f"USDT {amount(before['USDT'])} -> {amount(after['USDT'])}")
    history = await client.convert_history(page=1, rows=10)
    latest = history.rows[0]
    print(f"history: {history.total} conversion(s); latest {latest.from_asset} -> {latest.to_asset}", end="")
    print(f" {latest.status}")

    old = client.token
    expires_in = old.expires_in(sim.clock.now_ms() / 1000) if old else 0.0
    sim.clock.advance((expires_in - 30) * 1000)  # half a minute before expiry
    print(f"simulator clock moved {expires_in / 3600:.1f} h ahead")
    await client.user_info()
    renewed = client.token is not old and client.token is not None
    print(f"next call refreshed the access token first: {renewed}")

    print(f"logged out (token revoked): {await client.revoke_token()}")
    try:
        await client.user_info()
    except OAuthNotAuthenticatedError as error:
        print(f"after logout: {type(error).__name__}")


async def main() -> None:
    async with Simulator() as sim:
        print(f"simulator at {sim.base_url}")
        await run(sim)


if __name__ == "__main__":
    asyncio.run(main())
