"""Summarize a cloud assembly after ``cdk synth``: stack, resource count, template size, compliance result."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESOURCE_LIMIT = 500
TEMPLATE_LIMIT = 1_000_000
# The reason of every acknowledgement made for ``compliance.accept`` starts with this (stacks/platform.py).
ACCEPTED_BY_CONFIG = "accepted by the config"
# The metadata type compliance.acknowledge records (kept here so the report needs no CDK import).
ACK_METADATA = "sagemaker-platform:acknowledgement"


def accepted_findings(outdir: Path) -> list[tuple[str, str, list[str]]]:
    """(rule, reason, stacks) of each finding the config accepts (``compliance.accept``), read from the stacks'
    metadata in the assembly, nested stage assemblies included."""
    found: dict[tuple[str, str], list[str]] = {}
    for name, metadata in _stack_metadata(outdir):
        for entries in metadata.values():
            for entry in entries:
                data = entry.get("data")
                if entry.get("type") != ACK_METADATA or not isinstance(data, dict):
                    continue
                reason = str(data.get("reason", ""))
                if reason.startswith(ACCEPTED_BY_CONFIG):
                    stacks = found.setdefault((str(data.get("rule")), reason), [])
                    if name not in stacks:
                        stacks.append(name)
    return [(rule, reason, stacks) for (rule, reason), stacks in sorted(found.items())]


def _stack_metadata(outdir: Path) -> list[tuple[str, dict[str, list[dict[str, Any]]]]]:
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    out: list[tuple[str, dict[str, list[dict[str, Any]]]]] = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") == "cdk:cloud-assembly":
            out += _stack_metadata(outdir / artifact.get("properties", {}).get("directoryName", name))
        elif artifact.get("type") == "aws:cloudformation:stack":
            metadata = dict(artifact.get("metadata", {}))
            extra = artifact.get("additionalMetadataFile")
            if extra and (outdir / extra).is_file():
                metadata.update(json.loads((outdir / extra).read_text(encoding="utf-8")))
            out.append((artifact.get("displayName", name), metadata))
    return out


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
    accepted = accepted_findings(outdir)
    note = f"; {len(accepted)} accepted by the config:" if accepted else ""
    print(f"compliance: {compliance}{note}")
    for rule, reason, stacks in accepted:
        print(f"accepted: {rule} in {', '.join(stacks)}: {reason}")
    return 0 if not compliance.startswith("FAILED") else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
