"""The endpoint table (tests/data/spot-endpoints.tsv) against the library, row by row.

Each of the 48 rows is an `Endpoint` with the row's route, security, weight and order count, and a
`SpotClient` coroutine method, documented with its route and weight, that takes exactly the row's
parameters: as named parameters or as keys of its ``**options`` TypedDict.
What each area's methods send and answer is tested in test_market.py, test_trading.py,
test_order_lists.py and test_account.py.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from typing import Any

import pytest

from binance_async import SpotClient
from binance_async._endpoint import Endpoint
from binance_async.spot import endpoints as E
from binance_async.spot.params import order_lists as list_options
from binance_async.spot.params import trading as order_options
from binance_async.spot.params.trading import camel
from tests.reference import spot_rows

NAMES = sorted(E.ENDPOINTS)
ORDER_LISTS = {
    "new_oco_legacy",
    "new_oco",
    "new_oto",
    "new_otoco",
    "new_opo",
    "new_opoco",
    "cancel_order_list",
    "get_order_list",
    "all_order_lists",
    "open_order_lists",
}
#: The TypedDict behind each method's ``**options``: the methods that take options, and only they.
#: (Named through their modules: pytest would try to collect a class imported as ``Test...``.)
OPTIONS: dict[str, Any] = {
    "new_order": order_options.OrderOptions,
    "test_new_order": order_options.TestOrderOptions,
    "cancel_replace_order": order_options.CancelReplaceOptions,
    "new_sor_order": order_options.SorOrderOptions,
    "test_new_sor_order": order_options.TestSorOrderOptions,
    "new_oco_legacy": list_options.LegacyOcoOptions,
    "new_oco": list_options.OcoOptions,
    "new_oto": list_options.OtoOptions,
    "new_otoco": list_options.OtocoOptions,
    "new_opo": list_options.OpoOptions,
    "new_opoco": list_options.OpocoOptions,
}
#: Parameters the client adds to every signed request itself.
SIGNING = {"timestamp", "signature"}
#: The client's own parameters, never sent: `validate` checks an order against the symbol's filters.
CLIENT_ONLY = {"validate"}
#: Named parameters a method with options keeps out of them (both optional, neither required by Binance).
BESIDE_OPTIONS = {"new_order_resp_type", "validate"}
#: Fixed weights whose docstring words the table's note on them differently.
REWORDED_WEIGHT = {"new_order", "amend_order_keep_priority"}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def row_of(name: str) -> dict[str, str]:
    rows = {row["python_name"]: row for row in spot_rows()}
    assert name in rows, f"{name} is not in the table"
    return rows[name]


def split(cell: str) -> set[str]:
    return {name for name in cell.split(",") if name}


def documented(row: dict[str, str]) -> set[str]:
    """The row's parameters but the signing ones, with the alternatives its conditional column names
    ("exactly one of symbol|symbols") that the optional column leaves out."""
    alternatives = {
        name
        for group in re.findall(r"one of ([A-Za-z|]+)", row["conditional_mandatory"])
        for name in group.split("|")
    }
    return (split(row["mandatory_params"]) | split(row["optional_params"]) | alternatives) - SIGNING


def area_of(name: str, security: str) -> tuple[Endpoint[Any], ...]:
    """The endpoints module the row's endpoint belongs in: order lists, else by security."""
    if name in ORDER_LISTS:
        return E.ORDER_LIST_ENDPOINTS
    by_security = {"NONE": E.MARKET_ENDPOINTS, "TRADE": E.TRADING_ENDPOINTS, "USER_DATA": E.ACCOUNT_ENDPOINTS}
    return by_security[security]


def test_the_table_has_one_row_per_endpoint() -> None:
    rows = spot_rows()
    assert len(rows) == 48
    assert sorted(row["python_name"] for row in rows) == NAMES  # no name twice, none missing
    assert len(E.BY_ROUTE) == 48  # no route twice
    assert Counter(row["security"] for row in rows) == {"NONE": 19, "TRADE": 15, "USER_DATA": 14}
    areas = (E.MARKET_ENDPOINTS, E.TRADING_ENDPOINTS, E.ORDER_LIST_ENDPOINTS, E.ACCOUNT_ENDPOINTS)
    assert sum(len(area) for area in areas) == 48
    assert {endpoint.name for endpoint in E.ORDER_LIST_ENDPOINTS} == ORDER_LISTS


@pytest.mark.parametrize("name", NAMES)
def test_endpoint_matches_its_row(name: str) -> None:
    row = row_of(name)
    endpoint = E.ENDPOINTS[name]
    assert endpoint.name == name and getattr(E, name.upper()) is endpoint
    assert (endpoint.method, endpoint.path, endpoint.security) == (
        row["method"],
        row["path"],
        row["security"],
    )
    assert E.BY_ROUTE[(row["method"], row["path"])] is endpoint
    assert endpoint in area_of(name, row["security"])
    assert endpoint.signed == (row["signed"] == "yes") == (row["security"] != "NONE")
    assert endpoint.orders == int(row["unfilled_order_count"] or 0)
    if row["weight"].isdigit():
        assert endpoint.weight == int(row["weight"])
    if isinstance(endpoint.weight, int):  # a fixed weight; the table may add a note after the number
        assert endpoint.weight_for({}) == endpoint.weight == int(row["weight"].split()[0])
        if name in REWORDED_WEIGHT:
            assert endpoint.weight_doc != row["weight"]
        else:
            assert endpoint.weight_doc == row["weight"]
    else:  # a rule over the parameters, described in words
        assert callable(endpoint.weight) and endpoint.weight_doc


@pytest.mark.parametrize("name", NAMES)
def test_method_is_a_coroutine_documented_with_its_route_and_weight(name: str) -> None:
    row = row_of(name)
    endpoint = E.ENDPOINTS[name]
    method = getattr(SpotClient, name)
    assert inspect.iscoroutinefunction(method)
    first, _, rest = (inspect.getdoc(method) or "").partition("\n")
    assert first and row["path"] not in first  # the first line says what it does
    rest = " ".join(rest.split())  # the weight may wrap over lines
    assert f"``{row['method']} {row['path']}``, weight {endpoint.weight_doc}." in rest


@pytest.mark.parametrize("name", NAMES)
def test_method_takes_exactly_the_documented_parameters(name: str) -> None:
    row = row_of(name)
    signature = inspect.signature(getattr(SpotClient, name))
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    named = [p for p in parameters if p.kind is not p.VAR_KEYWORD]
    assert all(p.kind is not p.VAR_POSITIONAL for p in parameters)
    spread = [p for p in parameters if p.kind is p.VAR_KEYWORD]
    if name in OPTIONS:
        options = OPTIONS[name]
        (kwargs,) = spread
        assert kwargs.annotation == f"Unpack[{options.__name__}]"
        required_keys: set[str] = set(options.__required_keys__)
        keys = required_keys | options.__optional_keys__
        # what Binance cannot do without is positional or a required option; the rest are options
        assert {p.name for p in named if p.default is not p.empty} <= BESIDE_OPTIONS
    else:
        assert spread == []
        required_keys = keys = set()

    for parameter in [*(p.name for p in named), *keys]:
        assert SNAKE_CASE.fullmatch(parameter), f"{name}({parameter})"
    accepted = {camel(p.name) for p in named} | {camel(k) for k in keys}
    assert accepted - CLIENT_ONLY == documented(row)  # recvWindow is recv_window, and so on
    required = {camel(p.name) for p in named if p.default is p.empty} | {camel(k) for k in required_keys}
    assert required == split(row["mandatory_params"]) - SIGNING
