"""docs/http.md lists every route of crmdeploy's extension surface the HTTP adapter uses."""

from __future__ import annotations

from pathlib import Path

from adapters.retailcrm.mapping import EXTENSION_ROWS, ROWS, Write

DOC = Path(__file__).resolve().parent.parent / "docs" / "http.md"


def test_every_extension_route_is_in_the_http_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = [r for r in (*ROWS, *EXTENSION_ROWS.values())
            if r.write is Write.EXTENSION or r.ext_list or (r.create or "").startswith("crmdeploy/")]
    paths = {p for r in rows for p in (r.list, r.edit, r.create)
             if p and (p.startswith("crmdeploy/") or r.write is Write.EXTENSION)}
    # the doc writes a user's key as {email}, the table as {key}
    missing = sorted(p for p in paths if f"`{p.replace('{key}', '{email}')}`" not in text)
    assert len(paths) >= 12 and missing == []
