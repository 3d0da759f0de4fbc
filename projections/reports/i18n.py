"""The report's language: a catalogue of strings per language, state names from CLDR, dates by locale.

Why a JSON catalogue rather than gettext .po/.mo: the strings are few and keyed (the same key
serves Markdown, HTML and CSV), a translator edits one flat file, and nothing needs compiling.
A language is added by dropping `locales/<code>.json` next to `en.json` (keys it lacks fall back
on English); nothing in the code lists the languages. State names and date formats come from
Babel's CLDR data for the same code, so they need no translation.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pycountry

from tracker.events import PartialDate, parse_partial_date, party_organization
from tracker.projections.errors import QueryRefused
from tracker.projections.model import Message
from tracker.projections.safety import safe_text

__all__ = ["DEFAULT_LANGUAGE", "LOCALES", "Texts", "alpha2", "languages", "texts"]

LOCALES = Path(__file__).parent / "locales"
_Day = date  # Texts has a method named `date`; annotations inside it use this name
DEFAULT_LANGUAGE = "en"


def languages() -> tuple[str, ...]:
    """The languages a report can be written in: every catalogue shipped in locales/."""
    return tuple(sorted(p.stem for p in LOCALES.glob("*.json")))


@cache
def _catalogue(lang: str) -> dict[str, str]:
    path = LOCALES / f"{lang}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


class _Missing(dict[str, Any]):
    # A placeholder the caller did not fill stays visible rather than raising mid-report.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=8192)
def alpha2(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of an alpha-3 code (CLDR keys territories by it), or None."""
    country = pycountry.countries.get(alpha_3=code)
    return str(country.alpha_2) if country is not None else None


_PARAM_KINDS: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda name: name == "states", "states"),
    (lambda name: name == "state" or name.endswith("_state"), "state"),
    (lambda name: name == "on" or name.endswith("_on"), "date"),
    (lambda name: name.endswith("_day"), "day"),
    (lambda name: name.endswith("status"), "status"),
    (lambda name: name == "action", "action"),
)


@cache  # a few parameter names, asked for each parameter of each review item
def _param_kind(name: str) -> str:
    """What a message parameter holds, by its name: a state, a date, a status word, ... or text."""
    return next((kind for test, kind in _PARAM_KINDS if test(name)), "text")


class Texts:
    """Every string, name and date of one report in one language."""

    def __init__(self, lang: str) -> None:
        if lang not in languages():
            raise QueryRefused([("lang", lang, f"no report catalogue for it (have {', '.join(languages())})")])
        self.lang = lang
        self._strings = {**_catalogue(DEFAULT_LANGUAGE), **_catalogue(lang)}
        # Babel (CLDR data) is imported when a report is built, not when the CLI starts.
        from babel import Locale, UnknownLocaleError

        try:
            self._locale = Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            self._locale = Locale.parse(DEFAULT_LANGUAGE)
        self._dates: dict[str, str] = {}
        self._states: dict[str, str] = {}
        self._organizations: Mapping[str, str] = {}

    def __call__(self, key: str, **values: object) -> str:
        """The catalogue string for `key` with `{placeholders}` filled (the key itself if it is unknown)."""
        text = self._strings.get(key, key)
        return text.format_map(_Missing(values)) if values else text

    def has(self, key: str) -> bool:
        """Whether the catalogue (or English under it) has `key`."""
        return key in self._strings

    def word(self, group: str, value: str) -> str:
        """A machine value ('no_evidence') in words, translated when the catalogue knows it."""
        key = f"{group}.{value}"
        return self._strings[key] if key in self._strings else value.replace("_", " ")

    def development(self, type_: str, summary: str) -> str:
        """A development's one-line summary: the read model's (English) line, or, in another language,
        the catalogue's phrase for its type when the language has one."""
        if self.lang != DEFAULT_LANGUAGE:
            own = _catalogue(self.lang).get(f"event.{type_}")
            if own is not None:
                return own
        return summary

    def message(self, code: str, params: tuple[tuple[str, str], ...], english: str) -> str:
        """A line of the read model (a review item, a deviation, a note) in the report's language.

        The catalogue's `msg.<code>` filled with the line's parameters, each worded by its name
        (see projections.model.Params); the read model's English line when no catalogue has the code.
        """
        key = f"msg.{code}"
        if not code or key not in self._strings:
            return english
        return self(key, **{name: self._param(name, value) for name, value in params})

    def lines(self, messages: Sequence[Message], english: Sequence[str]) -> list[str]:
        """A presidency's lines in the report's language (its English ones when it gave no codes)."""
        if len(messages) != len(english):
            return list(english)
        return [self.message(m.code, m.params, m.text) for m in messages]

    def _param(self, name: str, value: str) -> str:
        """A parameter worded as its name says it is (see projections.model.Params)."""
        kind = _param_kind(name)
        if not value:
            return self("msg.nobody") if kind == "state" else ""
        # One table for every call, not a table of lambdas made afresh on each: a report words
        # thousands of parameters.
        wording = _WORDING.get(kind)
        return wording(self, value) if wording is not None else self.safe(value)

    def rule(self, text: str) -> str:
        """A rotation rule as the read model words it ('alphabetical (ru), per_meeting'), term by term."""
        parts = []
        for part in text.split(", "):
            head, sep, tail = part.partition(" (")
            parts.append(self.word("value.rule", head) + (f" ({tail}" if sep else ""))
        return self("list.separator").join(parts)

    def with_organizations(self, names: Mapping[str, str]) -> Texts:
        """These texts naming organization parties (org:eu) by `names` ("organization:eu" -> its name)."""
        named = copy.copy(self)  # shares the catalogue and the caches of state names and dates
        named._organizations = names
        return named

    def state_name(self, code: str) -> str:
        """A state's name in the report's language (CLDR), or the code when it has none.

        An organization party (org:eu) is named by its recorded name when the report has it.
        """
        organization = party_organization(code)
        if organization is not None:
            return self._organizations.get(f"organization:{organization}", code)
        found = self._states.get(code)
        if found is None:
            two = alpha2(code)
            found = self._locale.territories.get(two, code) if two else code
            self._states[code] = found
        return found

    def state(self, code: str | None) -> str:
        """'Kyrgyzstan (KGZ)': the name beside the code; '' for None."""
        if not code:
            return ""
        name = self.state_name(code)
        return code if name == code else f"{name} ({code})"

    def states(self, codes: tuple[str, ...] | list[str]) -> str:
        """Several states, each with its code, joined by the language's list separator."""
        return self("list.separator").join(self.state(c) for c in codes)

    def date(self, value: PartialDate | None) -> str:
        """A partial date as a reader says it: '25 July 2024', 'July 2024 (uncertain)', 'about 2019'."""
        if value is None:
            return ""
        found = self._dates.get(value.text)
        if found is None:
            found = self._dates[value.text] = self._date(value)
        return found

    def _date(self, value: PartialDate) -> str:
        from babel.dates import format_date, format_skeleton

        day = value.earliest
        if value.precision == "day":
            text = format_date(day, "long", locale=self._locale)
        elif value.precision == "month":
            text = format_skeleton("yMMMM", day, locale=self._locale)
        else:
            text = format_skeleton("y", day, locale=self._locale)
        if value.uncertain and value.approximate:
            return self("date.both", date=text)
        if value.uncertain:
            return self("date.uncertain", date=text)
        if value.approximate:
            return self("date.approximate", date=text)
        return text

    def day(self, value: _Day | None) -> str:
        """A plain calendar day in the language's long form."""
        from babel.dates import format_date

        return format_date(value, "long", locale=self._locale) if value is not None else ""

    def moment(self, value: datetime) -> str:
        """A record time to the minute, in UTC, as a reader says it (never microseconds)."""
        from babel.dates import format_date

        utc = value.astimezone(UTC)
        return self("time.utc", date=format_date(utc.date(), "long", locale=self._locale), time=utc.strftime("%H:%M"))

    def safe(self, value: str | None) -> str:
        """Stored text made safe to display (see projections.safety)."""
        return safe_text(value) if value else ""


_WORDING: dict[str, Callable[[Texts, str], str]] = {
    "states": lambda t, value: t.states(value.split(",")),
    "state": lambda t, value: t.state(value),
    "date": lambda t, value: t.date(parse_partial_date(value)),
    "day": lambda t, value: t.day(_Day.fromisoformat(value)),
    "status": lambda t, value: t.word("value.status", value),
    "action": lambda t, value: t.word("value.action", value),
}
"""How each kind of message parameter is worded (any other kind: as text, display-safe)."""


@cache
def texts(lang: str = DEFAULT_LANGUAGE) -> Texts:
    """The shared Texts of a language (catalogues and CLDR data are read once)."""
    return Texts(lang)
