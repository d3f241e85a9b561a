"""docs/architecture.svg is what `make diagram` draws from the synthesized default app: it cannot drift."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.conftest import ROOT


def _diagram() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_diagram", ROOT / "docs" / "diagram.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_checked_in_diagram_matches_the_code() -> None:
    checked_in = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    assert _diagram().build() == checked_in, "docs/architecture.svg is stale: run `make diagram` and commit it"


def test_diagram_shows_stacks_dependencies_and_ordering() -> None:
    diagram = _diagram()
    columns = diagram.columns_from_templates([
        ("a", [], {"Resources": {
            "D": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "dom"}},
            "V": {"Type": "AWS::EC2::VPCEndpoint"}, "W": {"Type": "AWS::EC2::VPCEndpoint"},
            "P": {"Type": "AWS::IAM::Policy"},
        }}),
        ("b", ["a"], {"Resources": {
            "U": {"Type": "AWS::SageMaker::UserProfile", "Properties": {"UserProfileName": "ana"}},
            "T": {"Type": "Custom::StudioTeardown", "DependsOn": ["U"], "Properties": {"X": {"Ref": "U"}}},
        }}),
    ])
    assert [b.label for b in columns[0].boxes] == ["Domain: dom", "VPC endpoints \u00d72"]
    teardown = next(b for b in columns[1].boxes if b.kind == "custom")
    assert teardown.depends_on == ["U"] and teardown.references == []
    svg = diagram.render_svg(columns, "t")
    assert svg.startswith("<svg") and svg.count("deploys after") == 1
    assert "IAM::Policy" not in svg
