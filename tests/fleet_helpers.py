"""A small project: one base, two overlays, two mock targets (the shape issue 14 shows)."""

from __future__ import annotations

from pathlib import Path

BASE = """\
version: 1
status_groups:
  - {code: new, name: Новый, ordering: 10}
  - {code: cancel, name: Отмена, ordering: 90}
statuses:
  - {code: new, name: Новый, group: new, ordering: 10}
  - {code: cancel-price, name: Не устроила цена, group: cancel, ordering: 91}
payment_types:
  - {code: cash, name: Наличные}
delivery_types:
  - {code: courier, name: "Курьер", default_cost: 300, payment_types: [cash]}
templates:
  - {code: order-new, subject: "Заказ в ${var:shop_name}", body: "Спасибо за заказ в ${var:shop_name}!"}
"""

STAGING = """\
delivery_types:
  - {code: courier, default_cost: 0}
"""

PROD = """\
statuses:
  - {code: new, name: Новый заказ}
"""

PROJECT = """\
targets:
  staging: {url: mock://.crmdeploy/staging.json, spec: [base/, overlays/staging.yaml],
            vars: {shop_name: "Автозапчасти (тест)"}}
  prod:    {url: mock://.crmdeploy/prod.json, spec: [base/, overlays/prod.yaml],
            vars: {shop_name: Автозапчасти}}
"""


def make_project(root: Path, project: str = PROJECT, **files: str) -> Path:
    """Write the project under `root`; `files` add or replace files (`overlays__x_yaml` → overlays/x.yaml)."""
    defaults = {"base/pipeline.yaml": BASE, "overlays/staging.yaml": STAGING, "overlays/prod.yaml": PROD,
                "crmdeploy.yaml": project}
    defaults.update({name.replace("__", "/").replace("_yaml", ".yaml"): text for name, text in files.items()})
    for name, text in defaults.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "crmdeploy.yaml"
