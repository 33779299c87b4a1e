"""Shared test setup.

aioresponses 0.7.9 (the newest release) builds ``aiohttp.ClientResponse`` without the keyword-only
``stream_writer`` argument that aiohttp 3.14 made mandatory (pnuckowski/aioresponses#289). Until a
release fixes it, the response class aioresponses uses by default is swapped for a subclass that
supplies a stand-in writer. Only the test suite is affected; the library runs on any aiohttp >= 3.9.
"""

from __future__ import annotations

import inspect
from typing import Any

import aioresponses.core
from aiohttp import ClientResponse

_NEEDS_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class _FinishedUpload:
    output_size = 0


class _CompatResponse(ClientResponse):
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if _NEEDS_WRITER:
            kwargs.setdefault("stream_writer", _FinishedUpload())
        super().__init__(method, url, **kwargs)


setattr(aioresponses.core, "ClientResponse", _CompatResponse)  # noqa: B010 - the module does not export it
