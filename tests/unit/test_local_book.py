"""The local order book (binance_async.streams.local_book): Binance's documented algorithm, no I/O.

Events are `DepthUpdate`s built by hand (or decoded from a combined-stream message); snapshots are
``(lastUpdateId, bids, asks)`` as ``GET /api/v3/depth`` gives them. The property test at the end
checks the book against a reference exchange book fed the same changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance_async.streams.events import DepthUpdate, decode_message
from binance_async.streams.local_book import BookSide, BookState, LocalBook

Level = tuple[str, str]


def depth(
    first: int,
    final: int,
    bids: Iterable[Level] = (),
    asks: Iterable[Level] = (),
    *,
    time: int = 0,
) -> DepthUpdate:
    """A diff-depth event holding the updates `first` (``U``) to `final` (``u``)."""
    return DepthUpdate(
        event_time=time,
        symbol="BTCUSDT",
        first_update_id=first,
        final_update_id=final,
        bids=list(bids),
        asks=list(asks),
    )


def live_book(
    last_update_id: int = 100,
    bids: Sequence[Level] = (("99", "1"), ("98", "2")),
    asks: Sequence[Level] = (("101", "1"), ("102", "2")),
    **options: int,
) -> LocalBook:
    book = LocalBook("BTCUSDT", **options)
    assert book.on_snapshot(last_update_id, bids, asks) == "live"
    return book


def state_of(book: LocalBook) -> BookState:
    """The book's state, read afresh (a plain ``book.state`` is narrowed by mypy after a comparison)."""
    return book.state


def decimals(side: BookSide) -> dict[Decimal, Decimal]:
    return {price: qty for price, qty in side.top_decimal()}


# -- before the snapshot ------------------------------------------------------------------------------


def test_a_new_book_waits_and_buffers_events_until_its_snapshot() -> None:
    book = LocalBook("BTCUSDT")
    assert book.state == "waiting" and book.last_update_id == 0 and book.last_event_time == 0
    assert book.on_event(depth(101, 102, [("99", "5")])) == "waiting"
    assert book.on_event(depth(103, 103, asks=[("101", "3")])) == "waiting"
    assert book.buffered == 2
    assert len(book.bids) == 0 and len(book.asks) == 0  # nothing applied before the snapshot
    assert book.applied == 0


def test_the_snapshot_drops_buffered_events_it_already_holds_and_applies_the_rest_in_order() -> None:
    book = LocalBook("BTCUSDT")
    book.on_event(depth(95, 99, [("99", "7")], time=1))  # u < lastUpdateId: old
    book.on_event(depth(100, 100, [("98", "7")], time=2))  # u == lastUpdateId: old
    book.on_event(depth(100, 103, [("99", "3")], time=3))  # straddles the snapshot: applied
    book.on_event(depth(104, 105, [("99", "4"), ("97", "1")], asks=[("101", "0")], time=4))
    state = book.on_snapshot(100, [("99", "1"), ("98", "2")], [("101", "1"), ("102", "2")])
    assert state == "live" and book.state == "live"
    assert book.last_update_id == 105 and book.last_event_time == 4
    assert book.bids.top() == [("99", "4"), ("98", "2"), ("97", "1")]  # "98" kept: event 2 was dropped
    assert book.asks.top() == [("102", "2")]
    assert book.applied == 2 and book.buffered == 0 and book.snapshots == 1 and book.gaps == 0


def test_a_snapshot_older_than_the_first_buffered_event_is_refused_and_the_events_kept() -> None:
    book = LocalBook("BTCUSDT")
    book.on_event(depth(105, 110, [("99", "5")]))
    book.on_event(depth(111, 111, [("98", "1")]))
    assert book.on_snapshot(100, [("99", "1")], [("101", "1")]) == "waiting"  # 101..104 unknown
    assert book.state == "waiting" and book.gaps == 1 and book.snapshots == 1
    assert book.buffered == 2  # kept for the next snapshot
    assert book.on_snapshot(104, [("99", "1")], [("101", "1")]) == "live"
    assert book.last_update_id == 111 and book.snapshots == 2 and book.gaps == 1
    assert book.bids.top() == [("99", "5"), ("98", "1")]


def test_a_gap_among_the_buffered_events_needs_another_snapshot() -> None:
    book = LocalBook("BTCUSDT")
    book.on_event(depth(101, 102, [("99", "2")]))
    book.on_event(depth(105, 106, [("99", "6")]))  # 103..104 never arrived
    assert book.on_snapshot(100, [("99", "1")], [("101", "1")]) == "waiting"
    assert book.gaps == 1 and book.buffered == 1
    assert book.on_snapshot(104, [("99", "4")], [("101", "1")]) == "live"
    assert book.last_update_id == 106 and book.bids.top() == [("99", "6")]


def test_a_snapshot_newer_than_every_buffered_event_is_taken_as_is() -> None:
    book = LocalBook("BTCUSDT")
    book.on_event(depth(90, 95, [("99", "9")]))
    assert book.on_snapshot(120, [("99", "1")], [("101", "1")]) == "live"
    assert book.last_update_id == 120 and book.bids.top() == [("99", "1")] and book.applied == 0


def test_the_buffer_keeps_only_the_newest_events() -> None:
    book = LocalBook("BTCUSDT", buffer_size=3)
    for update_id in range(1, 6):
        book.on_event(depth(update_id, update_id, [("99", str(update_id))]))
    assert book.buffered == 3  # 3, 4, 5
    assert book.on_snapshot(1, [], []) == "waiting"  # event 2 was forgotten: a gap
    assert book.on_snapshot(2, [], []) == "live"
    assert book.last_update_id == 5 and book.bids.top() == [("99", "5")]


def test_snapshot_levels_with_zero_quantity_are_skipped() -> None:
    book = live_book(bids=[("99", "0"), ("98", "0.00000000"), ("97", "1")], asks=[("101", "0")])
    assert book.bids.top() == [("97", "1")] and book.asks.top() == []


# -- in step with the stream ----------------------------------------------------------------------------


def test_events_in_sequence_set_and_remove_levels() -> None:
    book = live_book()
    assert book.on_event(depth(101, 101, [("99", "5"), ("97", "1")], [("101", "0")], time=7)) == "live"
    assert book.on_event(depth(102, 104, [("98", "0.00000000")], [("103", "4")], time=8)) == "live"
    assert book.bids.top() == [("99", "5"), ("97", "1")]
    assert book.asks.top() == [("102", "2"), ("103", "4")]
    assert book.last_update_id == 104 and book.last_event_time == 8 and book.applied == 2


def test_an_event_overlapping_the_local_id_is_applied() -> None:
    book = live_book()
    assert book.on_event(depth(95, 103, [("99", "9")])) == "live"  # U <= 101 <= u
    assert book.last_update_id == 103 and book.bids.top()[0] == ("99", "9")


def test_removing_an_unknown_level_changes_nothing() -> None:
    book = live_book()
    book.on_event(depth(101, 101, [("50", "0")], [("500", "0")]))
    assert len(book.bids) == 2 and len(book.asks) == 2 and book.last_update_id == 101


def test_old_events_are_ignored_and_counted() -> None:
    book = live_book()
    book.on_event(depth(101, 102, [("99", "5")]))
    assert book.on_event(depth(101, 102, [("99", "1000")])) == "live"  # a repeat
    assert book.on_event(depth(90, 100, asks=[("101", "0")])) == "live"
    assert book.ignored == 2 and book.applied == 1 and book.last_update_id == 102
    assert book.bids.top()[0] == ("99", "5") and book.asks.top()[0] == ("101", "1")


def test_a_gap_discards_the_book_and_buffers_the_event_for_the_next_snapshot() -> None:
    book = live_book()
    book.on_event(depth(101, 101, [("99", "5")]))
    assert book.on_event(depth(103, 104, [("99", "7")])) == "waiting"  # 102 missed
    assert book.state == "waiting" and book.gaps == 1 and book.buffered == 1
    assert book.last_update_id == 101  # the gap's event was not applied
    assert book.on_event(depth(105, 105, [("98", "3")])) == "waiting"  # buffered, not applied
    assert book.buffered == 2 and book.applied == 1
    assert book.on_snapshot(103, [("99", "6")], [("101", "1")]) == "live"
    assert book.last_update_id == 105 and book.bids.top() == [("99", "7"), ("98", "3")]
    assert book.snapshots == 2 and book.gaps == 1


# -- crossed books -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bids", "asks"),
    [
        ([("101", "1")], []),  # best bid reaches the best ask
        ([("101.5", "1")], []),  # and beyond it
        ([], [("99", "1")]),  # best ask reaches the best bid
        ([], [("98.5", "1")]),
    ],
)
def test_an_event_that_crosses_the_book_discards_it(bids: list[Level], asks: list[Level]) -> None:
    book = live_book()
    book.on_event(depth(101, 101))
    assert book.on_event(depth(102, 102, bids, asks)) == "waiting"
    assert book.state == "waiting" and book.crossed == 1 and book.gaps == 0
    assert book.on_event(depth(103, 103)) == "waiting"
    assert book.buffered == 1  # only what came after the crossing
    assert book.on_snapshot(102, [("99", "1")], [("101", "1")]) == "live"
    assert book.last_update_id == 103 and book.crossed == 1


def test_a_buffered_event_that_crosses_the_book_stops_the_replay() -> None:
    book = LocalBook("BTCUSDT")
    book.on_event(depth(101, 101, [("101", "1")]))
    book.on_event(depth(102, 102, [("98", "1")]))
    assert book.on_snapshot(100, [("99", "1")], [("101", "1")]) == "waiting"
    assert book.crossed == 1 and book.state == "waiting"


def test_a_bid_just_below_the_best_ask_does_not_cross() -> None:
    book = live_book(bids=[("100", "1")], asks=[("100.01", "1")])
    assert book.on_event(depth(101, 101, [("100.009", "1")])) == "live"
    assert book.crossed == 0


def test_a_crossed_snapshot_is_not_live() -> None:
    book = LocalBook("BTCUSDT")
    state = book.on_snapshot(100, [("101", "1")], [("100", "1")])
    assert state == "waiting" and book.crossed == 1


# -- a lost connection ------------------------------------------------------------------------------------


def test_a_lost_connection_makes_a_live_book_suspect_until_the_next_event_continues_it() -> None:
    book = live_book()
    book.connection_lost()
    assert book.state == "suspect"
    assert book.on_event(depth(101, 102, [("99", "3")])) == "live"
    assert state_of(book) == "live" and book.bids.top()[0] == ("99", "3")


def test_an_old_event_does_not_confirm_a_suspect_book() -> None:
    book = live_book()
    book.connection_lost()
    assert book.on_event(depth(99, 100, [("99", "3")])) == "suspect"
    assert book.state == "suspect" and book.ignored == 1 and book.bids.top()[0] == ("99", "1")


def test_a_suspect_book_that_missed_updates_waits_for_a_snapshot() -> None:
    book = live_book()
    book.connection_lost()
    assert book.on_event(depth(105, 106, [("99", "3")])) == "waiting"
    assert book.state == "waiting" and book.gaps == 1 and book.buffered == 1
    assert book.on_snapshot(104, [("99", "1")], []) == "live"
    assert book.last_update_id == 106


def test_a_lost_connection_leaves_a_waiting_book_waiting() -> None:
    book = LocalBook("BTCUSDT")
    book.connection_lost()
    assert book.state == "waiting"
    book.on_event(depth(1, 1))
    assert book.on_snapshot(0, [], []) == "live"
    book.connection_lost()
    book.connection_lost()
    assert state_of(book) == "suspect"


def test_a_snapshot_makes_a_suspect_book_live() -> None:
    book = live_book()
    book.connection_lost()
    assert book.on_snapshot(200, [("99", "1")], [("101", "1")]) == "live"
    assert book.state == "live" and book.last_update_id == 200


# -- levels: one per price, best first, at most max_levels --------------------------------------------------


def test_prices_written_differently_are_one_level() -> None:
    book = live_book(bids=[("0.10", "1")], asks=[("0.20", "1")])
    book.on_event(depth(101, 101, [("0.1", "2")], [("0.2000", "3")]))
    assert len(book.bids) == 1 and len(book.asks) == 1
    assert book.bids.top() == [("0.10", "2")]  # one level: kept under the price text it first came with
    assert book.asks.top_decimal() == [(Decimal("0.2000"), Decimal("3"))]
    book.on_event(depth(102, 102, [("0.100", "0")], [("0.2", "0.00000000")]))
    assert len(book.bids) == 0 and len(book.asks) == 0


def test_top_gives_bids_descending_and_asks_ascending() -> None:
    bids = [("9.5", "1"), ("10", "2"), ("8", "3"), ("9.75", "4")]
    asks = [("12", "1"), ("10.5", "2"), ("11.25", "3"), ("100", "4")]
    book = live_book(bids=bids, asks=asks)
    book.on_event(depth(101, 101, [("9.9", "5")], [("10.75", "6")]))
    assert book.bids.top() == [("10", "2"), ("9.9", "5"), ("9.75", "4"), ("9.5", "1"), ("8", "3")]
    assert book.asks.top() == [("10.5", "2"), ("10.75", "6"), ("11.25", "3"), ("12", "1"), ("100", "4")]
    assert book.bids.top(2) == [("10", "2"), ("9.9", "5")]
    assert book.asks.top(2) == [("10.5", "2"), ("10.75", "6")]
    assert book.bids.top(5) == book.bids.top(50) == book.bids.top()
    assert book.bids.top(0) == [] and book.asks.top(-1) == []
    assert book.bids.best_price() == 10.0 and book.asks.best_price() == 10.5
    assert book.bids.top_decimal(1) == [(Decimal("10"), Decimal("2"))]


def test_an_empty_side_has_no_best_price() -> None:
    side = BookSide(descending=True)
    assert side.best_price() is None and side.top() == [] and side.top(3) == [] and len(side) == 0


def test_book_side_apply_load_and_clear() -> None:
    side = BookSide(descending=False)
    side.load([("3", "1"), ("1", "1"), ("2", "0")])
    assert side.top() == [("1", "1"), ("3", "1")]
    side.apply([("2", "5"), ("1", "0"), ("1.0", "0")])
    assert side.top() == [("2", "5"), ("3", "1")]
    assert side.prices == sorted(float(price) for price in side.levels)
    side.load([("7", "1")])  # replaces every level
    assert side.top() == [("7", "1")]
    side.clear()
    assert len(side) == 0 and side.top() == [] and side.best_price() is None


def test_each_side_keeps_at_most_max_levels_forgetting_the_farthest() -> None:
    book = live_book(
        bids=[("97", "1"), ("98", "1"), ("99", "1")],
        asks=[("101", "1"), ("102", "1"), ("103", "1")],
        max_levels=3,
    )
    book.on_event(depth(101, 101, [("99.5", "2"), ("90", "2")], [("100.5", "2"), ("110", "2")]))
    assert [p for p, _ in book.bids.top()] == ["99.5", "99", "98"]
    assert [p for p, _ in book.asks.top()] == ["100.5", "101", "102"]
    assert len(book.bids.prices) == 3 and len(book.asks.prices) == 3  # the sorted prices follow
    # A forgotten level stays forgotten; the book goes on working.
    book.on_event(depth(102, 102, [("99.5", "0"), ("96", "1")], [("100.5", "0")]))
    assert [p for p, _ in book.bids.top()] == ["99", "98", "96"]
    assert [p for p, _ in book.asks.top()] == ["101", "102"]


def test_a_snapshot_deeper_than_max_levels_is_trimmed() -> None:
    book = LocalBook("BTCUSDT", max_levels=2)
    book.on_snapshot(100, [("97", "1"), ("98", "1"), ("99", "1")], [("101", "1"), ("102", "1"), ("103", "1")])
    assert len(book.bids) == 2 and len(book.asks) == 2


def test_a_decoded_combined_stream_message_feeds_the_book() -> None:
    message = {
        "stream": "btcusdt@depth@100ms",
        "data": {
            "e": "depthUpdate",
            "E": 1_700_000_000_123,
            "s": "BTCUSDT",
            "U": 101,
            "u": 103,
            "b": [["99.00000000", "4.50000000"], ["98.00000000", "0.00000000"]],
            "a": [["101.00000000", "0.25000000"]],
        },
    }
    event = decode_message(json.dumps(message))
    assert isinstance(event, DepthUpdate)
    book = live_book()
    assert book.on_event(event) == "live"
    assert book.last_update_id == 103 and book.last_event_time == 1_700_000_000_123
    assert decimals(book.bids) == {Decimal(99): Decimal("4.5")}
    assert book.asks.top() == [("101", "0.25000000"), ("102", "2")]  # "101.00000000" is the level "101"


# -- property: the book follows a reference exchange book ------------------------------------------------

BID_TICKS = st.integers(1, 40)  # prices in hundredths: bids 0.01-0.40, asks 0.41-0.80, never crossed
ASK_TICKS = st.integers(41, 80)
QUANTITIES = st.sampled_from(["1", "2.5", "0.001", "7", "12.00000000"])
ZERO = st.sampled_from(["0", "0.00000000"])


def price_text(tick: int, zeros: int) -> str:
    """The price `tick` hundredths as Binance might write it: 10 -> "0.1", "0.10", "0.100" ..."""
    text = str(Decimal(tick) / 100)
    if zeros and "." not in text:
        text += "."
    return text + "0" * zeros


Book = dict[int, Level]  # tick -> (price text, qty text); absent = no level


def reference(side: Book) -> dict[Decimal, Decimal]:
    return {Decimal(tick) / 100: Decimal(qty) for tick, (_, qty) in side.items()}


def check_live_book(book: LocalBook, history: dict[int, tuple[Book, Book]]) -> None:
    bids, asks = history[book.last_update_id]
    assert decimals(book.bids) == reference(bids)
    assert decimals(book.asks) == reference(asks)
    bid_prices = [Decimal(p) for p, _ in book.bids.top()]
    ask_prices = [Decimal(p) for p, _ in book.asks.top()]
    assert bid_prices == sorted(bid_prices, reverse=True) and len(set(bid_prices)) == len(bid_prices)
    assert ask_prices == sorted(ask_prices) and len(set(ask_prices)) == len(ask_prices)


@settings(max_examples=200)
@given(st.data())
def test_the_book_equals_the_exchange_book_whenever_it_is_live(data: st.DataObject) -> None:
    # The exchange: a book at update id `start`, then one change per update id.
    start = data.draw(st.integers(0, 10**9), label="start")
    levels = st.tuples(QUANTITIES, st.integers(0, 2))
    bids: Book = {
        t: (price_text(t, z), q) for t, (q, z) in data.draw(st.dictionaries(BID_TICKS, levels)).items()
    }
    asks: Book = {
        t: (price_text(t, z), q) for t, (q, z) in data.draw(st.dictionaries(ASK_TICKS, levels)).items()
    }
    change = st.tuples(st.booleans(), st.integers(1, 80), st.one_of(QUANTITIES, ZERO), st.integers(0, 2))
    changes = data.draw(st.lists(change, min_size=1, max_size=60), label="changes")
    history: dict[int, tuple[Book, Book]] = {start: (dict(bids), dict(asks))}
    update_id = start
    ids_of: list[tuple[bool, int, Level]] = []  # per update id: (is_bid, tick, level)
    for is_bid, tick, qty, zeros in changes:
        tick = tick if (is_bid and tick <= 40) or (not is_bid and tick > 40) else 81 - tick
        side = bids if is_bid else asks
        level = (price_text(tick, zeros), qty)
        if Decimal(qty):
            side[tick] = level
        else:
            side.pop(tick, None)
        update_id += 1
        history[update_id] = (dict(bids), dict(asks))
        ids_of.append((is_bid, tick, level))
    last_id = update_id

    # The stream: consecutive changes grouped into events (U, u), the last change of a level winning.
    cuts = data.draw(st.lists(st.booleans(), min_size=len(changes) - 1, max_size=len(changes) - 1))
    events: list[DepthUpdate] = []
    first = start + 1
    for offset in range(len(changes)):
        if offset == len(changes) - 1 or cuts[offset]:
            final = start + offset + 1
            group = ids_of[first - start - 1 : final - start]
            event_bids = {tick: level for is_bid, tick, level in group if is_bid}
            event_asks = {tick: level for is_bid, tick, level in group if not is_bid}
            events.append(depth(first, final, event_bids.values(), event_asks.values(), time=len(events) + 1))
            first = final + 1

    # What the subscriber sees: from event `seen` on, maybe one event lost, repeats of earlier ones.
    seen = data.draw(st.integers(0, len(events) - 1), label="first event seen")
    lost = data.draw(st.none() | st.integers(seen, len(events) - 1), label="event lost")
    delivered = [i for i in range(seen, len(events)) if i != lost]
    for _ in range(data.draw(st.integers(0, 6), label="repeats")):
        if not delivered:
            break
        at = data.draw(st.integers(1, len(delivered)))
        delivered.insert(at, data.draw(st.sampled_from(delivered[:at])))
    # The snapshot: taken after subscribing (so at least U - 1 of the first event seen), at any later
    # point of the exchange, and answered after any number of deliveries.
    snapshot_id = data.draw(st.integers(events[seen].first_update_id - 1, last_id), label="snapshot id")
    snapshot_at = data.draw(st.integers(0, len(delivered)), label="snapshot after deliveries")
    losses = data.draw(st.sets(st.integers(0, len(delivered))), label="connection lost before")

    book = LocalBook("BTCUSDT")
    newest = snapshot_id  # the exchange is at least here: snapshots taken later are at least as new

    def snapshot(at: int) -> str:
        snap_bids, snap_asks = history[at]
        return book.on_snapshot(at, list(snap_bids.values()), list(snap_asks.values()))

    for position in range(len(delivered) + 1):
        if position == snapshot_at and snapshot(snapshot_id) == "waiting":
            assert snapshot(newest) == "live"  # a snapshot as new as the events buffered
        if position in losses:
            book.connection_lost()
        if position < len(delivered):
            event = events[delivered[position]]
            newest = max(newest, event.final_update_id)
            if book.on_event(event) == "waiting" and position >= snapshot_at:
                assert snapshot(newest) == "live"
        if book.state == "live":
            check_live_book(book, history)

    needed = lost is not None and events[lost].final_update_id > snapshot_id
    missed = needed and any(i > (lost or 0) for i in delivered)
    assert book.gaps == (1 if missed else 0)
    assert book.snapshots == (2 if missed else 1)
    assert book.crossed == 0
    assert book.state in ("live", "suspect")
    assert book.last_update_id == newest
    check_live_book(book, history)


# -- property: a side applied a message at a time equals the same levels set one by one ------------------

SIDE_TICKS = st.integers(1, 30)
SIDE_QUANTITIES = st.sampled_from(["1", "2.5", "0.001", "7", "12.00000000", "0", "0.00000000", "0.0"])


def reference_apply(
    side: dict[Decimal, Decimal], levels: Iterable[Level], max_levels: int, bids: bool
) -> None:
    """Binance's rule, one level after the other; then the farthest beyond `max_levels` forgotten."""
    for price, qty in levels:
        if Decimal(qty):
            side[Decimal(price)] = Decimal(qty)
        else:
            side.pop(Decimal(price), None)
    for farthest in sorted(side, reverse=bids)[max_levels:]:
        del side[farthest]


@settings(max_examples=300)
@given(
    st.booleans(),
    st.integers(1, 12),
    st.lists(
        st.lists(st.tuples(SIDE_TICKS, st.integers(0, 2), SIDE_QUANTITIES), max_size=12),
        min_size=1,
        max_size=40,
    ),
)
def test_a_side_follows_its_levels_set_one_by_one(
    descending: bool, max_levels: int, messages: list[list[tuple[int, int, str]]]
) -> None:
    """Messages may repeat a price, under one text or several ("0.1", "0.10"), set a level gone and
    bring it back, remove levels never kept: the side (applied with one dict update per message, gone
    levels kept as tombstones until swept) always equals the reference, best first, within max_levels."""
    side = BookSide(descending=descending, max_levels=max_levels)
    expected: dict[Decimal, Decimal] = {}
    for message in messages:
        levels = [(price_text(tick, zeros), qty) for tick, zeros, qty in message]
        side.apply(levels)
        reference_apply(expected, levels, max_levels, descending)
        top = side.top()
        assert {Decimal(p): Decimal(q) for p, q in top} == expected
        prices = [Decimal(p) for p, _ in top]
        assert prices == sorted(expected, reverse=descending)
        assert len(side) == len(expected) and len(side.levels) == len(expected)
        best = side.best_price()
        assert best == (float(prices[0]) if prices else None)
        assert side.top(1) == top[:1] and side.top(3) == top[:3]
        assert side.prices == sorted(float(p) for p in prices)


def test_levels_gone_are_swept_out_so_a_side_does_not_grow_without_bound() -> None:
    side = BookSide(descending=False)
    side.load([("1", "1")])
    for tick in range(2, 20_000):  # each a new price that comes and goes: a tombstone each
        price = str(tick)
        side.apply([(price, "5")])
        side.apply([(price, "0.00000000")])
    assert len(side) == 1
    assert len(side._levels) <= 2 * 1 + 256 + 1  # tombstones swept as they pile up
    assert len(side._heap) <= 2 * 1 + 256 + 1
    assert side.top() == [("1", "1")]


def test_a_level_added_and_removed_under_other_texts_does_not_grow_the_heap() -> None:
    side = BookSide(descending=True)
    side.load([("5", "1")])
    for _ in range(5000):
        side.apply([("0.1", "2")])
        side.apply([("0.10", "0")])  # the same level, removed under another text
    assert side.top() == [("5", "1")]
    assert len(side._heap) <= 2 * 1 + 256 + 1
