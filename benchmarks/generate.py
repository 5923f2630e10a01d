"""Write a synthetic spec with N resources spread over every kind.

    python benchmarks/generate.py N [-o FILE]

Names are realistic and partly Cyrillic; resources reference each other the
way a real ТЗ does (statuses → groups, fields → statuses and dictionaries,
triggers → statuses, templates and groups), so load, reference checks, diff
and apply order are all exercised. Output is deterministic for a given N.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

# Share of N per kind; the pipeline and fields dominate a real account.
WEIGHTS = {
    "status_groups": 0.01, "statuses": 0.2, "product_statuses": 0.04, "payment_types": 0.04,
    "payment_statuses": 0.04, "delivery_types": 0.04, "order_types": 0.02, "order_methods": 0.03,
    "custom_dictionaries": 0.03, "custom_fields": 0.15, "user_groups": 0.02, "users": 0.12,
    "templates": 0.1, "triggers": 0.12, "integrations": 0.04,
}
WORDS = ["Новый", "Согласование", "Доставка", "Поставка", "Комплектация", "Возврат", "Оплата",
         "Курьер", "Склад", "Клиент", "Менеджер", "Запчасти", "Express", "Pickup", "Online"]
FIELD_TYPES = ["string", "text", "integer", "numeric", "boolean", "date", "email"]


def name(kind: str, i: int) -> str:
    return f"{WORDS[i % len(WORDS)]} {WORDS[(i // len(WORDS)) % len(WORDS)].lower()} {kind[:3]}-{i}"


def counts(n: int) -> dict[str, int]:
    return {kind: max(1, round(n * share)) for kind, share in WEIGHTS.items()}


def build(n: int) -> dict:
    c = counts(n)

    def codes(kind: str) -> list[str]:
        return [f"{kind.replace('_', '-')[:12]}-{i}" for i in range(c[kind])]

    def pick(kind: str, i: int, k: int = 2) -> list[str]:
        pool = codes_of[kind]
        return sorted({pool[(i * 7 + j * 13) % len(pool)] for j in range(k)})

    codes_of = {kind: codes(kind) for kind in WEIGHTS}
    codes_of["users"] = [f"user{i}@shop.example" for i in range(c["users"])]
    spec: dict = {"version": 1}
    spec["status_groups"] = [{"code": code, "name": name("group", i), "ordering": 10 * i}
                             for i, code in enumerate(codes_of["status_groups"])]
    spec["statuses"] = [{"code": code, "name": name("status", i), "group": pick("status_groups", i, 1)[0],
                         "ordering": i % 1000} for i, code in enumerate(codes_of["statuses"])]
    spec["product_statuses"] = [{"code": code, "name": name("item", i), "order_status": pick("statuses", i, 1)[0]}
                                for i, code in enumerate(codes_of["product_statuses"])]
    for kind in ("payment_types", "order_types", "order_methods"):
        spec[kind] = [{"code": code, "name": name(kind, i)} for i, code in enumerate(codes_of[kind])]
    spec["payment_statuses"] = [{"code": code, "name": name("paid", i), "payment_complete": i % 2 == 0,
                                 "payment_types": pick("payment_types", i)}
                                for i, code in enumerate(codes_of["payment_statuses"])]
    spec["delivery_types"] = [{"code": code, "name": name("delivery", i), "default_cost": i % 900,
                               "payment_types": pick("payment_types", i)}
                              for i, code in enumerate(codes_of["delivery_types"])]
    spec["custom_dictionaries"] = [{"code": code, "name": name("dict", i), "elements": [
        {"code": f"e{j}", "name": name("element", j), "ordering": j} for j in range(5)]}
        for i, code in enumerate(codes_of["custom_dictionaries"])]
    spec["custom_fields"] = [_field(code, i, pick) for i, code in enumerate(codes_of["custom_fields"])]
    spec["user_groups"] = [{"code": code, "name": name("team", i), "is_manager": i % 3 == 0,
                            "order_types": pick("order_types", i)} for i, code in enumerate(codes_of["user_groups"])]
    spec["users"] = [{"email": email, "first_name": name("Иван", i).split()[0], "last_name": f"Иванов-{i}",
                      "groups": pick("user_groups", i)} for i, email in enumerate(codes_of["users"])]
    spec["templates"] = [{"code": code, "name": name("template", i), "subject": f"Заказ {{{{ order.number }}}} — {i}",
                          "body": f"Здравствуйте! Статус заказа изменён ({i})."}
                         for i, code in enumerate(codes_of["templates"])]
    spec["triggers"] = [{"code": code, "name": name("trigger", i), "conditions": {"status": pick("statuses", i, 1)[0]},
                         "actions": [{"send_template": pick("templates", i, 1)[0]},
                                     {"create_task": {"group": pick("user_groups", i, 1)[0], "text": "Позвонить",
                                                      "due_in": "2h"}}]}
                        for i, code in enumerate(codes_of["triggers"])]
    spec["integrations"] = [{"code": code, "kind": "delivery", "name": name("integration", i),
                             "settings": {"region": i}, "delivery_types": pick("delivery_types", i, 1)}
                            for i, code in enumerate(codes_of["integrations"])]
    return spec


def _field(code: str, i: int, pick) -> dict:
    field = {"code": code.replace("-", "_"), "name": name("field", i), "entity": "order",
             "type": FIELD_TYPES[i % len(FIELD_TYPES)], "required_at": pick("statuses", i)}
    if i % 5 == 0:
        field.update(type="dictionary", dictionary=pick("custom_dictionaries", i, 1)[0])
    return field


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of resources (approximately)")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args()
    text = yaml.safe_dump(build(args.n), allow_unicode=True, sort_keys=False, width=120)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
