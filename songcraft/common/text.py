"""Text helpers shared by features that must fit words into someone else's limits."""
from __future__ import annotations


def truncate(text: str, limit: int, separator: str = " ") -> str:
    """``text`` cut to at most ``limit`` characters, at the last ``separator`` when there is one
    (a word boundary by default), without a dangling comma or space."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = cut.rfind(separator)
    return (cut[:boundary] if boundary > 0 else cut).rstrip(" ,\n")
