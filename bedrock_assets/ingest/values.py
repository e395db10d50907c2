"""Reading loosely typed JSON fields without ever turning ``null`` into the word "None"."""

from __future__ import annotations


def text_of(value: object) -> str:
    """A string field as text; ``null``, numbers and objects are not text (never "None")."""
    return value.strip() if isinstance(value, str) else ""


def objects(value: object) -> list[dict]:
    """The objects of a JSON list that may be ``null`` or hold ``null``s."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
