"""Decode micro-benchmarks: depth(5000) and exchangeInfo through each decoder, and what they keep in memory.

Run from the repository root: ``python benchmarks/bench_decode.py [--quick] [--json PATH]``.

Bodies are the benchmark server's (``_payloads``: depth 5000+5000 levels, ~320 KB; exchangeInfo with
3000 symbols, ~7.5 MB). Decoders:

* ``json.loads``, ``orjson.loads`` (if installed), ``msgspec.json`` into dicts and lists;
* ``binance_async Structs``: the decoder the client itself runs (``Endpoint.decode`` of
  ``spot.endpoints.DEPTH`` / ``EXCHANGE_INFO``: frozen msgspec Structs; depth levels as string
  tuples, each symbol's filters and permissionSets kept as raw JSON until asked for);
* for exchangeInfo also ``binance_async Structs + filters``: the same, then every symbol's
  ``filters()`` and ``permission_sets()`` decoded, i.e. everything the dict decoders produce.

Times are medians of ``timeit`` repeats with the garbage collector **enabled** (``timeit`` turns it
off by default; a real program runs with it on), in a fresh process holding only what the imports
leave (~40k GC-tracked objects); the median with the GC off (the decoder alone) is reported too.
The depth decode is timed a second time with 200,000 extra GC-tracked objects alive (a bot's state,
or what importing ccxt leaves), where every decode that creates many tracked containers (dicts and
lists) pays for collector passes over all of them.

Memory is ``tracemalloc``'s count of what stays allocated after the decode, with the body itself
allocated inside the traced region and then released: a decoded result that keeps the body alive
(``msgspec.Raw`` fields are zero-copy views into it) is charged for it.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import timeit
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the working tree's binance_async
    sys.path.insert(1, str(HERE.parent))

import _payloads  # noqa: E402
import msgspec  # noqa: E402

Decoder = Callable[[bytes], Any]
BALLAST_OBJECTS = 200_000


def decoders(payload: str) -> dict[str, Decoder]:
    from binance_async.spot import endpoints

    found: dict[str, Decoder] = {"json.loads": json.loads}
    try:
        import orjson

        found["orjson.loads"] = orjson.loads
    except ImportError:
        pass
    found["msgspec (dicts)"] = msgspec.json.Decoder().decode
    if payload == "depth":
        found["binance_async Structs"] = endpoints.DEPTH.decode
    else:
        found["binance_async Structs"] = endpoints.EXCHANGE_INFO.decode

        def everything(body: bytes) -> Any:
            info = endpoints.EXCHANGE_INFO.decode(body)
            decoded = [(s.filters(), s.permission_sets()) for s in info.symbols]
            return info, decoded, info.exchange_filters()

        found["binance_async Structs + filters"] = everything
    return found


def median_seconds(
    fn: Decoder, body: bytes, number: int, repeat: int, *, gc_on: bool = True
) -> tuple[float, list[float]]:
    # timeit turns the GC off while timing; "gc.enable()" as the set-up turns it back on.
    timer = timeit.Timer(lambda: fn(body), setup="gc.enable()" if gc_on else "pass")
    runs = [t / number for t in timer.repeat(repeat=repeat, number=number)]
    return statistics.median(runs), runs


def retained_bytes(fn: Decoder, body: bytes) -> tuple[int, int]:
    """(bytes still allocated after the decode, peak during it), the body counted only if kept alive."""
    gc.collect()
    tracemalloc.start()
    try:
        copy = bytes(bytearray(body))  # allocated inside the traced region
        result = fn(copy)
        del copy
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return current, peak


def measure(*, quick: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    symbols = 300 if quick else _payloads.DEFAULT_SYMBOLS
    payloads = _payloads.build(n_symbols=symbols)
    bodies = {"depth": payloads.depth, "exchange_info": payloads.exchange_info}
    plan = {  # (calls per repeat, repeats)
        "depth": (3, 5) if quick else (20, 15),
        "exchange_info": (1, 3) if quick else (1, 9),
    }
    rows: list[dict[str, Any]] = []
    decoders("exchange_info")  # every import done before counting what the GC tracks
    gc.collect()
    live_objects = len(gc.get_objects())
    for payload, body in bodies.items():
        number, repeat = plan[payload]
        for name, fn in decoders(payload).items():
            fn(body)  # warm-up (and the Struct decoders' one-time set-up)
            median, runs = median_seconds(fn, body, number, repeat)
            gc_off, _ = median_seconds(fn, body, number, repeat, gc_on=False)
            row: dict[str, Any] = {
                "payload": payload,
                "bytes": len(body),
                "decoder": name,
                "median_ms": median * 1e3,
                "min_ms": min(runs) * 1e3,
                "max_ms": max(runs) * 1e3,
                "gc_off_median_ms": gc_off * 1e3,
            }
            row["retained_mb"], row["peak_mb"] = (b / 1e6 for b in retained_bytes(fn, body))
            rows.append(row)
            log(
                f"decode {payload:<13} {name:<32} {row['median_ms']:9.2f} ms "
                f"(min {row['min_ms']:.2f}, max {row['max_ms']:.2f}; GC off {gc_off * 1e3:.2f}); "
                f"retained {row['retained_mb']:6.1f} MB, peak {row['peak_mb']:6.1f} MB"
            )
    # The same depth decodes in a process holding many other GC-tracked objects.
    ballast = [[i] for i in range(BALLAST_OBJECTS)]
    number, repeat = plan["depth"]
    for name, fn in decoders("depth").items():
        median, runs = median_seconds(fn, payloads.depth, number, repeat)
        rows.append(
            {
                "payload": "depth_with_ballast",
                "bytes": len(payloads.depth),
                "decoder": name,
                "median_ms": median * 1e3,
                "min_ms": min(runs) * 1e3,
                "max_ms": max(runs) * 1e3,
            }
        )
        log(f"decode depth + {BALLAST_OBJECTS:,} live objects {name:<32} {median * 1e3:9.2f} ms")
    del ballast
    return {
        "symbols": symbols,
        "depth_levels": payloads.depth_levels,
        "ballast_objects": BALLAST_OBJECTS,
        "live_objects": live_objects,  # GC-tracked objects in the process when timing starts
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300 symbols, few repeats (a smoke test)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON ('-': stdout, one line)")
    args = parser.parse_args(argv)
    quick_log: Callable[[str], None] = (
        (lambda line: print(line, file=sys.stderr)) if args.json == "-" else print
    )
    result = measure(quick=args.quick, log=quick_log)
    if args.json == "-":
        print(json.dumps(result))
    elif args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
