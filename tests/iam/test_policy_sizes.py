"""IAM's size quotas, which a template can pass cfn-lint and every compliance pack with and still fail to deploy:
a role's inline policies share 10,240 characters, a customer managed policy holds 6,144, and a role takes 10
managed policies unless the quota is raised. Sizes are counted as IAM counts them (no whitespace), with every
reference resolved and a long region name, for every role of every example config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIGS, synthesized
from tests.iam.template import Account

INLINE_LIMIT = 10_240
MANAGED_LIMIT = 6_144
MANAGED_PER_ROLE = 10
# The longest region name among the regions the config accepts is about this long; ARNs grow with it.
LONG_REGION = "ap-southeast-7"


def _size(document: object) -> int:
    return len(json.dumps(document, separators=(",", ":")))


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: p.stem)
def test_every_role_fits_iams_policy_quotas(path: Path) -> None:
    built = synthesized(path)
    # A config that names its region (enterprise.yaml) has ARNs of that length, and cross-stack references there.
    account = Account.from_assembly(built.assembly, region=built.config.platform.region or LONG_REGION)
    problems = []
    checked = 0
    for stack in account.templates:
        for role_id, role in account.resources(stack).items():
            if role["Type"] != "AWS::IAM::Role":
                continue
            checked += 1
            name = account.attr(stack, role_id, "Ref")
            own = account.resolve(stack, role["Properties"].get("Policies")) or []
            inline = sum(_size(p["PolicyDocument"]) for p in own)
            managed = list(account.managed_policy_arns(stack, role_id))
            for other in account.templates:
                for policy_id, policy in account.resources(other).items():
                    if policy["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                        continue
                    if name not in (account.resolve(other, policy["Properties"].get("Roles")) or []):
                        continue
                    size = _size(account.resolve(other, policy["Properties"]["PolicyDocument"]))
                    if policy["Type"] == "AWS::IAM::Policy":
                        inline += size
                    else:
                        managed.append(policy_id)
                        if size > MANAGED_LIMIT:
                            problems.append(f"{other}/{policy_id}: managed policy of {size} > {MANAGED_LIMIT}")
            if inline > INLINE_LIMIT:
                problems.append(f"{stack}/{role_id}: inline policies of {inline} > {INLINE_LIMIT} characters")
            if len(set(managed)) > MANAGED_PER_ROLE:
                problems.append(f"{stack}/{role_id}: {len(set(managed))} managed policies > {MANAGED_PER_ROLE}")
    assert checked, "no roles found"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: p.stem)
def test_no_role_relies_on_cdks_policy_overflow(path: Path) -> None:
    """CDK moves statements of a role's default policy that no longer fit into generated overflow policies; where it
    splits depends on the lengths of token strings, so a statement can move between policies from one synth to the
    next (a spurious diff on every deploy). The platform sizes its policies itself."""
    overflow = [
        f"{artifact.stack_name}/{logical_id}"
        for artifact in synthesized(path).assembly.stacks
        for logical_id in artifact.template.get("Resources", {})
        if "OverflowPolicy" in logical_id
    ]
    assert not overflow, overflow
