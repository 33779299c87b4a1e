"""Exact Decimal arithmetic for the rules, and the grids of PRICE_FILTER, LOT_SIZE and MARKET_LOT_SIZE:
rounding a value onto a grid (`SymbolRules.round_price`, `round_quantity`) and checking one against it.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, TypeAlias

from ...errors import OrderValidationError, ParameterError
from ..models.filters import LotSize, MarketLotSize, PriceFilter

__all__ = ["Number"]

#: A number accepted by the rounding and validation helpers (a float goes through its shortest repr).
Number: TypeAlias = Decimal | int | str | float

# Arithmetic here is exact: with unlimited precision, +, -, *, divmod and quantize never round.  Never
# use true division (``/``) under this context: a non-terminating quotient would exhaust memory.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

_SIDES = ("BUY", "SELL")
_ROUNDING_BY_SIDE = {"BUY": ROUND_FLOOR, "SELL": ROUND_CEILING, None: ROUND_HALF_EVEN}


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _to_decimal(name: str, value: Number) -> Decimal:
    """``value`` as a finite Decimal; floats via their shortest repr, never their binary expansion."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise ParameterError(f"{name}: expected a Decimal, int, str or float, got {type(value).__name__}")
    else:
        text = repr(value) if isinstance(value, float) else value
        if isinstance(text, str) and not text.isascii():  # Decimal("٣٣") is 33: Binance reads ASCII digits
            raise ParameterError(f"{name}: write numbers with the ASCII digits 0-9, got {value!r}")
        try:
            number = Decimal(text)
        except decimal.InvalidOperation:
            raise ParameterError(f"{name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ParameterError(f"{name}: {value} is not a finite number")
    return number


def _optional_decimal(name: str, value: Number | None) -> Decimal | None:
    return None if value is None else _to_decimal(name, value)


def _optional_int(name: str, value: int | None, *, minimum: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        least = "" if minimum is None else f" >= {minimum}"
        raise ParameterError(f"{name}: expected an int{least}, got {value!r}")
    return value


def _fmt(value: Decimal) -> str:
    """Plain notation without trailing zeros: ``Decimal("100000.00000000")`` -> ``100000``."""
    return format(value.normalize(_EXACT), "f")


def _choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """``value`` (or a str Enum's value) if it is one of ``allowed``."""
    text = value.value if isinstance(value, enum.Enum) else value
    if isinstance(text, str) and text in allowed:
        return text
    raise ParameterError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


# --------------------------------------------------------------------------------------------
# Stepped filters (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stepped:
    """A ``min ≤ value ≤ max`` range with a grid ``min + k * step``; a zero bound or step is disabled."""

    filter_type: str
    names: tuple[str, str, str]  # Binance's names of min, max and step, for messages and `allowed`
    low: Decimal
    high: Decimal
    step: Decimal
    quantum: Decimal  # 10 ** exponent of the finest of min and step (at most 1): results carry it

    @classmethod
    def build(
        cls, filter_type: str, names: tuple[str, str, str], low: Decimal, high: Decimal, step: Decimal
    ) -> _Stepped:
        exponent = min(int(step.normalize(_EXACT).as_tuple().exponent), 0)
        if low:
            exponent = min(exponent, int(low.normalize(_EXACT).as_tuple().exponent))
        return cls(filter_type, names, low, high, step, Decimal((0, (1,), exponent)))

    @classmethod
    def of_price(cls, f: PriceFilter) -> _Stepped:
        names = ("minPrice", "maxPrice", "tickSize")
        return cls.build(f.filter_type, names, f.min_price, f.max_price, f.tick_size)

    @classmethod
    def of_quantity(cls, f: LotSize | MarketLotSize) -> _Stepped:
        return cls.build(f.filter_type, ("minQty", "maxQty", "stepSize"), f.min_qty, f.max_qty, f.step_size)

    def snap(self, value: Decimal, rounding: str) -> Decimal:
        """The grid point below (ROUND_FLOOR), above (ROUND_CEILING) or nearest (ROUND_HALF_EVEN)."""
        if not self.step:
            return value
        steps, rest = divmod(value - self.low, self.step)  # truncates toward zero
        if rest < 0:
            steps, rest = steps - 1, rest + self.step  # floor instead: 0 <= rest < step
        lower = self.low + steps * self.step
        if rest and _rounds_up(rest, lower, self.step, rounding):
            lower += self.step
        return lower.quantize(self.quantum, context=_EXACT)

    def allowed(self) -> dict[str, Decimal]:
        return dict(zip(self.names, (self.low, self.high, self.step), strict=True))

    def check(self, field_name: str, value: Decimal) -> None:
        """Raise OrderValidationError if ``value`` is out of range or off the grid."""
        min_name, max_name, step_name = self.names
        if self.low and value < self.low:
            problem = f"is below {min_name} {_fmt(self.low)}"
        elif self.high and value > self.high:
            problem = f"is above {max_name} {_fmt(self.high)}"
        elif self.step and (value - self.low) % self.step:
            problem = f"is not a multiple of {step_name} {_fmt(self.step)} from {min_name} {_fmt(self.low)}"
        else:
            return
        span = f"{_fmt(self.low)}..{_fmt(self.high) if self.high else ''}"
        raise _violation(self.filter_type, field_name, value, f"{problem} (allowed {span})", self.allowed())


def _rounds_up(rest: Decimal, lower: Decimal, step: Decimal, rounding: str) -> bool:
    """Whether ``lower + rest`` (0 < rest < step) goes up to the next grid point ``lower + step``.

    Half-even ties go to the point whose ``value // step`` is even: the usual last-digit-even rule
    when the grid is aligned on multiples of the step.
    """
    if rounding == ROUND_FLOOR:
        return False
    if rounding == ROUND_CEILING:
        return True
    twice = rest * 2
    return twice > step or (twice == step and (lower // step) % 2 == 1)


def _violation(
    filter_type: str, field_name: str, value: Any, problem: str, allowed: Mapping[str, Any]
) -> OrderValidationError:
    shown = _fmt(value) if isinstance(value, Decimal) else value
    return OrderValidationError(
        f"{filter_type}: {field_name} {shown} {problem}",
        filter_type=filter_type,
        field=field_name,
        value=value,
        allowed=allowed,
    )
