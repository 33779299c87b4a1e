"""Binance Login (OAuth 2.0): `OAuthClient`, its endpoint table, tokens and their stores, and models.

::

    from binance_async.oauth import OAuthClient, JsonFileTokenStore

    async with OAuthClient(client_id, redirect_uri=..., token_store=JsonFileTokenStore("token.json")) as c:
        request = c.authorization_url(["user:email"])
        ...

`TokenStoreError` is defined in `binance_async.errors` and re-exported here. ``import binance_async``
does not import this package: ``binance_async.OAuthClient`` loads it on first use.
"""

from ..errors import TokenStoreError
from .authorization import AuthorizationRequest, build_authorization_request, parse_callback
from .client import ACCOUNTS_BASE_URL, API_BASE_URL, OAuthClient
from .endpoints import ENDPOINTS, OAuthEndpoint
from .models import (
    AssetBalance,
    CertificateStatus,
    CertificateType,
    ChargeAddress,
    ConvertCoin,
    ConvertHistory,
    ConvertQuote,
    ConvertRecord,
    ConvertResult,
    ConvertTarget,
    Envelope,
    UserInfo,
    UserStatus,
)
from .tokens import JsonFileTokenStore, MemoryTokenStore, Token, TokenStore

__all__ = [
    "ACCOUNTS_BASE_URL",
    "API_BASE_URL",
    "ENDPOINTS",
    "AssetBalance",
    "AuthorizationRequest",
    "CertificateStatus",
    "CertificateType",
    "ChargeAddress",
    "ConvertCoin",
    "ConvertHistory",
    "ConvertQuote",
    "ConvertRecord",
    "ConvertResult",
    "ConvertTarget",
    "Envelope",
    "JsonFileTokenStore",
    "MemoryTokenStore",
    "OAuthClient",
    "OAuthEndpoint",
    "Token",
    "TokenStore",
    "TokenStoreError",
    "UserInfo",
    "UserStatus",
    "build_authorization_request",
    "parse_callback",
]
