#!/bin/sh
# The sample ТЗ workbook, generated from specs/shop.yaml (generated, so not committed).
# Usage: scripts/sample-workbook.sh [OUT.xlsx]   (default: build/shop-tz.xlsx; runs the venv's Python)
set -eu
cd "$(dirname "$0")/.."
out="${1:-build/shop-tz.xlsx}"
"${PYTHON:-.venv/bin/python}" -m crmdeploy xlsx export specs/shop.yaml --output "$out" --force
