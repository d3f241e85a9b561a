"""Summarize a cloud assembly after ``cdk synth``: stack, resource count, template size, compliance result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESOURCE_LIMIT = 500
TEMPLATE_LIMIT = 1_000_000


def summarize(outdir: Path) -> tuple[list[tuple[str, int, int]], str]:
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = outdir / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text(encoding="utf-8"))
        rows.append((name, len(template.get("Resources", {})), template_file.stat().st_size))
    report_file = outdir / "validation-report.json"
    if report_file.is_file():
        report = json.loads(report_file.read_text(encoding="utf-8"))
        failed = [p["pluginName"] for p in report.get("pluginReports", []) if p.get("conclusion") != "success"]
        packs = "AwsSolutions, HIPAA.Security, NIST.800.53.R5, PCI.DSS.321, SageMakerPlatform"
        compliance = f"FAILED: {', '.join(failed)}" if failed else f"clean: no unacknowledged findings ({packs})"
    else:
        compliance = "no validation report (compliance packs not attached)"
    return rows, compliance


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    rows, compliance = summarize(outdir)
    width = max([len(r[0]) for r in rows] + [5])
    print(f"{'stack':<{width}}  {'resources':>9}  {'template':>10}")
    for name, count, size in rows:
        warn = "  (near the limit)" if count > RESOURCE_LIMIT * 0.9 or size > TEMPLATE_LIMIT * 0.9 else ""
        print(f"{name:<{width}}  {count:>9}  {size / 1024:>8.1f}kB{warn}")
    print(f"compliance: {compliance}")
    return 0 if not compliance.startswith("FAILED") else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
