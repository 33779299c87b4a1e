"""The tour of binance-async that ``binance-async demo`` runs: the embedded simulator, no keys, no network.

    python examples/demo.py                  # starts a simulator on 127.0.0.1 and talks to it
    BINANCE_API_KEY=... BINANCE_API_SECRET=... python examples/demo.py --testnet

It fans out a price and a depth query for every symbol at once, shows one symbol's trading rules,
places a test order, a LIMIT order that rests (queried, then canceled) and a MARKET order that fills,
and ends with the rate limiter's used weight per window. The code is `binance_async.cli._demo`; this is
the same as the command line's ``binance-async demo`` (``--help`` lists its options).
"""

from __future__ import annotations

import sys

from binance_async.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
