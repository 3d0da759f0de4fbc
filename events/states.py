"""States as ISO 3166-1 alpha-3 codes, accepted from codes, English or Russian names and variants.

Parties that are not states (the EU, the African Union) are recorded organizations, written
`org:<organization id>` (`org:eu`): lower-case with a prefix, so no spelling of a state and no
ISO code can ever be read as one, nor one of them as a state.
"""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator, WithJsonSchema

from tracker.events.base import excerpt

__all__ = [
    "ORGANIZATION_PARTY_PREFIX",
    "PartyCode",
    "StateCode",
    "normalize_party",
    "normalize_state",
    "party_entity",
    "party_name",
    "party_organization",
    "state_name",
    "suggest_states",
    "validate_party",
]

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
    """The English short name of a state code, for display (an organization party: its id)."""
    organization = party_organization(code)
    if organization is not None:
        return organization
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


# --- Parties that are not states ---------------------------------------------------------

ORGANIZATION_PARTY_PREFIX = "org:"
"""The prefix of a party that is a recorded organization: `org:eu`, `org:african-union`."""

# The same shape as an organization's readable id (events.base.Slug without '/'): states
# are upper-case codes, so the two can never meet.
_ORGANIZATION_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
# Written out in full it is the organization's stream name; accepted and stored as org:.
_LONG_PREFIX = "organization:"


def party_organization(code: str) -> str | None:
    """The organization id of an organization party ('org:eu' -> 'eu'); None for a state."""
    if isinstance(code, str) and code.startswith(ORGANIZATION_PARTY_PREFIX):
        return code[len(ORGANIZATION_PARTY_PREFIX):]
    return None


@cache
def normalize_party(value: str) -> str:
    """A state's alpha-3 code (from any spelling a state accepts), or `org:<id>` for an organization."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a state code or name, or org:<organization id>, got {value!r}")
    text = value.strip()
    folded = text.casefold()
    for prefix in (ORGANIZATION_PARTY_PREFIX, _LONG_PREFIX):
        if folded.startswith(prefix):
            organization = text[len(prefix):].strip().lower()
            if not _ORGANIZATION_ID.match(organization):
                raise ValueError(
                    f"{excerpt(value)!r} is not an organization party: expected org:<organization id>, "
                    "the id the organization was registered with (e.g. org:eu, org:african-union)"
                )
            return ORGANIZATION_PARTY_PREFIX + organization
    try:
        return normalize_state(text)
    except ValueError as exc:
        if "did you mean" in str(exc):  # a misspelled state: the suggestion is the answer
            raise
        raise ValueError(f"{exc}; an organization that is a party is written org:<its id> (e.g. org:eu)") from None


def party_entity(code: str) -> str:
    """The entity a party is: 'organization:eu' for org:eu, 'state:KAZ' for a state."""
    organization = party_organization(code)
    return f"organization:{organization}" if organization is not None else f"state:{code}"


def party_name(code: str, organizations: Mapping[str, str] | None = None) -> str:
    """A party's name for display: a state's English short name, an organization's recorded name if given."""
    organization = party_organization(code)
    if organization is None:
        return state_name(code)
    return (organizations or {}).get(organization) or organization


def validate_party(value: Any) -> str:
    """The PartyCode validator: a party's canonical code from any accepted spelling."""
    if not isinstance(value, str):
        raise ValueError(f"expected a state code or name, or org:<organization id>, got {value!r}")
    return normalize_party(value)


PartyCode = Annotated[
    str,
    BeforeValidator(validate_party),
    WithJsonSchema({
        "type": "string",
        "description": "a state (ISO 3166-1 code or name) or a recorded organization written org:<id>",
        "examples": ["KAZ", "KG", "Kyrgyz Republic", "org:eu", "org:african-union"],
    }),
]
"""A pydantic field type for a party: a state as StateCode stores it, or `org:<id>` for an organization."""
