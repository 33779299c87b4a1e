"""The simulated Binance Login's user APIs (the oauth-api): user info and status, the deposit address,
balances and the convert (OCBS) quote, confirm and history, each behind a bearer token and its scope.
`OAuthApis` is mixed into `sim.oauth.OAuthServer`, which owns the state it reads."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_UP, Decimal, DecimalException
from typing import Any

from aiohttp import web

from .clock import SimClock
from .oauth_records import (
    _AMOUNT,
    _COIN_NAMES,
    _EIGHT,
    _NETWORKS,
    _PAGING,
    PRICES_USD,
    OAuthUser,
    _api_error,
    _ApiError,
    _envelope,
    _fmt,
    _Grant,
    _params,
    _Quote,
)

__all__ = ["OAuthApis"]


class OAuthApis:
    """The oauth-api endpoints of `OAuthServer` (which defines the state and helpers declared here)."""

    clock: SimClock
    users: dict[str, OAuthUser]
    quote_ttl_s: int
    _access: dict[str, tuple[str, int]]
    _grants: dict[str, _Grant]
    _quotes: dict[str, _Quote]
    _random: random.Random

    def _hex(self, length: int) -> str:
        raise NotImplementedError

    def _revoke_grant(self, grant_id: str) -> None:
        raise NotImplementedError

    def _authenticate(self, request: web.Request, params: dict[str, str], scope: str | None) -> _Grant:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else params.get("access_token", "")
        entry = self._access.get(token)
        if entry is None or entry[1] <= self.clock.now_ms():
            raise _ApiError("invalid_token")
        grant = self._grants[entry[0]]
        if grant.revoked:
            raise _ApiError("invalid_token")
        if scope is not None and scope not in grant.scopes:
            raise _ApiError("insufficient_scope")
        return grant

    def _user(self, grant: _Grant) -> OAuthUser:
        return self.users[grant.user_id]

    async def _resource(
        self,
        request: web.Request,
        scope: str | None,
        produce: Callable[[_Grant, dict[str, str]], Any],
    ) -> web.Response:
        params = await _params(request)
        try:
            grant = self._authenticate(request, params, scope)
            return _envelope(produce(grant, params))
        except _ApiError as error:
            return _api_error(error)

    async def revoke_token(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> bool:
            self._revoke_grant(grant.grant_id)
            return True

        return await self._resource(request, None, produce)

    async def user_info(self, request: web.Request) -> web.StreamResponse:
        """``user:email`` gives userId and email; ``user:openId`` alone gives userId only."""

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, str]:
            user = self._user(grant)
            if "user:email" in grant.scopes:
                return {"userId": user.user_id, "email": user.email}
            if "user:openId" in grant.scopes:
                return {"userId": user.user_id}
            raise _ApiError("insufficient_scope")

        return await self._resource(request, None, produce)

    async def user_status(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, int]:
            user = self._user(grant)
            return {"certificateType": user.certificate_type, "certificateStatus": user.certificate_status}

        return await self._resource(request, "user:status", produce)

    def address_of(self, user: OAuthUser, coin: str, network: str) -> tuple[str, str]:
        """The user's deposit address (and tag) for `coin` on `network`, derived from the user if unset."""
        known = user.addresses.get((coin, network))
        if known is not None:
            return known
        digest = hashlib.sha256(f"{user.user_id}:{coin}:{network}".encode()).hexdigest()
        if network in ("ETH", "BSC"):
            return "0x" + digest[:40], ""
        return "bc1q" + digest[:38], ""

    async def charge_address(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, Any]:
            coin = params.get("coin") or ""
            if not coin:
                raise _ApiError("missing_param", "coin")
            if coin not in PRICES_USD:
                raise _ApiError("bad_param", "coin")
            network = params.get("network") or _NETWORKS[coin]
            if network not in set(_NETWORKS.values()):
                raise _ApiError("bad_param", "network")
            address, tag = self.address_of(self._user(grant), coin, network)
            return {
                "coin": coin,
                "address": address,
                "tag": tag,
                "url": f"https://explorer.example/{network.lower()}/address/{address}",
                "time": self.clock.now_ms(),
            }

        return await self._resource(request, "user:address", produce)

    async def balance(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> list[dict[str, str]]:
            rows = []
            for asset, free in sorted(self._user(grant).balances.items()):
                usd = free * PRICES_USD.get(asset, Decimal(0))
                rows.append(
                    {
                        "asset": asset,
                        "free": _fmt(free),
                        "locked": _fmt(Decimal(0)),
                        "freeze": _fmt(Decimal(0)),
                        "withdrawing": _fmt(Decimal(0)),
                        "btcValuation": _fmt(usd / PRICES_USD["BTC"]),
                        "fiatValuation": _fmt(usd),
                    }
                )
            return rows

        return await self._resource(request, "asset:balance", produce)

    @staticmethod
    def _coin(asset: str, order: int) -> dict[str, Any]:
        return {
            "assetCode": asset,
            "assetName": _COIN_NAMES.get(asset, asset),
            "logoUrl": f"https://bin.bnbstatic.com/images/sim/{asset.lower()}.png",
            "size": "8",
            "order": order,
        }

    async def convert_coins(self, request: web.Request) -> web.StreamResponse:
        def produce(grant: _Grant, params: dict[str, str]) -> list[dict[str, Any]]:
            user = self._user(grant)
            coins = sorted(PRICES_USD)
            result = []
            for order, asset in enumerate(coins):
                entry = self._coin(asset, order)
                entry["freeAsset"] = _fmt(user.balances.get(asset, Decimal(0)))
                entry["subSelector"] = [
                    {
                        **self._coin(other, sub_order),
                        "perTimeMinLimit": _fmt(Decimal(1) / PRICES_USD[asset]),
                        "perTimeMaxLimit": _fmt(Decimal(100000) / PRICES_USD[asset]),
                        "dailyMaxLimit": _fmt(Decimal(1000000) / PRICES_USD[asset]),
                        "hadDailyLimit": "0",
                        "needMarket": True,
                        "feeType": 1,
                        "feeRate": _fmt(Decimal(0)),
                        "fixFee": _fmt(Decimal(0)),
                        "feeCoin": asset,
                        "forexRate": _fmt(Decimal(1)),
                        "expireTime": self.quote_ttl_s,
                    }
                    for sub_order, other in enumerate(c for c in coins if c != asset)
                ]
                result.append(entry)
            return result

        return await self._resource(request, "asset:ocbs", produce)

    async def convert_quote(self, request: web.Request) -> web.StreamResponse:
        """``amount`` is in ``baseAsset`` (fromAsset or toAsset); ``totalAmount`` is the other side.
        ``expireTime`` (ms) is the simulator's addition to the known fields."""

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, str | int]:
            names = ("fromAsset", "toAsset", "baseAsset", "amount")
            for name in names:
                if not params.get(name):
                    raise _ApiError("missing_param", name)
            from_asset, to_asset, base = params["fromAsset"], params["toAsset"], params["baseAsset"]
            for name, asset in (("fromAsset", from_asset), ("toAsset", to_asset), ("baseAsset", base)):
                if asset not in PRICES_USD:
                    raise _ApiError("bad_param", name)
            if from_asset == to_asset or base not in (from_asset, to_asset):
                raise _ApiError("bad_param", "baseAsset")
            raw_amount = params["amount"]
            if not _AMOUNT.fullmatch(raw_amount):
                raise _ApiError("bad_param", "amount")
            price = (PRICES_USD[from_asset] / PRICES_USD[to_asset]).quantize(_EIGHT)
            # An exponent beyond decimal's range, or an amount too large for 8 decimals (1e30,
            # 1E+999999), cannot be quoted.
            try:
                amount = Decimal(raw_amount)
                if amount <= 0:
                    raise _ApiError("bad_param", "amount")
                if base == from_asset:
                    source = amount.quantize(_EIGHT, rounding=ROUND_DOWN)
                    obtain = (source * price).quantize(_EIGHT, rounding=ROUND_DOWN)
                    total = obtain
                else:
                    obtain = amount.quantize(_EIGHT, rounding=ROUND_DOWN)
                    source = (obtain / price).quantize(_EIGHT, rounding=ROUND_UP)
                    total = source
            except DecimalException:
                raise _ApiError("bad_param", "amount") from None
            if source <= 0 or obtain <= 0:
                raise _ApiError("bad_param", "amount")
            quote = _Quote(
                self._hex(32),
                grant.user_id,
                from_asset,
                to_asset,
                source,
                obtain,
                price,
                self.clock.now_ms() + self.quote_ttl_s * 1000,
            )
            self._quotes[quote.quote_id] = quote
            return {
                "quoteId": quote.quote_id,
                "quotePrice": _fmt(price),
                "tradeFee": "0",
                "railFee": "0",
                "totalFee": "0",
                "totalAmount": _fmt(total),
                "showPrice": _fmt(price),
                "expireTime": quote.expires_ms,
            }

        return await self._resource(request, "asset:ocbs", produce)

    async def convert_confirm(self, request: web.Request) -> web.StreamResponse:
        """Converts the user's balances once; with too small a balance, ``status`` is ``FAIL`` and
        nothing moves (the quote is used either way)."""

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, Any]:
            quote_id = params.get("quoteId") or ""
            if not quote_id:
                raise _ApiError("missing_param", "quoteId")
            quote = self._quotes.get(quote_id)
            if quote is None or quote.user_id != grant.user_id:
                raise _ApiError("unknown_quote")
            if quote.used:
                raise _ApiError("quote_used")
            if quote.expires_ms <= self.clock.now_ms():
                raise _ApiError("quote_expired")
            quote.used = True
            user = self._user(grant)
            status = "FAIL"
            if user.balances.get(quote.from_asset, Decimal(0)) >= quote.source_amount:
                status = "SUCCESS"
                user.balances[quote.from_asset] -= quote.source_amount
                user.balances[quote.to_asset] = (
                    user.balances.get(quote.to_asset, Decimal(0)) + quote.obtain_amount
                )
            record = {
                "quoteId": quote.quote_id,
                "status": status,
                "orderId": self._hex(32),
                "fromAsset": quote.from_asset,
                "toAsset": quote.to_asset,
                "sourceAmount": _fmt(quote.source_amount),
                "obtainAmount": _fmt(quote.obtain_amount),
                "tradeFee": "0",
                "price": _fmt(quote.price),
                "feeType": 1,
                "feeRate": _fmt(Decimal(0)),
                "fixFee": _fmt(Decimal(0)),
                "createTime": self.clock.now_ms(),
            }
            user.conversions.append(record)
            return record

        return await self._resource(request, "asset:ocbs", produce)

    async def convert_history(self, request: web.Request) -> web.StreamResponse:
        """INFERRED shape: ``data`` is ``{"total": n, "rows": [confirm records, newest first]}``;
        ``page`` >= 1 (default 1), ``rows`` 1..2000 (default 20)."""

        def number(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
            raw = params.get(name) or str(default)
            if not _PAGING.fullmatch(raw) or not low <= int(raw) <= high:
                raise _ApiError("bad_param", name)
            return int(raw)

        def produce(grant: _Grant, params: dict[str, str]) -> dict[str, Any]:
            page = number(params, "page", 1, 1, 10**9)
            rows = number(params, "rows", 20, 1, 2000)
            records = list(reversed(self._user(grant).conversions))
            return {"total": len(records), "rows": records[(page - 1) * rows : page * rows]}

        return await self._resource(request, "asset:ocbs", produce)
