"""The Atom feed of developments (RFC 4287), for people who follow rather than search."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

from tracker.app import Tracker
from tracker.projections.model import DevelopmentSummary

__all__ = ["FEED_ENTRIES", "atom_feed"]

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100
_PAGES = {"commitment": "commitments", "proposal": "proposals", "document": "documents", "meeting": "meetings",
          "body": "bodies"}


def _entity_url(base_url: str, entity: str) -> str:
    kind, _, entity_id = entity.partition(":")
    if kind in _PAGES:
        return f"{base_url}/{_PAGES[kind]}/{quote(entity_id, safe='/')}"
    return f"{base_url}/organizations"


def atom_feed(
    tracker: Tracker,
    *,
    base_url: str,
    self_url: str,
    organization_id: str | None = None,
    body_id: str | None = None,
    commitment_id: str | None = None,
) -> bytes:
    """The latest developments in scope (newest recorded first), as known now; one entry per event reference."""
    model = tracker.read_model()
    items: list[DevelopmentSummary]
    if commitment_id is not None:
        items = model.timeline(tracker.resolve(f"commitment:{commitment_id}"))
    else:
        items = model.developments(organization_id=organization_id, body_id=body_id)
    items = sorted(items, key=lambda d: (d.recorded_at, d.ref), reverse=True)[:FEED_ENTRIES]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    scope = commitment_id or body_id or organization_id or "all"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"Commitments tracker: developments ({scope})"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"tag:commitments-tracker,2024:feed:{scope}"
    updated = items[0].recorded_at if items else datetime(2000, 1, 1, tzinfo=UTC)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.astimezone(UTC).isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "Commitments tracker"
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"tag:commitments-tracker,2024:{item.ref}"
        title = item.summary + (" (retracted)" if item.retracted else "")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{item.occurred_on.describe()}: {title}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = item.recorded_at.astimezone(UTC).isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=_entity_url(base_url, item.entity))
        ET.SubElement(entry, f"{{{ATOM}}}category", term=item.type)
        lines = [f"{item.entity} ({item.ref})"]
        lines.extend(f"Source: {s.publisher}" + (f", {s.title}" if s.title else "") + (f" <{s.url}>" if s.url else "")
                     for s in item.sources)
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = "\n".join(lines)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
