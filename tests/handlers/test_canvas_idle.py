from __future__ import annotations

import datetime as dt

import boto3
import canvas_idle
import pytest
from fake_sagemaker import REGION

DOMAIN = "d-abc123"


@pytest.fixture
def setup(aws, monkeypatch):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    keys = {}
    for user in ("idle", "busy", "silent"):
        sm.add_user_profile(DOMAIN, user)
        keys[user] = sm.add_app(DOMAIN, "default", "Canvas", user_profile=user)
    keys["jupyter"] = sm.add_app(DOMAIN, "default", "JupyterServer", user_profile="idle")
    cw = boto3.client("cloudwatch", region_name=REGION)
    when = aws.clock.datetime() - dt.timedelta(minutes=5)
    for user, seconds in (("idle", 3 * 3600), ("busy", 120)):
        cw.put_metric_data(
            Namespace=canvas_idle.NAMESPACE,
            MetricData=[
                {
                    "MetricName": canvas_idle.METRIC,
                    "Timestamp": when,
                    "Value": seconds,
                    "Unit": "Seconds",
                    "Dimensions": [
                        {"Name": "DomainId", "Value": DOMAIN},
                        {"Name": "UserProfileName", "Value": user},
                    ],
                }
            ],
        )
    monkeypatch.setenv("DOMAIN_ID", DOMAIN)
    monkeypatch.setenv("IDLE_MINUTES", "120")
    return keys


def test_only_idle_canvas_apps_are_deleted(aws, context, setup):
    summary = canvas_idle.handler({}, context)
    sm = aws.sagemaker
    assert sm.app_status(setup["idle"]) == "Deleting"
    assert sm.app_status(setup["busy"]) == "InService"
    assert sm.app_status(setup["silent"]) == "InService"  # no datapoint: left alone
    assert sm.app_status(setup["jupyter"]) == "InService"
    assert summary["Deleted"] == ["idle"]
    assert summary["NoData"] == ["silent"]
    assert summary["Active"] == ["busy"]
    [request] = sm.params_of("DeleteApp")
    assert request == {
        "DomainId": DOMAIN,
        "UserProfileName": "idle",
        "AppType": "Canvas",
        "AppName": "default",
    }


def test_delete_failure_fails_the_run(aws, context, setup):
    aws.sagemaker.inject_error("DeleteApp", "ThrottlingException")
    with pytest.raises(RuntimeError, match="idle"):
        canvas_idle.handler({}, context)


def test_missing_environment(aws, context, monkeypatch):
    monkeypatch.delenv("DOMAIN_ID", raising=False)
    with pytest.raises(ValueError, match="DOMAIN_ID"):
        canvas_idle.handler({}, context)
