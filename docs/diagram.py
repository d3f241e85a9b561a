#!/usr/bin/env python3
"""Draw docs/architecture.svg from the synthesized default app (``make diagram``), so the picture follows the code.

One column per stack, in deployment order. Each SageMaker resource and custom resource gets its own box; the
rest of a stack is summarised by resource type with a count. Arrows: between stacks, "deploys after" (the
stack dependencies CDK computed); inside a stack, CloudFormation ordering between the boxed resources: solid for
an explicit DependsOn, dashed for a reference (Ref / Fn::GetAtt). Plain SVG, laid out here: no Graphviz needed.

Usage: ``python docs/diagram.py [--config config/default.yaml] [--output docs/architecture.svg]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CONFIG = ROOT / "config" / "default.yaml"
DEFAULT_OUTPUT = ROOT / "docs" / "architecture.svg"

# Types drawn one box per resource, and the property that names each one.
NAME_PROPERTY = {
    "AWS::SageMaker::Domain": "DomainName",
    "AWS::SageMaker::UserProfile": "UserProfileName",
    "AWS::SageMaker::Space": "SpaceName",
    "AWS::SageMaker::StudioLifecycleConfig": "StudioLifecycleConfigName",
    "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName",
    "AWS::SageMaker::ModelCard": "ModelCardName",
}
# Readable labels for the summarised types; anything else shows its CloudFormation type.
SUMMARY_LABEL = {
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::Subnet": "subnets",
    "AWS::EC2::VPCEndpoint": "VPC endpoints",
    "AWS::EC2::SecurityGroup": "security groups",
    "AWS::EC2::FlowLog": "VPC flow log",
    "AWS::KMS::Key": "KMS keys",
    "AWS::S3::Bucket": "S3 buckets",
    "AWS::IAM::Role": "IAM roles",
    "AWS::Lambda::Function": "Lambda functions",
    "AWS::StepFunctions::StateMachine": "Step Functions (waiters)",
    "AWS::SSM::Parameter": "SSM parameters",
    "AWS::Logs::LogGroup": "log groups",
    "AWS::Events::Rule": "EventBridge rules",
    "AWS::SNS::Topic": "SNS topics",
    "AWS::CloudWatch::Alarm": "CloudWatch alarms",
    "AWS::ApplicationAutoScaling::ScalableTarget": "scalable targets",
    "AWS::CodePipeline::Pipeline": "CodePipeline",
    "AWS::CodeBuild::Project": "CodeBuild projects",
}
# Plumbing left out of the summary: it belongs to the resources above and would only add noise.
HIDDEN = {
    "AWS::IAM::Policy", "AWS::KMS::Alias", "AWS::S3::BucketPolicy", "AWS::Lambda::Permission",
    "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress", "AWS::CDK::Metadata",
}

COLUMN_W = 300
GAP = 90
MARGIN = 30
HEADER_H = 44
ROW_H = 30
BOX_H = 22
TOP = 96
COLOURS = {
    "sagemaker": ("#e8f1fb", "#2f6db5"),
    "custom": ("#fdf1e3", "#c46a0a"),
    "summary": ("#f4f4f4", "#8a8a8a"),
    "stack": ("#223047", "#223047"),
}


@dataclass
class Box:
    key: str  # logical id, or "type:<CloudFormation type>" for a summary
    label: str
    kind: str
    depends_on: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


@dataclass
class Column:
    stack: str
    dependencies: list[str]
    boxes: list[Box]


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for fn, arg in value.items():
            if fn == "Ref" and isinstance(arg, str):
                yield arg
            elif fn == "Fn::GetAtt":
                yield arg[0] if isinstance(arg, list) else str(arg).split(".")[0]
            else:
                yield from _refs(arg)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _is_boxed(resource_type: str) -> bool:
    return resource_type in NAME_PROPERTY or resource_type.startswith("Custom::")


def _label(logical_id: str, resource: dict[str, Any]) -> str:
    rtype = resource["Type"]
    name = resource.get("Properties", {}).get(NAME_PROPERTY.get(rtype, ""), None)
    short = rtype.split("::")[-1]
    if isinstance(name, str):
        return f"{short}: {name}"
    return f"{short} ({logical_id[:-8] if len(logical_id) > 8 else logical_id})"


def columns_from_templates(stacks: list[tuple[str, list[str], dict[str, Any]]]) -> list[Column]:
    """(stack name, stack dependencies, template) -> columns of boxes, deterministic for a given input."""
    columns = []
    for name, deps, template in stacks:
        resources: dict[str, Any] = template.get("Resources", {})
        boxed = {k: r for k, r in resources.items() if _is_boxed(r["Type"])}
        order = sorted(boxed, key=lambda k: (0 if boxed[k]["Type"].startswith("AWS::") else 1, boxed[k]["Type"], k))
        boxes = []
        for key in order:
            r = boxed[key]
            depends = r.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else depends
            refs = sorted({ref for ref in _refs(r.get("Properties", {})) if ref in boxed and ref != key})
            boxes.append(Box(key, _label(key, r), "sagemaker" if r["Type"].startswith("AWS::") else "custom",
                             depends_on=sorted(d for d in depends if d in boxed),
                             references=[ref for ref in refs if ref not in depends]))
        counts = Counter(r["Type"] for r in resources.values() if not _is_boxed(r["Type"]) and r["Type"] not in HIDDEN)
        for rtype, count in sorted(counts.items(), key=lambda item: SUMMARY_LABEL.get(item[0], item[0]).lower()):
            label = SUMMARY_LABEL.get(rtype, rtype)
            boxes.append(Box(f"type:{rtype}", f"{label} \u00d7{count}" if count > 1 else label, "summary"))
        columns.append(Column(name, sorted(deps), boxes))
    return columns


def render_svg(columns: list[Column], title: str) -> str:
    """Plain SVG text for the columns (integer coordinates, sorted output: byte-stable)."""
    x_of = {c.stack: MARGIN + i * (COLUMN_W + GAP) for i, c in enumerate(columns)}
    width = MARGIN * 2 + len(columns) * COLUMN_W + max(0, len(columns) - 1) * GAP
    rows = max((len(c.boxes) for c in columns), default=0)
    height = TOP + HEADER_H + 16 + rows * ROW_H + 70
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>',
        "</defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="32" font-size="18" font-weight="bold" fill="#223047">{escape(title)}</text>',
        f'<text x="{MARGIN}" y="54" fill="#555">Generated by docs/diagram.py from the synthesized app '
        "(make diagram). Do not edit by hand.</text>",
    ]
    # Stack dependencies: an arrow from each stack's header to the header of the stack it deploys after.
    for c in columns:
        for dep in c.dependencies:
            if dep not in x_of:
                continue
            x1, x2 = x_of[c.stack] + COLUMN_W // 2, x_of[dep] + COLUMN_W // 2
            lift = 18 + abs(x1 - x2) // 40
            out.append(f'<path d="M{x1},{TOP} C{x1},{TOP - lift} {x2},{TOP - lift} {x2},{TOP}" fill="none" '
                       f'stroke="#223047" stroke-width="1.5" marker-end="url(#arrow)"/>')
            mid = (x1 + x2) // 2
            out.append(f'<text x="{mid}" y="{TOP - lift + 2}" text-anchor="middle" fill="#223047" '
                       'font-size="10">deploys after</text>')
    for c in columns:
        x = x_of[c.stack]
        fill, stroke = COLOURS["stack"]
        out.append(f'<rect x="{x}" y="{TOP}" width="{COLUMN_W}" height="{HEADER_H}" rx="6" fill="{fill}" '
                   f'stroke="{stroke}"/>')
        out.append(f'<text x="{x + COLUMN_W // 2}" y="{TOP + 27}" text-anchor="middle" fill="#ffffff" '
                   f'font-size="14" font-weight="bold">{escape(c.stack)}</text>')
        y_of = {}
        for i, box in enumerate(c.boxes):
            y = TOP + HEADER_H + 16 + i * ROW_H
            y_of[box.key] = y + BOX_H // 2
            fill, stroke = COLOURS[box.kind]
            out.append(f'<rect x="{x + 12}" y="{y}" width="{COLUMN_W - 40}" height="{BOX_H}" rx="4" '
                       f'fill="{fill}" stroke="{stroke}"/>')
            out.append(f'<text x="{x + 20}" y="{y + 15}" fill="#1d1d1d">{escape(box.label)}</text>')
        # Ordering inside the stack, drawn in the right margin of the column.
        right = x + COLUMN_W - 28
        for n, box in enumerate(b for b in c.boxes if b.depends_on or b.references):
            edges = [(d, "") for d in box.depends_on] + [(r, ' stroke-dasharray="4 3"') for r in box.references]
            for target, dash in edges:
                y1, y2 = y_of[box.key], y_of[target]
                bulge = right + 10 + (n % 4) * 5 + min(abs(y1 - y2) // 12, 14)
                out.append(f'<path d="M{right},{y1} C{bulge},{y1} {bulge},{y2} {right},{y2}" fill="none" '
                           f'stroke="#555" stroke-width="1"{dash} marker-end="url(#arrow)"/>')
    legend_y = height - 30
    legend = [
        ("sagemaker", "SageMaker resource"), ("custom", "custom resource (Lambda provider)"),
        ("summary", "other resources, by type"),
    ]
    lx = MARGIN
    for kind, text in legend:
        fill, stroke = COLOURS[kind]
        out.append(f'<rect x="{lx}" y="{legend_y - 11}" width="14" height="14" rx="3" fill="{fill}" '
                   f'stroke="{stroke}"/>')
        out.append(f'<text x="{lx + 20}" y="{legend_y}" fill="#333">{escape(text)}</text>')
        lx += 40 + 7 * len(text)
    out.append(f'<text x="{lx}" y="{legend_y}" fill="#333">solid arrow: DependsOn; dashed: Ref/GetAtt '
               "(the arrow points at what is created first)</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def synthesize(config_path: Path) -> list[tuple[str, list[str], dict[str, Any]]]:
    """Synthesize the app for one config (no compliance packs: the picture only needs the templates)."""
    from sagemaker_platform.cdk_context import new_app
    from sagemaker_platform.config import load_config
    from sagemaker_platform.stacks.platform import build_platform

    with tempfile.TemporaryDirectory() as outdir:
        app = new_app(outdir=outdir)
        build_platform(app, load_config(config_path), compliance=False)
        assembly = app.synth()
        stacks = {s.stack_name: s for s in assembly.stacks}
        result = []
        for s in assembly.stacks:
            deps = [d.id for d in s.dependencies if d.id in stacks]
            result.append((s.stack_name, deps, s.template))
    return _deployment_order(result)


def _deployment_order(stacks: list[tuple[str, list[str], dict[str, Any]]]) -> list[tuple[str, list[str], dict]]:
    done: list[str] = []
    pending = sorted(stacks, key=lambda s: s[0])
    ordered = []
    while pending:
        ready = [s for s in pending if all(d in done for d in s[1])] or pending[:1]
        for s in ready:
            ordered.append(s)
            done.append(s[0])
            pending.remove(s)
    return ordered


def build(config_path: Path = DEFAULT_CONFIG) -> str:
    stacks = synthesize(config_path)
    return render_svg(columns_from_templates(stacks), f"sagemaker-platform: stacks of {config_path.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    svg = build(args.config)
    args.output.write_text(svg, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
