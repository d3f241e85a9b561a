"""endpoints[].monitoring: valid shapes load, and each bad input is one line naming the field and the value."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagemaker_platform.config import ConfigError, load_config, parse_config
from sagemaker_platform.rules import monitoring as rules

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT: dict[str, Any] = {
    "name": "churn",
    "kind": "realtime",
    "model": {"image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:1.0",
              "model_data_url": "s3://models-bucket/churn/model.tar.gz"},
    "variants": [{"instance_type": "ml.m5.xlarge"}],
    "data_capture": {"enabled": True},
    "monitoring": {
        "data_quality": {"schedule": "hourly",
                         "baseline_constraints_uri": "s3://baseline-bucket/churn/constraints.json"},
        "model_quality": {"problem_type": "Regression", "schedule": "daily",
                          "ground_truth_s3_uri": "s3://truth-bucket/churn/labels"},
    },
}


def _data(mutate: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    data["endpoints"] = [copy.deepcopy(ENDPOINT)]
    if mutate is not None:
        mutate(data)
    return data


def _error(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="test.yaml")
    return info.value


def _monitoring(d: dict[str, Any]) -> dict[str, Any]:
    monitoring: dict[str, Any] = d["endpoints"][0]["monitoring"]
    return monitoring


def test_valid_monitoring_loads_with_defaults() -> None:
    cfg = parse_config(_data(), source="test.yaml")
    mon = cfg.endpoints[0].monitoring
    assert mon is not None and mon.active
    assert mon.data_quality.instance_type == "ml.m5.xlarge" and mon.data_quality.max_runtime_seconds == 3600
    assert mon.model_quality is not None and mon.model_quality.problem_type == "Regression"


def test_enterprise_example_monitors_its_realtime_endpoint() -> None:
    cfg = load_config(ROOT / "config" / "examples" / "enterprise.yaml")
    monitored = [ep for ep in cfg.endpoints if ep.monitoring is not None and ep.monitoring.active]
    assert [ep.name for ep in monitored] == ["churn-realtime"]
    assert monitored[0].monitoring is not None and monitored[0].monitoring.model_quality is not None


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        node: Any = d["endpoints"][0]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return mutate


def _async(d: dict[str, Any]) -> None:
    d["endpoints"][0]["kind"] = "async"
    d["endpoints"][0]["async_inference"] = {}


def _serverless(d: dict[str, Any]) -> None:
    ep = d["endpoints"][0]
    ep["kind"] = "serverless"
    ep["serverless"] = {}
    ep["variants"] = [{}]


def _region(d: dict[str, Any]) -> None:
    d["platform"]["region"] = "eu-south-1"
    d["platform"]["account"] = "111111111111"
    d.setdefault("network", {})["availability_zones"] = ["eu-south-1a", "eu-south-1b"]


def _threshold_without_probability(d: dict[str, Any]) -> None:
    mq = _monitoring(d)["model_quality"]
    mq["problem_type"] = "BinaryClassification"
    mq["probability_threshold_attribute"] = 0.5


P = "endpoints[0].monitoring"
BAD: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("async", _async, P, "'async'"),
    # serverless endpoints cannot capture data: the endpoint rule says so first, naming data_capture
    ("serverless", _serverless, "endpoints[0].data_capture", "'DataCapture'"),
    ("no-capture", _set(["data_capture", "enabled"], False), P, "false"),
    ("no-input", _set(["data_capture", "capture"], ["Output"]), f"{P}.data_quality", '["Output"]'),
    ("no-output", _set(["data_capture", "capture"], ["Input"]), f"{P}.model_quality", '["Input"]'),
    ("region", _region, P, "'eu-south-1'"),
    ("schedule", _set(["monitoring", "data_quality", "schedule"], "rate(1 hour)"),
     f"{P}.data_quality.schedule", "'rate(1 hour)'"),
    ("cron-minute", _set(["monitoring", "data_quality", "schedule"], "cron(30 * ? * * *)"),
     f"{P}.data_quality.schedule", "'cron(30 * ? * * *)'"),
    ("cron-hour", _set(["monitoring", "data_quality", "schedule"], "cron(0 24 ? * * *)"),
     f"{P}.data_quality.schedule", "'cron(0 24 ? * * *)'"),
    ("instance-type", _set(["monitoring", "data_quality", "instance_type"], "ml.inf1.xlarge"),
     f"{P}.data_quality.instance_type", "'ml.inf1.xlarge'"),
    ("instance-count", _set(["monitoring", "data_quality", "instance_count"], 0),
     f"{P}.data_quality.instance_count", "0"),
    ("runtime-over-interval", _set(["monitoring", "data_quality", "max_runtime_seconds"], 7200),
     f"{P}.data_quality.max_runtime_seconds", "7200"),
    ("baseline-uri", _set(["monitoring", "data_quality", "baseline_statistics_uri"], "s3://b/x"),
     f"{P}.data_quality.baseline_statistics_uri", "'s3://b/x'"),
    ("problem-type", _set(["monitoring", "model_quality", "problem_type"], "Clustering"),
     f"{P}.model_quality.problem_type", "'Clustering'"),
    ("ground-truth", _set(["monitoring", "model_quality", "ground_truth_s3_uri"], "https://example.com/x"),
     f"{P}.model_quality.ground_truth_s3_uri", "'https://example.com/x'"),
    ("threshold", _threshold_without_probability, f"{P}.model_quality.probability_threshold_attribute", "0.5"),
    ("offset", _set(["monitoring", "model_quality", "start_time_offset"], "PT1H"),
     f"{P}.model_quality.start_time_offset", "'PT1H'"),
    ("unknown-field", _set(["monitoring", "drift"], True), f"{P}.drift", "true"),
]


@pytest.mark.parametrize(("label", "mutate", "path", "shown"), BAD, ids=[b[0] for b in BAD])
def test_bad_monitoring_is_one_line_naming_field_and_value(
    label: str, mutate: Callable[[dict[str, Any]], None], path: str, shown: str
) -> None:
    err = _error(_data(mutate))
    text = str(err)
    assert "\n" not in text, text
    assert text.startswith(f"test.yaml: {path}: "), text
    assert text.endswith(f"(got {shown})"), text


def test_model_quality_missing_ground_truth_is_named() -> None:
    err = _error(_data(lambda d: _monitoring(d)["model_quality"].pop("ground_truth_s3_uri")))
    assert err.path == f"{P}.model_quality.ground_truth_s3_uri", str(err)


def test_disabled_data_quality_without_model_quality_needs_nothing() -> None:
    """Turned off, monitoring asks nothing of the endpoint (an async endpoint without capture is fine)."""
    def mutate(d: dict[str, Any]) -> None:
        _async(d)
        d["endpoints"][0]["data_capture"] = {"enabled": False}
        d["endpoints"][0]["monitoring"] = {"data_quality": {"enabled": False}}
    cfg = parse_config(_data(mutate), source="test.yaml")
    assert cfg.endpoints[0].monitoring is not None and not cfg.endpoints[0].monitoring.active


@pytest.mark.parametrize(("schedule", "seconds"), [
    ("hourly", 3600), ("daily", 86400), ("cron(0 * ? * * *)", 3600), ("cron(0 12 ? * * *)", 86400),
    ("cron(0 0/6 ? * * *)", 21600), ("cron(0 17/12 ? * * *)", 43200),
])
def test_schedule_intervals(schedule: str, seconds: int) -> None:
    assert rules.schedule_interval_seconds(schedule) == seconds


def test_every_region_with_an_analyzer_image_is_a_known_region() -> None:
    from sagemaker_platform.config import AWS_REGIONS

    assert set(rules.ANALYZER_ACCOUNTS) <= AWS_REGIONS
    assert all(len(a) == 12 and a.isdigit() for a in rules.ANALYZER_ACCOUNTS.values())
