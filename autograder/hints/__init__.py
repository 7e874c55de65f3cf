"""The catalogue of known mistakes: a short key for each and the hint a student gets when a check
recognises it. Checks name a mistake by its key; the failure message then quotes the hint.

Each module in this package holds the hints of one topic in a dict ``HINTS`` (``common`` holds those
shared by several topics); they are merged here, and a key defined twice is an error.
"""
from __future__ import annotations

import importlib
import pkgutil


def _merged_catalogue() -> dict[str, str]:
    catalogue: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        topic = importlib.import_module(f"{__name__}.{module_info.name}").HINTS
        duplicates = catalogue.keys() & topic.keys()
        if duplicates:
            raise ValueError(f"hint keys defined twice (again in {module_info.name}): {sorted(duplicates)}")
        catalogue.update(topic)
    return catalogue


HINTS: dict[str, str] = _merged_catalogue()
