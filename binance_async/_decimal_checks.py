"""Numbers in answers are finite and written in ASCII digits, or the answer is refused.

msgspec turns a JSON string into a `Decimal` with ``Decimal(text)``, which also reads ``"NaN"``,
``"Infinity"``, ``"-inf"`` and ``"sNaN"`` (any case) and digits of any script: ``"٣٣"``
(Arabic-Indic) and fullwidth digits are 33. Binance sends neither; a price that is NaN compares
false with everything and would slip past every ``<``/``>`` check of a trading loop, so such an
answer is refused. Two guards, both raising inside the decode so that the pipeline reports
`InvalidResponseError`:

* `install_finite_check`: every response model gets a generated ``__post_init__`` that refuses a
  non-finite `Decimal` field (a `ValueError`, which msgspec reports as `msgspec.ValidationError`).
  It runs for every construction, decoded or not: no model ever holds a non-finite Decimal. It costs
  one short Python call per decoded struct that has Decimal fields.
* `check_numbers`, run by `Endpoint.decode` after decoding, only when a cheap byte test finds
  something suspicious: a body that is not ASCII (then only if a non-ASCII digit is in it at all,
  e.g. not for a symbol in Chinese), or, for a type holding numbers as text (`Depth` levels, see
  ``__number_text__``), a body with an ``n``/``N`` (every non-finite spelling has one; a depth body
  never does). It then walks the result against the parsed JSON and refuses a Decimal read from a
  non-ASCII string, and a number-text string that is not ASCII or not finite.
"""

from __future__ import annotations

import inspect
import keyword
import re
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Any, get_args

import msgspec

__all__ = ["NUMBER_TEXT", "check_numbers", "install_finite_check", "numbers_kind"]

#: A Struct class attribute naming fields that hold numbers as text, as (nested) lists/tuples of str.
NUMBER_TEXT = "__number_text__"

#: `numbers_kind` results: nothing to check / Decimal fields / number text (and maybe Decimals).
NONE, DECIMALS, TEXT = 0, 1, 2

_ASCII = bytes(range(128))
_NON_ASCII_DIGIT = re.compile(r"\d").search  # run on the non-ASCII characters of a body only
_GENERATED = "__finite_check_wraps__"  # on a generated __post_init__: the one it calls, or None


# -- the generated __post_init__ ---------------------------------------------------------------------------


def _decimal_kind(annotation: Any) -> str | None:
    """The check a field needs: "required" (``Decimal``), "optional" (``Decimal | None``) or None."""
    if isinstance(annotation, str):  # the models use ``from __future__ import annotations``
        text = annotation.replace(" ", "").replace("decimal.Decimal", "Decimal")
        if text == "Decimal":
            return "required"
        if text in ("Decimal|None", "None|Decimal", "Optional[Decimal]"):
            return "optional"
    else:
        if annotation is Decimal:
            return "required"
        if set(get_args(annotation)) == {Decimal, type(None)}:
            return "optional"
        text = repr(annotation)
    if "Decimal" in text and not text.startswith(("ClassVar", "typing.ClassVar")):
        # A container of Decimals would escape the check: make whoever adds one decide.
        raise TypeError(f"cannot check {annotation!r} for non-finite Decimals: use Decimal or Decimal | None")
    return None


def _decimal_fields(cls: type) -> dict[str, str]:
    fields: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        for name, annotation in inspect.get_annotations(klass).items():
            kind = _decimal_kind(annotation)
            if kind is None:
                fields.pop(name, None)  # redeclared as something else
            else:
                fields[name] = kind
    return fields


def _all_finite(obj: object, names: tuple[str, ...]) -> bool:
    """The slow path: a field may hold anything when the model was built by hand."""
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, Decimal) and not value.is_finite():
            return False
        if isinstance(value, float) and (value != value or value in (_INF, -_INF)):
            return False
    return True


_INF = float("inf")


def _refuse(obj: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(obj, name, None)
        if not _all_finite(obj, (name,)):
            raise ValueError(f"{type(obj).__name__}.{name} must be a finite number, got {value}")


def install_finite_check(cls: type) -> None:
    """Give `cls` a ``__post_init__`` refusing a non-finite value in any ``Decimal`` field.

    Call it from ``__init_subclass__`` of a `msgspec.Struct` base: msgspec reads ``__post_init__``
    when it finishes building the class, after ``__init_subclass__``. A ``__post_init__`` the class
    (or a base) defines itself still runs, after the check.
    """
    fields = _decimal_fields(cls)
    own = None
    for klass in cls.__mro__:
        found = klass.__dict__.get("__post_init__")
        if found is not None:  # the nearest: the class's own, or one generated for a base (and what it wraps)
            own = getattr(found, _GENERATED, found)
            break
    if not fields:
        return
    for name in fields:
        if not name.isidentifier() or keyword.iskeyword(name):  # pragma: no cover - Python names only
            raise TypeError(f"{cls.__name__}: unexpected field name {name!r}")
    names = tuple(fields)
    tests = [
        f"self.{name}.is_finite()"
        if kind == "required"
        else f"(self.{name} is None or self.{name}.is_finite())"
        for name, kind in fields.items()
    ]
    after = "    _own(self)\n" if own is not None else ""
    source = (
        "def __post_init__(self):\n"
        "    try:\n"
        f"        ok = {' and '.join(tests)}\n"
        "    except AttributeError:\n"
        "        ok = _all_finite(self, _names)\n"
        "    if not ok:\n"
        "        _refuse(self, _names)\n"
        f"{after}"
    )
    namespace: dict[str, Any] = {"_all_finite": _all_finite, "_refuse": _refuse, "_names": names, "_own": own}
    exec(compile(source, f"<finite check of {cls.__qualname__}>", "exec"), namespace)
    post_init = namespace["__post_init__"]
    post_init.__qualname__ = f"{cls.__qualname__}.__post_init__"
    setattr(post_init, _GENERATED, own)
    setattr(cls, "__post_init__", post_init)  # noqa: B010 - set after class creation on purpose


# -- after decoding ------------------------------------------------------------------------------------------


def numbers_kind(response_type: Any) -> int:
    """What `check_numbers` has to look at in an answer of `response_type`: NONE, DECIMALS or TEXT."""
    try:
        info = msgspec.inspect.type_info(response_type)
    except TypeError:  # a type msgspec cannot describe: check what can be checked
        return TEXT
    kind = NONE
    seen: set[int] = set()
    stack: list[Any] = [info]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, msgspec.inspect.DecimalType):
            kind = max(kind, DECIMALS)
        elif isinstance(node, msgspec.inspect.StructType) and getattr(node.cls, NUMBER_TEXT, None):
            kind = TEXT
        # Every compound type: structs, dataclasses, lists, tuples, dicts, unions ...
        stack.extend(field.type for field in getattr(node, "fields", ()))
        stack.extend(getattr(node, "item_types", ()))
        stack.extend(getattr(node, "types", ()))
        stack.extend(
            getattr(node, attr) for attr in ("item_type", "key_type", "value_type") if hasattr(node, attr)
        )
    return kind


def check_numbers(result: Any, body: bytes, kind: int = TEXT) -> None:
    """Refuse `result`, decoded from `body`, if a number in it is not ASCII or not finite.

    Raises `msgspec.ValidationError`. Cheap when `body` is ASCII; see the module docstring for when
    `Endpoint.decode` calls it.
    """
    if (b"\\" in body) or (
        not body.isascii() and _NON_ASCII_DIGIT(body.translate(None, _ASCII).decode("utf-8", "replace"))
    ):  # a JSON escape (``"\\u0663"``) writes a non-ASCII digit in an ASCII body
        _check_ascii(result, msgspec.json.decode(body), "$")
    if kind == TEXT:
        _check_text(result, "$")


def _refused(text: str, path: str) -> msgspec.ValidationError:
    return msgspec.ValidationError(f"Expected a finite number in ASCII digits, got {text!r} - at `{path}`")


def _check_ascii(typed: Any, raw: Any, path: str) -> None:
    """Walk the decoded `typed` along the plain JSON `raw`: a Decimal read from a non-ASCII string fails."""
    if isinstance(typed, Decimal):
        if type(raw) is str and not raw.isascii():
            raise _refused(raw, path)
    elif isinstance(typed, msgspec.Struct):
        cls = type(typed)
        fields = cls.__struct_fields__
        texts = getattr(cls, NUMBER_TEXT, ())
        if cls.__struct_config__.array_like:
            if type(raw) is list:
                for index, (name, item) in enumerate(zip(fields, raw, strict=False)):
                    _check_field(typed, name, item, f"{path}[{index}]", texts)
        elif type(raw) is dict:
            for name, key in zip(fields, cls.__struct_encode_fields__, strict=True):
                if key in raw:
                    _check_field(typed, name, raw[key], f"{path}.{key}", texts)
    elif isinstance(typed, (list, tuple)):
        if type(raw) is list:
            for index, (item, raw_item) in enumerate(zip(typed, raw, strict=False)):
                _check_ascii(item, raw_item, f"{path}[{index}]")
    elif isinstance(typed, dict) and type(raw) is dict:
        for key, value in typed.items():
            if key in raw:
                _check_ascii(value, raw[key], f"{path}.{key}")


def _check_field(typed: Any, name: str, raw: Any, path: str, texts: tuple[str, ...]) -> None:
    value = getattr(typed, name)
    if name in texts:
        _check_text_value(value, path)
    else:
        _check_ascii(value, raw, path)


def _check_text(typed: Any, path: str) -> None:
    """Find the number-text fields (``__number_text__``) in `typed` and check them."""
    if isinstance(typed, msgspec.Struct):
        cls = type(typed)
        texts = getattr(cls, NUMBER_TEXT, ())
        for name in cls.__struct_fields__:
            value = getattr(typed, name)
            if name in texts:
                _check_text_value(value, f"{path}.{name}")
            elif isinstance(value, (msgspec.Struct, list, tuple, dict)):
                _check_text(value, f"{path}.{name}")
    elif isinstance(typed, (list, tuple)):
        for index, item in enumerate(typed):
            if isinstance(item, (msgspec.Struct, list, tuple, dict)):
                _check_text(item, f"{path}[{index}]")
    elif isinstance(typed, dict):
        for key, value in typed.items():
            _check_text(value, f"{path}.{key}")


def _check_text_value(value: Any, path: str) -> None:
    # Depth's shape (a list of tuples of str) in one C-level pass; the walk below only when that
    # finds a suspect (or the shape is another), so that a stray "n" elsewhere in a body stays cheap.
    try:
        joined = value if isinstance(value, str) else "".join(chain.from_iterable(value))
    except TypeError:
        joined = None
    if joined is not None and joined.isascii() and "n" not in joined and "N" not in joined:
        return
    _walk_text_value(value, path)


def _walk_text_value(value: Any, path: str) -> None:
    if isinstance(value, str):
        if not value.isascii():
            raise _refused(value, path)
        if "n" in value or "N" in value:  # every non-finite spelling has one
            try:
                number = Decimal(value)
            except InvalidOperation:
                return  # not a number at all: left to whoever converts it, as before
            if not number.is_finite():
                raise _refused(value, path)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk_text_value(item, f"{path}[{index}]")
