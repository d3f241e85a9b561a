"""Idle shutdown of Canvas apps: a scheduled function (not a custom resource).

Environment:
  DOMAIN_ID      the Studio domain
  IDLE_MINUTES   delete a Canvas app once it has been idle this long

Every run lists the domain's InService Canvas apps and reads the Canvas metric TimeSinceLastActive (namespace
/aws/sagemaker/Canvas/AppActivity, dimensions DomainId and UserProfileName, Maximum over the last 15
minutes). An app at or above the threshold is deleted; the user's Canvas data stays in S3. An app without a
datapoint is left alone and logged (missing metrics are not evidence of idleness).

A failed run raises, with the service's error code and message, so that the function's Errors metric (and the
construct's alarm on it) shows it and the event lands in the dead-letter queue; the next scheduled run retries.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import _common

NAMESPACE = "/aws/sagemaker/Canvas/AppActivity"
METRIC = "TimeSinceLastActive"
WINDOW_SECONDS = 15 * 60


@_common.entry("canvas_idle.handler")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    domain_id = os.environ.get("DOMAIN_ID", "").strip()
    if not domain_id:
        raise ValueError("Environment variable DOMAIN_ID is required")
    idle_minutes = _common.as_int(os.environ.get("IDLE_MINUTES"), "IDLE_MINUTES")
    if idle_minutes is None or idle_minutes <= 0:
        raise ValueError("Environment variable IDLE_MINUTES must be a positive integer")
    threshold = idle_minutes * 60

    sagemaker = _common.client("sagemaker")
    cloudwatch = _common.client("cloudwatch")
    apps = [
        a
        for a in _common.list_apps(sagemaker, domain_id)
        if a.get("AppType") == "Canvas" and a.get("Status") == "InService"
    ]
    end = dt.datetime.fromtimestamp(_common.now(), tz=dt.UTC)
    start = end - dt.timedelta(seconds=WINDOW_SECONDS)

    summary: dict[str, Any] = {
        "DomainId": domain_id,
        "Checked": len(apps),
        "Deleted": [],
        "NoData": [],
        "Active": [],
    }
    failures: list[str] = []
    for app in apps:
        profile = app.get("UserProfileName")
        if not profile:
            _common.warning("canvas app without a user profile; skipped", app=app.get("AppName"))
            summary["NoData"].append(app.get("AppName"))
            continue
        idle = _idle_seconds(cloudwatch, domain_id, profile, start, end)
        if idle is None:
            _common.warning("no activity metric; app left running", user_profile=profile, app=app["AppName"])
            summary["NoData"].append(profile)
            continue
        if idle < threshold:
            summary["Active"].append(profile)
            continue
        try:
            params: dict[str, Any] = {"DomainId": domain_id, "AppType": "Canvas", "AppName": app["AppName"]}
            if app.get("SpaceName"):
                params["SpaceName"] = app["SpaceName"]
            else:
                params["UserProfileName"] = profile
            sagemaker.delete_app(**params)
        except Exception as exc:
            _common.error("delete_app failed", user_profile=profile, **_common.error_fields(exc))
            failures.append(f"{profile}: {_common.describe_error(exc)}")
            continue
        _common.info("idle canvas app deleted", user_profile=profile, idle_seconds=idle, threshold=threshold)
        summary["Deleted"].append(profile)

    _common.info("canvas idle check done", **summary)
    if failures:
        # Fail the invocation so the function's Errors metric (and any alarm on it) shows the problem.
        raise RuntimeError(f"Could not delete idle Canvas apps: {_common.summarize(failures)}")
    return summary


def _idle_seconds(cloudwatch: Any, domain_id: str, profile: str, start: dt.datetime, end: dt.datetime) -> float | None:
    result = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=METRIC,
        Dimensions=[
            {"Name": "DomainId", "Value": domain_id},
            {"Name": "UserProfileName", "Value": profile},
        ],
        StartTime=start,
        EndTime=end,
        Period=60,
        Statistics=["Maximum"],
    )
    points = [p["Maximum"] for p in result.get("Datapoints", []) if "Maximum" in p]
    return max(points) if points else None
