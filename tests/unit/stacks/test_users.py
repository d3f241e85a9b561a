"""The users stack as the enterprise example drives it: group personas and shared file systems in private spaces."""

from __future__ import annotations

from typing import Any

from tests.conftest import ROOT, synthesized

ENTERPRISE = ROOT / "config" / "examples" / "enterprise.yaml"


def _resources(kind: str) -> dict[str, dict[str, Any]]:
    built = synthesized(ENTERPRISE)
    out: dict[str, dict[str, Any]] = {}
    for stack in built.platform.users:
        for logical_id, resource in built.template(stack)["Resources"].items():
            if resource["Type"] == kind:
                out[logical_id] = resource["Properties"]
    return out


def test_private_spaces_mount_the_first_shared_file_system() -> None:
    first = synthesized(ENTERPRISE).config.domain.file_systems[0]
    spaces = {p["SpaceName"]: p for p in _resources("AWS::SageMaker::Space").values()}
    assert "ana-lab" in spaces
    mounted = spaces["ana-lab"]["SpaceSettings"]["CustomFileSystems"]
    assert mounted == [{"EFSFileSystem": {"FileSystemId": first.id}}]


def test_group_members_take_the_group_persona() -> None:
    config = synthesized(ENTERPRISE).config
    personas = {u.name: u.persona for u in config.users}
    groups = {g.name: g.persona for g in config.domain.identity_center.groups}
    members = [u for u in config.users if u.identity_center_group]
    assert members
    for user in members:
        assert personas[user.name] == groups[user.identity_center_group]
    profiles = {p["UserProfileName"]: p for p in _resources("AWS::SageMaker::UserProfile").values()}
    tags = {name: {t["Key"]: t["Value"] for t in p.get("Tags", [])} for name, p in profiles.items()}
    for user in members:
        assert tags[user.name]["persona"] == groups[user.identity_center_group]
