"""The shared reference folder (``../shared/reference`` beside the repository), read by many tests.

It holds Binance's official example bodies (``examples/``) and the Spot endpoint table
(``spot-endpoints.tsv``). It is not part of the repository: a test that reads a file missing from it
is skipped, not failed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
EXAMPLES = REFERENCE / "examples"
TSV = REFERENCE / "spot-endpoints.tsv"


def _present(path: Path) -> Path:
    if not path.exists():
        pytest.skip("shared/reference is not available")
    return path


def example_bytes(name: str) -> bytes:
    """The official example `name` as Binance sends it.

    `name` is its path under ``examples/``, with or without the ``.json`` suffix:
    ``"GET_api_v3_depth"``, ``"filters/LOT_SIZE.json"``.
    """
    return _present(EXAMPLES / (name if name.endswith(".json") else f"{name}.json")).read_bytes()


def example(name: str) -> Any:
    """The official example `name` (as for `example_bytes`), parsed as JSON."""
    return json.loads(example_bytes(name))


def spot_rows() -> list[dict[str, str]]:
    """The rows of the endpoint table, in its order, keyed by its header."""
    with _present(TSV).open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))
