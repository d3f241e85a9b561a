"""The ``mlflow:`` section: defaults, and each bad value as one line naming the field and the value."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_platform.config import ConfigError, load_config, parse_config
from sagemaker_platform.main import main

ROOT = Path(__file__).resolve().parents[2]


def _base(**mlflow: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    data["mlflow"] = {"enabled": True, **mlflow}
    return data


def _error(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="test.yaml")
    return info.value


def test_off_by_default() -> None:
    cfg = load_config(ROOT / "config" / "default.yaml")
    assert cfg.mlflow.enabled is False


def test_defaults() -> None:
    section = parse_config(_base()).mlflow
    assert section.size == "Small" and section.mlflow_version is None and section.weekly_maintenance_window is None
    assert section.automatic_model_registration is False
    assert section.loggers == ["data_scientist", "ml_engineer"]
    assert section.readers == []
    assert section.presigned_url_personas == ["data_scientist", "ml_engineer"]
    assert [section.access(p) for p in ("data_scientist", "ml_engineer", "business_analyst")] == ["log", "log", None]


def test_enterprise_example_exercises_the_section() -> None:
    section = load_config(ROOT / "config" / "examples" / "enterprise.yaml").mlflow
    assert section.enabled and section.automatic_model_registration
    assert section.access("business_analyst") == "read"
    assert "business_analyst" in section.presigned_url_personas
    assert section.weekly_maintenance_window is not None and section.mlflow_version is not None


@pytest.mark.parametrize(
    ("mlflow", "path", "shown"),
    [
        ({"size": "Huge"}, "mlflow.size", "'Huge'"),
        ({"size": "small"}, "mlflow.size", "'small'"),
        ({"mlflow_version": "latest"}, "mlflow.mlflow_version", "'latest'"),
        ({"mlflow_version": 2.16}, "mlflow.mlflow_version", "2.16"),
        ({"weekly_maintenance_window": "Sun:3:30"}, "mlflow.weekly_maintenance_window", "'Sun:3:30'"),
        ({"weekly_maintenance_window": "Sunday:03:30"}, "mlflow.weekly_maintenance_window", "'Sunday:03:30'"),
        ({"weekly_maintenance_window": "Sun:24:00"}, "mlflow.weekly_maintenance_window", "'Sun:24:00'"),
        ({"automatic_model_registration": "yes"}, "mlflow.automatic_model_registration", "'yes'"),
        ({"enabled": "true"}, "mlflow.enabled", "'true'"),
        ({"loggers": ["wizard"]}, "mlflow.loggers[0]", "'wizard'"),
        ({"loggers": ["ml_engineer", "ml_engineer"]}, "mlflow.loggers", '["ml_engineer", "ml_engineer"]'),
        ({"readers": "business_analyst"}, "mlflow.readers", "'business_analyst'"),
        ({"presigned_url_personas": ["admin"]}, "mlflow.presigned_url_personas[0]", "'admin'"),
        ({"tracking_uri": "x"}, "mlflow.tracking_uri", "'x'"),
    ],
)
def test_bad_values_name_the_field_and_value(mlflow: dict[str, Any], path: str, shown: str) -> None:
    message = str(_error(_base(**mlflow)))
    assert message.startswith(f"test.yaml: {path}: "), message
    assert message.endswith(f"(got {shown})"), message
    assert "\n" not in message


def test_a_reader_that_also_logs_is_refused() -> None:
    message = str(_error(_base(readers=["data_scientist"])))
    assert message == (
        "test.yaml: mlflow.readers[0]: already in mlflow.loggers (loggers read too); list it once "
        "(got 'data_scientist')"
    )


def test_a_ui_persona_without_data_access_is_refused() -> None:
    message = str(_error(_base(loggers=["ml_engineer"], presigned_url_personas=["data_scientist"])))
    assert message.startswith("test.yaml: mlflow.presigned_url_personas[0]: not in mlflow.loggers or mlflow.readers")
    assert message.endswith("(got 'data_scientist')")


def test_a_listed_persona_needs_a_role() -> None:
    data = _base(readers=["business_analyst"])
    data["users"] = [u for u in data["users"] if u["persona"] != "business_analyst"]
    data["domain"]["canvas"] = {"enabled": False}
    message = str(_error(data))
    assert message == (
        "test.yaml: mlflow.readers[0]: no user has this persona, so it has no role (got 'business_analyst')"
    )


def test_default_lists_name_only_personas_that_have_a_role() -> None:
    """The default loggers name ml_engineer; a config without one is still valid (defaults are not the user's)."""
    data = _base()
    data["users"] = [u for u in data["users"] if u["persona"] == "data_scientist"]
    data["domain"]["canvas"] = {"enabled": False}
    cfg = parse_config(data)
    assert cfg.personas_in_use() == ["data_scientist"]
    assert cfg.mlflow.access("data_scientist") == "log"


def test_the_app_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_base(size="Huge")), encoding="utf-8")
    err = io.StringIO()
    assert main(str(path), outdir=tmp_path / "out", context={}, stderr=err) == 2
    assert err.getvalue().splitlines() == [
        f"config error: {path}: mlflow.size: Input should be 'Small', 'Medium' or 'Large' (got 'Huge')"
    ]
    assert not (tmp_path / "out").exists()
