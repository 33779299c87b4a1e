"""The reference data the tests read, in ``tests/data`` (its README says where each file came from).

It holds Binance's official example bodies (``examples/``, with ``filters/`` and ``rate_limits/``, and
the unofficial OAuth mocks in ``unofficial/``), the Spot endpoint table (``spot-endpoints.tsv``) and
the official signing vectors (``test-vectors.json``). It is part of the repository: a file missing from
it is an error in the test that reads it, never a skip.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent / "data"
EXAMPLES = REFERENCE / "examples"
TSV = REFERENCE / "spot-endpoints.tsv"
VECTORS = REFERENCE / "test-vectors.json"


def example_bytes(name: str) -> bytes:
    """The official example `name` as Binance sends it.

    `name` is its path under ``examples/``, with or without the ``.json`` suffix:
    ``"GET_api_v3_depth"``, ``"filters/LOT_SIZE.json"``.
    """
    return (EXAMPLES / (name if name.endswith(".json") else f"{name}.json")).read_bytes()


def example(name: str) -> Any:
    """The official example `name` (as for `example_bytes`), parsed as JSON."""
    return json.loads(example_bytes(name))


def example_files(folder: str = "") -> list[Path]:
    """The ``*.json`` files directly in ``examples/<folder>``, sorted; fails if there are none."""
    files = sorted((EXAMPLES / folder).glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no reference examples in {EXAMPLES / folder}")
    return files


def vectors() -> dict[str, Any]:
    """The official signing vectors (``test-vectors.json``)."""
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


def spot_rows() -> list[dict[str, str]]:
    """The rows of the endpoint table, in its order, keyed by its header."""
    with TSV.open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))
