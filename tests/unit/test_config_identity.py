"""Config for Identity Center assignments and shared file systems: one line naming the field and the bad value."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_platform.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[2]
ENTERPRISE = ROOT / "config" / "examples" / "enterprise.yaml"
GROUP_ID = "90677d52-1f31-7087-5e4a-8e2fd6d9b2a1"


def _enterprise() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ENTERPRISE.read_text(encoding="utf-8"))
    return data


def _error(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="test.yaml")
    return info.value


def test_enterprise_example_has_groups_users_file_systems_and_posix() -> None:
    cfg = parse_config(_enterprise(), source="enterprise.yaml")
    ic = cfg.domain.identity_center
    assert ic is not None and [g.persona for g in ic.groups] == ["data_scientist", "ml_engineer"]
    assert len(ic.users) == 1
    assert [fs.type for fs in cfg.domain.file_systems] == ["efs", "fsx_lustre"]
    assert cfg.domain.posix_user is not None and (cfg.domain.posix_user.uid, cfg.domain.posix_user.gid) == (
        200001, 1001
    )


def test_a_group_member_gets_the_groups_persona_unless_they_name_one() -> None:
    data = _enterprise()
    member = data["users"][1]
    member.pop("persona", None)
    member["identity_center_group"] = "ml-engineers"
    assert parse_config(copy.deepcopy(data)).users[1].persona == "ml_engineer"
    member["persona"] = "ml_engineer"  # naming the same persona is fine
    assert parse_config(copy.deepcopy(data)).users[1].persona == "ml_engineer"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets a dotted path (list indexes as numbers) in the enterprise config."""
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value
    return mutate


def _iam_domain(data: dict[str, Any]) -> None:
    data["domain"]["auth_mode"] = "IAM"
    for user in data["users"]:
        user.pop("sso_user_name", None)


def _duplicate_group_id(data: dict[str, Any]) -> None:
    data["domain"]["identity_center"]["users"][0]["id"] = GROUP_ID.upper()


def _unknown_group(data: dict[str, Any]) -> None:
    data["users"][0]["identity_center_group"] = "analysts"


def _persona_differs(data: dict[str, Any]) -> None:
    data["users"][0]["persona"] = "data_scientist"
    data["users"][0]["identity_center_group"] = "ml-engineers"


def _analyst_group_without_canvas(data: dict[str, Any]) -> None:
    data["domain"]["canvas"]["enabled"] = False
    data["users"] = [
        u for u in data["users"] if u.get("persona") != "business_analyst" and "identity_center_group" not in u
    ]
    data["domain"]["identity_center"]["groups"][0]["persona"] = "business_analyst"


def _same_file_system_twice(data: dict[str, Any]) -> None:
    data["domain"]["file_systems"][1]["id"] = data["domain"]["file_systems"][0]["id"]


def _three_file_systems(data: dict[str, Any]) -> None:
    data["domain"]["file_systems"].append({"type": "efs", "id": "fs-0123456789abcdef0"})


@pytest.mark.parametrize(
    ("mutate", "path", "shown"),
    [
        (_iam_domain, "domain.identity_center", "'IAM'"),
        (_set("domain.identity_center.groups.0.id", "data-scientists"), "domain.identity_center.groups[0].id",
         "'data-scientists'"),
        (_set("domain.identity_center.groups.1.name", "Data_Scientists"), "domain.identity_center.groups[1].name",
         "'Data_Scientists'"),
        (_set("domain.identity_center.groups.1.name", "DATA-SCIENTISTS"), "domain.identity_center.groups[1].name",
         "'data-scientists'"),
        (_set("domain.identity_center.groups.0.persona", "admin"), "domain.identity_center.groups[0].persona",
         "'admin'"),
        (_set("domain.identity_center.users.0.id", "ana@example.com"), "domain.identity_center.users[0].id",
         "'ana@example.com'"),
        (_duplicate_group_id, "domain.identity_center.users[0].id", repr(GROUP_ID.upper())),
        (_unknown_group, "users[0].identity_center_group", "'analysts'"),
        (_persona_differs, "users[0].persona", "'data_scientist'"),
        (_analyst_group_without_canvas, "domain.identity_center.groups[0].persona", "'business_analyst'"),
        (_set("domain.file_systems.0.type", "nfs"), "domain.file_systems[0].type", "'nfs'"),
        (_set("domain.file_systems.0.id", "fs-XYZ"), "domain.file_systems[0].id", "'fs-XYZ'"),
        (_set("domain.file_systems.0.path", "teams/ml"), "domain.file_systems[0].path", "'teams/ml'"),
        (_set("domain.file_systems.0.security_group_id", "sg-1"), "domain.file_systems[0].security_group_id",
         "'sg-1'"),
        (_same_file_system_twice, "domain.file_systems[1].id", "'fs-0a1b2c3d4e5f60718'"),
        (_three_file_systems, "domain.file_systems", None),
        (_set("domain.posix_user.uid", 1000), "domain.posix_user.uid", "1000"),
        (_set("domain.posix_user.gid", 100), "domain.posix_user.gid", "100"),
        (_set("domain.posix_user.uid", "200001"), "domain.posix_user.uid", "'200001'"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(
    mutate: Callable[[dict[str, Any]], None], path: str, shown: str | None
) -> None:
    data = _enterprise()
    mutate(data)
    err = _error(data)
    text = str(err)
    assert err.path == path, text
    assert text.startswith(f"test.yaml: {path}: ") and "\n" not in text
    if shown is not None:
        assert text.endswith(f"(got {shown})"), text


def test_the_app_reports_one_line_and_exit_2(tmp_path: Path) -> None:
    data = _enterprise()
    _iam_domain(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", "from sagemaker_platform.config import load_config_or_exit as l; import sys; "
         "l(sys.argv[1])", str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines == [f"config error: {path}: domain.identity_center: only valid when domain.auth_mode is SSO "
                     "(got 'IAM')"], run.stderr
