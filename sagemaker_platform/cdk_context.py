"""Build apps the way the CDK CLI does: with the feature flags and context from the repo's cdk.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def cli_context(cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` block of cdk.json, or {} for a vendored package without one."""
    if not cdk_json.is_file():
        return {}
    return dict(json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {}))


def new_app(outdir: str | None = None, context: dict[str, Any] | None = None) -> cdk.App:
    """A ``cdk.App`` with the CLI's context (feature flags), for tests, benchmarks and scripts."""
    ctx = {**cli_context(), **(context or {})}
    return cdk.App(outdir=outdir, context=ctx)
