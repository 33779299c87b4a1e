"""Where a command talks to and as whom: the host, the keys, or an in-process simulator.

Keys come from the environment (``BINANCE_API_KEY`` with ``BINANCE_API_SECRET``) or a PEM private key
file (``--private-key FILE`` or ``BINANCE_PRIVATE_KEY_FILE``; it wins over ``BINANCE_API_SECRET``),
never from the command line, where other users of the machine could read them. They are read only for
commands that sign, and are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from .._urls import MAINNET, TESTNET
from ..errors import ConnectionFailedError
from ..sim import SimConfig, Simulator
from ..spot import SpotClient
from ._errors import CLIError, UsageError

__all__ = ["Connection", "Credentials", "connect", "load_credentials", "uses_simulator"]

KEY = "BINANCE_API_KEY"
SECRET = "BINANCE_API_SECRET"
KEY_FILE = "BINANCE_PRIVATE_KEY_FILE"
KEY_PASSWORD = "BINANCE_PRIVATE_KEY_PASSWORD"


@dataclass(frozen=True, repr=False)
class Credentials:
    """What a signed client needs (repr shows no secret)."""

    api_key: str | None = None
    api_secret: str | None = None
    private_key: bytes | None = None
    private_key_password: str | None = None

    def __repr__(self) -> str:
        kind = "private key" if self.private_key else "secret" if self.api_secret else "none"
        return f"Credentials(api_key=<{'set' if self.api_key else 'none'}>, signer=<{kind}>)"


_NO_KEYS = f"this command needs API keys: set {KEY} and {SECRET} (or give --private-key FILE), or use --sim"


def load_credentials(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None, *, interactive: bool | None = None
) -> Credentials:
    """The keys from the environment and ``--private-key``; a UsageError if they are missing.

    An encrypted private key without ``BINANCE_PRIVATE_KEY_PASSWORD`` asks for its password when stdin
    is a terminal (`interactive`).
    """
    env = os.environ if environ is None else environ
    api_key = env.get(KEY, "").strip()
    key_file = args.private_key or env.get(KEY_FILE, "").strip()
    secret = env.get(SECRET, "").strip()
    if not api_key:
        if key_file or secret:
            raise UsageError(f"{KEY} is not set (a secret or private key alone is not enough)")
        raise UsageError(_NO_KEYS)
    if key_file:
        try:
            with open(key_file, "rb") as file:
                pem = file.read()
        except OSError as error:
            raise UsageError(f"cannot read the private key file {key_file}: {error.strerror}") from None
        password = env.get(KEY_PASSWORD) or None
        if password is None and b"ENCRYPTED" in pem:
            if not (sys.stdin.isatty() if interactive is None else interactive):
                raise UsageError(f"the private key {key_file} is encrypted: set {KEY_PASSWORD}")
            password = getpass.getpass(f"password of {key_file}: ")
        return Credentials(api_key, private_key=pem, private_key_password=password)
    if not secret:
        raise UsageError(f"{KEY} is set but not {SECRET}: set it, or give --private-key FILE")
    return Credentials(api_key, api_secret=secret)


def uses_simulator(args: argparse.Namespace, *, default_sim: bool = False) -> bool:
    """``--sim``, or a command that defaults to the simulator when no host was chosen."""
    return bool(args.sim or (default_sim and not args.testnet and not args.base_url))


@dataclass(frozen=True)
class Connection:
    """A connected client, a description of where it points, and the simulator if one was started."""

    client: SpotClient
    where: str
    simulator: Simulator | None = None


@asynccontextmanager
async def connect(
    args: argparse.Namespace,
    *,
    signed: bool,
    default_sim: bool = False,
    sim_config: SimConfig | None = None,
) -> AsyncIterator[Connection]:
    """A `SpotClient` for the command: on an in-process simulator (with its key), or on the chosen host
    (with the user's keys when `signed`). A connection failure names the host."""
    timeout = args.timeout
    if uses_simulator(args, default_sim=default_sim):
        async with (
            Simulator(sim_config) as sim,
            SpotClient(sim.api_key, sim.api_secret, base_url=sim.base_url, timeout=timeout) as client,
        ):
            yield Connection(client, f"the embedded simulator at {sim.base_url}", sim)
        return
    base_url = args.base_url or (TESTNET if args.testnet else MAINNET)
    keys = load_credentials(args) if signed else Credentials()
    async with SpotClient(
        keys.api_key,
        keys.api_secret,
        private_key=keys.private_key,
        private_key_password=keys.private_key_password,
        base_url=base_url,
        timeout=timeout,
    ) as client:
        try:
            yield Connection(client, client.base_url)
        except ConnectionFailedError as error:
            raise CLIError(f"cannot connect to {client.base_url} ({error})") from error
