"""The names an alphabetical rotation sorts by, where they come from, and how they collate.

An organization's own names decide its order (the UN files "Republic of Korea" under R,
the SCO writes "Кыргызстан", not ISO's "Киргизия"). They come, first to last, from the
rule as recorded (its ``names`` map), from a reference table shipped in
``config/names/<org>.toml`` (each citing its source), and, for a state neither knows,
from ISO's official name in the rule's language. The last is a fallback the answer and
the review list say out loud: it is never silent and never an exception.
"""

from __future__ import annotations

import gettext
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType

import pycountry

__all__ = [
    "NamesTable",
    "OrderNames",
    "alphabetical_order",
    "collation_key",
    "collation_supported",
    "iso_name",
    "load_names",
    "order_names",
    "reference_names",
]


@dataclass(frozen=True)
class NamesTable:
    """An organization's own names of its states: language -> state code -> name, with sources."""

    org: str
    names: Mapping[str, Mapping[str, str]] = field(hash=False)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        frozen = {language: MappingProxyType(dict(table)) for language, table in self.names.items()}
        object.__setattr__(self, "names", MappingProxyType(frozen))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the table has names in."""
        return tuple(self.names)

    def name(self, language: str, state: str) -> str | None:
        """The organization's own name of a state in a language, if the table has it."""
        return self.names.get(language, {}).get(state)


class ReferenceDataError(Exception):
    """A packaged reference table is malformed: a defect of the package, caught by its tests."""


def load_names(org: str) -> NamesTable:
    """Load config/names/<org>.toml (package data); raise ReferenceDataError if absent or malformed."""
    found = reference_names(org)
    if found is None:
        raise ReferenceDataError(f"org: no reference names for {org!r} (expected config/names/{org}.toml)")
    return found


@cache
def reference_names(org: str) -> NamesTable | None:
    """The packaged names table of an organization, or None when none ships."""
    if not org.replace("-", "").replace("_", "").isalnum():
        return None
    resource = files("tracker.config") / "names" / f"{org}.toml"
    if not resource.is_file():
        return None
    data = tomllib.loads(resource.read_text(encoding="utf-8"))
    names, sources = data.get("names"), data.get("sources", [])
    if data.get("org") != org or not isinstance(names, dict) or not names or not isinstance(sources, list):
        raise ReferenceDataError(f"config/names/{org}.toml: needs org = {org!r}, sources = [...] and [names.<lang>]")
    for language, table in names.items():
        if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
            raise ReferenceDataError(f"config/names/{org}.toml: names.{language} must map codes to names")
    return NamesTable(org, names, tuple(str(s) for s in sources))


@cache
def _translation(language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def iso_name(state: str, language: str) -> str:
    """ISO 3166-1's official name of a state in a language (English when untranslated; the code if unknown)."""
    country = pycountry.countries.get(alpha_3=state)
    if country is None:
        return state
    english = str(getattr(country, "official_name", None) or country.name)
    return english if language == "en" else _translation(language).gettext(english)


@dataclass(frozen=True)
class OrderNames:
    """The names one alphabetical order sorts by, in one language, and which came from ISO."""

    language: str
    names: Mapping[str, str] = field(hash=False)
    from_iso: frozenset[str] = frozenset()
    table: str | None = None  # the reference table used, e.g. "config/names/sco.toml"

    def name(self, state: str) -> str:
        """The name a state sorts by (ISO's when nothing else names it)."""
        return self.names.get(state) or iso_name(state, self.language)


def order_names(
    language: str, states: Iterable[str], *, recorded: Mapping[str, str], reference: NamesTable | None,
    parties: Mapping[str, Mapping[str, str]] | None = None,
) -> OrderNames:
    """Names for `states`: the recorded rule's first, then the reference table's, then ISO's.

    An organization party (org:eu) has no ISO name: after the rule and the table, its own
    recorded name in the language (`parties`: party -> language -> name) orders it.
    """
    table = dict(reference.names.get(language, {})) if reference is not None else {}
    names: dict[str, str] = {}
    from_iso: set[str] = set()
    for state in sorted(set(states)):
        chosen = recorded.get(state) or table.get(state) or (parties or {}).get(state, {}).get(language)
        if chosen is None:
            chosen = iso_name(state, language)
            from_iso.add(state)
        names[state] = chosen
    used = f"config/names/{reference.org}.toml" if reference is not None and table else None
    return OrderNames(language, MappingProxyType(names), frozenset(from_iso), used)


# --- Collation ------------------------------------------------------------------------------

# Per-language alphabets: sorting by position in the national alphabet instead of by code
# point keeps e.g. Turkish c-cedilla between c and d, and Russian yo next to ie.
# (The noqa marks below: Cyrillic and dotless-i letters are the point, not look-alikes.)
_ALPHABETS: dict[str, str] = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "en": "abcdefghijklmnopqrstuvwxyz",
    "tr": "abcçdefgğhıijklmnoöprsştuüvyz",  # noqa: RUF001
}
# Letters that share a primary weight with another: Russian dictionaries file yo under ie;
# the secondary key still puts ie before yo when the names are otherwise equal.
_PRIMARY_FOLD: dict[str, dict[str, str]] = {"ru": {"ё": "е"}}  # noqa: RUF001
# English alphabetisation ignores diacritics ('Türkiye' files as 'Turkiye'); so does the
# fallback for languages without an alphabet here.
_KEEP_MARKS = frozenset({"ru", "tr"})
_OTHER = 1000  # characters outside the alphabet sort after it, by code point


def collation_supported(language: str) -> bool:
    """True when the language has its own alphabet here (else names sort by code point, marks ignored)."""
    return language in _ALPHABETS


def _lower(text: str, language: str) -> str:
    """Lower-case by the language's rules (Turkish has dotted and dotless i)."""
    if language == "tr":
        text = text.replace("I", "ı").replace("İ", "i")  # noqa: RUF001
    return text.lower()


@lru_cache(maxsize=4096)  # an order is sorted once per expected term: the same few names each time
def collation_key(name: str, language: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Sort key for a name in a language: alphabet position first, ignoring case (and Russian yo/ie)."""
    alphabet = _ALPHABETS.get(language, "")
    text = _lower(unicodedata.normalize("NFC", name), language)
    if language not in _KEEP_MARKS:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    fold = _PRIMARY_FOLD.get(language, {})

    def weight(char: str) -> int:
        """Position in the alphabet; spaces and punctuation first; foreign letters last."""
        if char in alphabet:
            return alphabet.index(char) + 1
        if not char.isalnum():
            return 0
        return _OTHER + ord(char)

    primary = tuple(weight(fold.get(c, c)) for c in text)
    secondary = tuple(weight(c) for c in text)
    return primary, secondary, name


def alphabetical_order(states: Iterable[str], names: OrderNames) -> tuple[str, ...]:
    """States in the alphabetical order of their names (ties, e.g. two ISO fallbacks, by code)."""
    return tuple(sorted(set(states), key=lambda s: (collation_key(names.name(s), names.language), s)))
