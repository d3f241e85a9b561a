"""Upgrading from 0.1 replaces no stateful resource: every key, alias, bucket, bucket policy, role, log group,
topic, VPC, domain, profile, space, package group, model card and custom resource keeps the logical id 0.1 gave it.

A changed logical id makes CloudFormation create a new resource and delete the old one: a new key (and a replaced
domain, whose KmsKeyId is create-only), an emptied bucket policy, a role that user profiles still point at, and a
custom resource whose Delete runs: a teardown that stops every user's apps, a cleanup that deletes the domain.
``data/stateful_logical_ids_0.1.json`` was synthesized from release 0.1 with the same configs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, synthesized

RECORDED = json.loads((Path(__file__).parent / "data" / "stateful_logical_ids_0.1.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("config", sorted(RECORDED))
def test_stateful_resources_keep_their_01_logical_ids(config: str) -> None:
    built = synthesized(ROOT / config)
    now: dict[str, dict[str, set[str]]] = {}
    for artifact in built.assembly.stacks:
        for logical_id, resource in artifact.template.get("Resources", {}).items():
            now.setdefault(artifact.stack_name, {}).setdefault(resource["Type"], set()).add(logical_id)
    missing = [
        f"{stack} {kind} {logical_id}"
        for stack, kinds in RECORDED[config].items()
        for kind, ids in kinds.items()
        for logical_id in ids
        if logical_id not in now.get(stack, {}).get(kind, set())
    ]
    assert not missing, "resources 0.1 deployed would be replaced:\n" + "\n".join(missing)
