"""Accept-Language handling for the canonical format (SR-52)."""

from __future__ import annotations


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges, most preferred first (RFC 9110 q-values; q=0 dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(language_map: dict[str, str], preferences: list[str]) -> dict[str, str]:
    """Reduce a language map to its one best entry (RFC 4647 lookup, then the first entry)."""
    if len(language_map) <= 1:
        return dict(language_map)
    lowered = {tag.lower(): tag for tag in language_map}
    for preference in preferences:
        if preference == "*":
            break
        candidate = preference
        while candidate:
            if candidate in lowered:
                tag = lowered[candidate]
                return {tag: language_map[tag]}
            candidate = candidate.rpartition("-")[0]
        for lower, tag in lowered.items():
            if lower.startswith(preference + "-"):
                return {tag: language_map[tag]}
    first = next(iter(language_map))
    return {first: language_map[first]}
