"""A Griffe extension for the API reference: docstrings as Python shows them, in Markdown.

Loaded by ``mkdocs.yml`` (mkdocstrings' ``extensions`` option); ``exclude_docs`` keeps it off the site.
mkdocstrings reads the source without running it and renders docstrings as Markdown. Three things in
this package's docstrings need help with that (mkdocstrings itself supports none of them):

* The Spot methods are decorated with ``@documents(E.SOME_ENDPOINT)`` (``binance_async/spot/_common.py``),
  which puts ``METHOD /path`` and the weight rule from the endpoint table under the docstring's first
  line when the module is imported. For those methods the docstring is taken from the imported
  function, so the reference shows the endpoint and its weight as ``help()`` does.
* Many module and class attributes are documented Sphinx-style, by ``#:`` comment lines right above
  the assignment. Griffe reads only a string literal after it, so without help these attributes would
  have no docstring and be left out; the comment lines become their docstring.
* Some docstrings use reStructuredText: a literal block introduced by ``::`` and roles such as
  ``:class:`Depth```. Markdown has neither, so ``Text::`` becomes ``Text:``, a lone ``::`` line is
  dropped (the indented block after it is a code block in Markdown too), and a role becomes plain
  inline code (``~a.b.C`` gives ``C``, as in Sphinx).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from typing import Any

import griffe

DECORATOR = "documents"

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|mod|exc|data|obj|const):`(~?)([^`]+)`")
_LITERAL = re.compile(r"(?<=\S)::[ \t]*$", re.MULTILINE)
_LONE_LITERAL = re.compile(r"^[ \t]*::[ \t]*\n", re.MULTILINE)


def markdown(doc: str) -> str:
    """A docstring's reStructuredText literal markers and roles, in Markdown."""
    doc = _LONE_LITERAL.sub("", doc)
    doc = _LITERAL.sub(":", doc)
    return _ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", doc)


class PackageDocstrings(griffe.Extension):
    """Runtime docstrings for ``@documents(...)`` methods, ``#:`` comments, Markdown for reST markers."""

    def on_attribute_instance(self, *, node: Any, attr: griffe.Attribute, **kwargs: Any) -> None:
        if attr.docstring is not None or not isinstance(node, ast.AST):
            return
        lines = attr.module.lines
        comment: list[str] = []
        row = getattr(node, "lineno", 0) - 2  # the line above the assignment, 0-based
        while 0 <= row < len(lines) and lines[row].strip().startswith("#:"):
            comment.insert(0, lines[row].strip()[2:].strip())
            row -= 1
        if comment:
            attr.docstring = griffe.Docstring(markdown("\n".join(comment)), parent=attr)

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)

    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        if not any(_called_name(decorator.value) == DECORATOR for decorator in func.decorators):
            return
        owner: Any = importlib.import_module(func.module.path)
        for name in func.path[len(func.module.path) + 1 :].split("."):
            owner = getattr(owner, name)
        doc = inspect.getdoc(owner)
        if not doc:
            return
        if func.docstring is None:
            func.docstring = griffe.Docstring(markdown(doc), parent=func)
        else:
            func.docstring.value = markdown(doc)


def _called_name(expression: Any) -> str:
    """The name a decorator calls: ``documents`` for ``documents(E.DEPTH)``."""
    text = str(expression)
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return text
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return text
