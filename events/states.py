"""States as ISO 3166-1 alpha-3 codes, accepted from codes, English or Russian names and variants."""

from __future__ import annotations

import difflib
import gettext
import unicodedata
from functools import cache
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator, WithJsonSchema

from events.base import excerpt

__all__ = ["StateCode", "normalize_state", "state_name", "suggest_states"]

# Names that users and news agencies write but that neither ISO's English nor Russian
# names cover. Kept short on purpose: pycountry handles codes, names, official names and
# common names; this table only adds what real sources in this domain use.
_VARIANTS: dict[str, str] = {
    "kyrgyz republic": "KGZ",
    "kirghizia": "KGZ",
    "kirgizia": "KGZ",
    "кыргызстан": "KGZ",
    "кыргызская республика": "KGZ",
    "киргизия": "KGZ",
    "turkey": "TUR",
    "türkiye": "TUR",
    "turkiye": "TUR",
    "турция": "TUR",
    "туркия": "TUR",
    "russia": "RUS",
    "россия": "RUS",
    "iran": "IRN",
    "china": "CHN",
    "prc": "CHN",
    "people's republic of china": "CHN",
    "кнр": "CHN",
    "belarus": "BLR",
    "беларусь": "BLR",
    "белоруссия": "BLR",
    "uzbekistan": "UZB",
    "tajikistan": "TJK",
    "moldova": "MDA",
    "syria": "SYR",
    "laos": "LAO",
    "vietnam": "VNM",
    "south korea": "KOR",
    "north korea": "PRK",
    "uk": "GBR",
    "united kingdom": "GBR",
    "usa": "USA",
    "united states": "USA",
}


def _fold(text: str) -> str:
    """Case- and space-insensitive key; keeps diacritics so 'Türkiye' and 'Turkiye' both list."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@cache
def _russian_index() -> dict[str, str]:
    """Map ISO's Russian country names (from pycountry's translations) to alpha-3 codes."""
    try:
        ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    except OSError:  # pragma: no cover - pycountry always ships ru
        return {}
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            english = getattr(country, attr, None)
            if english:
                index[_fold(ru.gettext(english))] = country.alpha_3
    return index


@cache
def _name_index() -> dict[str, str]:
    """Every spelling we accept (English, Russian, variants, codes), folded, to its alpha-3 code."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                index[_fold(name)] = country.alpha_3
    index.update(_russian_index())
    index.update(_VARIANTS)
    return index


# Longer inputs are not misspelled names; matching them would only cost time.
_SUGGEST_MAX_CHARS = 80


def suggest_states(value: str, limit: int = 2) -> list[str]:
    """Codes whose names are close to a misspelled `value` ('Kazakstan' -> ['KAZ']), best first."""
    if not isinstance(value, str) or len(value) > _SUGGEST_MAX_CHARS:
        return []
    index = _name_index()
    codes: list[str] = []
    for name in difflib.get_close_matches(_fold(value), index, n=10, cutoff=0.75):
        if index[name] not in codes:
            codes.append(index[name])
    return codes[:limit]


@cache
def normalize_state(value: str) -> str:
    """Return the ISO 3166-1 alpha-3 code for a code, English or Russian name or variant."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a state code or name, got {value!r}")
    key = _fold(value)
    if key in _VARIANTS:
        return _VARIANTS[key]
    if key in _russian_index():
        return _russian_index()[key]
    try:
        country = pycountry.countries.lookup(value.strip())
    except LookupError:
        suggestions = suggest_states(value)
        hint = (
            "did you mean " + " or ".join(f"{code} ({state_name(code)})" for code in suggestions) + "?"
            if suggestions
            else "use an ISO 3166-1 code (KAZ, KZ) or a name"
        )
        raise ValueError(f"{excerpt(value)!r} is not a known state: {hint}") from None
    return str(country.alpha_3)


def state_name(code: str) -> str:
    """The English short name of a state code, for display."""
    country = pycountry.countries.get(alpha_3=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


def _validate(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a state code or name, got {value!r}")
    return normalize_state(value)


StateCode = Annotated[
    str,
    BeforeValidator(_validate),
    WithJsonSchema({"type": "string", "examples": ["KAZ", "KG", "Kyrgyz Republic", "Кыргызстан"]}),
]
"""A pydantic field type: any accepted spelling in, the alpha-3 code stored."""
