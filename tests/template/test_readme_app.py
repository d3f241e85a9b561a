"""The README's "Use the constructs in your own CDK app" section, run as a platform team would run it.

Its code block is written to a fresh folder and run with ``python`` and a ``cdk init`` context (this repo's
cdk.json feature flags, passed the way the CLI passes them), no config file and no AWS credentials. The cloud
assembly must lint clean, and ``cdk destroy`` must be safe without wiring: every profile and space is guarded by
the teardown of its own stack, and the domain's cleanup runs before the domain is deleted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from sagemaker_platform.cdk_context import cli_context
from tests.conftest import ROOT

SECTION = "## Use the constructs in your own CDK app"
STACKS = {"ml-core", "ml-users", "ml-hosting", "ml-governance"}
LINT = ManualArgs(ignore_checks=["W3005", "W3010"], regions=["eu-west-1"])
MEMBERS = ("AWS::SageMaker::UserProfile", "AWS::SageMaker::Space")


def readme_app() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def synthesize(folder: Path) -> dict[str, dict[str, Any]]:
    (folder / "app.py").write_text(readme_app(), encoding="utf-8")
    out = folder / "cdk.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "CDK_OUTDIR": str(out),
            "CDK_CONTEXT_JSON": json.dumps(cli_context()),
            "HOME": str(folder),
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        }
    )
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    stacks = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            template = json.loads((out / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
            stacks[name] = {"template": template, "dependencies": artifact.get("dependencies", [])}
    return stacks


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return synthesize(tmp_path_factory.mktemp("readme-app"))


def test_readme_app_synthesizes_and_lints_clean(stacks: dict[str, dict[str, Any]]) -> None:
    assert set(stacks) == STACKS
    for name, stack in stacks.items():
        matches = lint(json.dumps(stack["template"]), config=LINT)
        assert not matches, f"{name}: " + "\n".join(str(m) for m in matches)


def test_every_profile_and_space_is_guarded_in_its_own_stack(stacks: dict[str, dict[str, Any]]) -> None:
    guarded = 0
    for name, stack in stacks.items():
        resources = stack["template"]["Resources"]
        members = [lid for lid, r in resources.items() if r["Type"] in MEMBERS]
        teardowns = [r for r in resources.values() if r["Type"] == "Custom::StudioTeardown"]
        if not members:
            assert not teardowns, name
            continue
        (teardown,) = teardowns
        assert set(members) <= set(teardown.get("DependsOn", [])), name
        names = teardown["Properties"]["UserProfileNames"] + teardown["Properties"]["SpaceNames"]
        assert len(names) == len(members), name
        guarded += len(members)
    assert guarded == 3 + 3 + 1  # three users, their private spaces, the shared space


def test_cleanup_runs_before_the_domain_and_users_depend_on_core(stacks: dict[str, dict[str, Any]]) -> None:
    core = stacks["ml-core"]["template"]["Resources"]
    (domain,) = [lid for lid, r in core.items() if r["Type"] == "AWS::SageMaker::Domain"]
    ((cleanup_id, cleanup),) = [(lid, r) for lid, r in core.items() if r["Type"] == "Custom::StudioDomainCleanup"]
    assert domain in cleanup["DependsOn"]
    for lid, resource in core.items():
        if resource["Type"] in (*MEMBERS, "Custom::CanvasSettings"):
            assert cleanup_id in resource["DependsOn"], lid
    assert "ml-core" in stacks["ml-users"]["dependencies"]
    users = json.dumps(stacks["ml-users"]["template"])
    # The domain object crossed stacks as a reference, not as an id typed twice.
    assert "Fn::ImportValue" in users or "Fn::GetStackOutput" in users
