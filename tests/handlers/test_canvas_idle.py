from __future__ import annotations

import datetime as dt
import json

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


def test_delete_failure_fails_the_run_with_the_service_message(aws, context, setup, capsys):
    """The run fails (Errors metric, dead-letter queue) and says why, in the error and the log line."""
    aws.sagemaker.inject_error("DeleteApp", "ValidationException", message="App is not in a deletable state")
    with pytest.raises(RuntimeError) as err:
        canvas_idle.handler({}, context)
    assert "idle: DeleteApp: ValidationException: App is not in a deletable state" in str(err.value)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [failed] = [line for line in lines if line["message"] == "delete_app failed"]
    assert (failed["error_code"], failed["error_message"]) == ("ValidationException", "App is not in a deletable state")
    [handler_failed] = [line for line in lines if line["message"] == "handler failed"]
    assert handler_failed["handler"] == "canvas_idle.handler" and handler_failed["level"] == "ERROR"


def test_missing_environment(aws, context, monkeypatch):
    monkeypatch.delenv("DOMAIN_ID", raising=False)
    with pytest.raises(ValueError, match="DOMAIN_ID"):
        canvas_idle.handler({}, context)
