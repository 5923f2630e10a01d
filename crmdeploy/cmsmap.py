"""The CMS mapping table the shop's CMS module needs: each CRM code next to its counterpart in
the CMS, from the spec-only `cms_status` / `cms_type` fields the ТЗ's CMS columns fill."""

from __future__ import annotations

import csv
import io

from .spec.root import SpecBase

# (kind, what it is, the spec-only field holding the CMS counterpart)
MAPPED = (("statuses", "order status", "cms_status"), ("payment_statuses", "payment status", "cms_status"),
          ("payment_types", "payment type", "cms_type"), ("delivery_types", "delivery type", "cms_type"))


def rows(spec: SpecBase) -> list[tuple[str, str, str, str]]:
    """(what, CRM code, CRM name, CMS value) for every mapped resource; "" where the ТЗ left it open."""
    return [(what, r.code, r.name, getattr(r, field) or "")
            for kind, what, field in MAPPED for r in spec.resources(kind)]


def csv_text(spec: SpecBase) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("kind", "crm_code", "crm_name", "cms_value"))
    writer.writerows(rows(spec))
    return out.getvalue()
