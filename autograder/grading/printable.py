"""Untrusted text (names in a download, roster cells) made safe to print on one line.

A student or an LMS chooses these names: control and invisible characters could rewrite a terminal
line or hide what a name really is, so they are escaped before the name is shown, and refused where a
name is kept (:func:`has_unsafe_characters`).
"""
from __future__ import annotations

import unicodedata

UNSAFE_CHARACTERS = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, invisible, not UTF-8


def escaped(text: str) -> str:
    """``text`` with control and invisible characters escaped as Python writes them (``\\x1b``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shown(text: str, width: int = 100) -> str:
    """``text`` safe to print in a line: :func:`escaped`, at most ``width`` characters."""
    safe = escaped(text)
    return safe if len(safe) <= width else safe[:width - 3] + "..."


def has_unsafe_characters(text: str) -> bool:
    """Whether ``text`` holds a control or invisible character, or one that is not valid UTF-8."""
    return any(unicodedata.category(c) in UNSAFE_CHARACTERS for c in text)
