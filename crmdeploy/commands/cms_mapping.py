"""`crmdeploy cms-mapping`: the CMS module's mapping table, as CSV on stdout."""

from __future__ import annotations

import typer

from ._common import SpecArg, guard


def cms_mapping(spec: SpecArg) -> None:
    """Print the CMS mapping table (CSV): order statuses, payment statuses, payment and delivery
    types with their counterparts in the shop's CMS (the spec's cms_status / cms_type)."""
    from ..cmsmap import csv_text
    from ..loader import load

    with guard():
        typer.echo(csv_text(load(spec).spec), nl=False)
