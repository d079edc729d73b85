"""Name suggestions for a planner's typo, the same wherever a name is referred to."""

from __future__ import annotations

import difflib


def suggestions(name: str, names: list[str]) -> list[str]:
    """Up to three names close to ``name``: containing it, or similar to the name or its
    first word (``Vörde`` and ``Voerde`` find ``Voerde (Niederrhein)``)."""
    key = name.casefold()
    short = {n.split(" (")[0].casefold(): n for n in names}
    found = [n for n in names if key and key in n.casefold()]
    found += [short[s] for s in difflib.get_close_matches(key, list(short), n=3, cutoff=0.6)]
    found += difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    return list(dict.fromkeys(found))[:3]
