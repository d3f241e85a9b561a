"""Model Monitor rules shared by the config model and the monitoring construct (CDK-free).

- The analyzer image: SageMaker publishes ``sagemaker-model-monitor-analyzer`` from one account per region (the
  Developer Guide's "Docker Registry Paths" tables, "Model Monitor (algorithm)"); a region missing here has no
  image, so a schedule there could not run.
- Schedules: Model Monitor accepts only hourly ``cron(0 * ? * * *)``, daily ``cron(0 H ? * * *)`` and every N
  hours ``cron(0 H/N ? * * *)`` (ScheduleConfig in the API reference); a job may run at most one interval.
- Instance types: the API's ``ProcessingInstanceType`` enum, read from botocore's service model (boto3 is a
  runtime dependency) the first time a monitor is checked.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal, Protocol

from sagemaker_platform.rules.core import RuleError, check_range, is_token

# Region -> the account that publishes the Model Monitor analyzer image there.
ANALYZER_ACCOUNTS: dict[str, str] = {
    "ap-east-1": "001633400207",
    "ap-northeast-1": "574779866223",
    "ap-northeast-2": "709848358524",
    "ap-south-1": "126357580389",
    "ap-southeast-1": "245545462676",
    "ap-southeast-2": "563025443158",
    "ca-central-1": "536280801234",
    "cn-north-1": "453000072557",
    "cn-northwest-1": "453252182341",
    "eu-central-1": "048819808253",
    "eu-north-1": "895015795356",
    "eu-west-1": "468650794304",
    "eu-west-2": "749857270468",
    "eu-west-3": "680080141114",
    "me-south-1": "607024016150",
    "sa-east-1": "539772159869",
    "us-east-1": "156813124566",
    "us-east-2": "777275614652",
    "us-west-1": "890145073186",
    "us-west-2": "159807026194",
}
ANALYZER_REPOSITORY = "sagemaker-model-monitor-analyzer"

HOURLY = "cron(0 * ? * * *)"
DAILY = "cron(0 0 ? * * *)"
SCHEDULE_ALIASES: dict[str, str] = {"hourly": HOURLY, "daily": DAILY}

ProblemType = Literal["BinaryClassification", "MulticlassClassification", "Regression"]
PROBLEM_TYPES: tuple[str, ...] = ("BinaryClassification", "MulticlassClassification", "Regression")

MAX_RUNTIME_SECONDS = 86400  # the schema's StoppingCondition maximum
MAX_INSTANCE_COUNT = 100
MAX_VOLUME_GB = 16384
# MonitoringTimeOffsetString: an ISO 8601 duration before the run, e.g. -PT1H.
TIME_OFFSET = re.compile(r"^-P(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?)?$")
_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>\S+)$")
_CRON = re.compile(r"^cron\(0 (?P<hour>\*|[0-9]{1,2})(?:/(?P<every>[0-9]{1,2}))? \? \* \* \*\)$")


def analyzer_account(region: str) -> str:
    """The account of the analyzer image in ``region``; a RuleError names the regions that have one."""
    account = ANALYZER_ACCOUNTS.get(region)
    if account is None:
        raise RuleError("region", "Model Monitor's analyzer image is not published in this region (it is in "
                        f"{', '.join(sorted(ANALYZER_ACCOUNTS))})", region)
    return account


def schedule_expression(value: str) -> str:
    """``hourly``/``daily`` or a cron Model Monitor accepts, as the cron expression the API takes."""
    return SCHEDULE_ALIASES.get(value, value)


def schedule_interval_seconds(value: str, field: str = "schedule") -> int:
    """Seconds between two runs of a schedule (``hourly``, ``daily`` or a cron Model Monitor accepts)."""
    expression = schedule_expression(value)
    match = _CRON.fullmatch(expression)
    if match is None:
        raise RuleError(field, "hourly, daily, cron(0 * ? * * *), cron(0 <hour> ? * * *) or "
                        "cron(0 <hour>/<every n hours> ? * * *)", value)
    hour, every = match.group("hour"), match.group("every")
    if hour == "*":
        if every is not None:
            raise RuleError(field, "every-n-hours schedules start at an hour: cron(0 <hour>/<n> ? * * *)", value)
        return 3600
    if not 0 <= int(hour) <= 23:
        raise RuleError(field, "the hour is 0-23 (UTC)", value)
    if every is None:
        return 86400
    if not 1 <= int(every) <= 24:
        raise RuleError(field, "every 1-24 hours", value)
    return int(every) * 3600


@cache
def processing_instance_types() -> frozenset[str]:
    """The API's processing instance types (botocore's SageMaker model)."""
    import botocore.loaders  # deferred: only configs with monitoring pay for reading the service model

    model = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    return frozenset(model["shapes"]["ProcessingInstanceType"]["enum"])


def check_instance_type(field: str, value: str) -> str:
    if is_token(value) or value in processing_instance_types():
        return value
    raise RuleError(field, "not an instance type SageMaker processing jobs run on (e.g. ml.m5.xlarge)", value)


def check_s3_uri(field: str, value: str | None) -> None:
    """An ``s3://<bucket>/<key>`` URI (or a token, or unset)."""
    if value is not None and not is_token(value) and not _S3_URI.fullmatch(value):
        raise RuleError(field, "an S3 URI s3://<bucket>/<key>", value)


def s3_parts(value: str) -> tuple[str, str] | None:
    """(bucket, key) of a literal S3 URI, else None."""
    match = _S3_URI.fullmatch(value) if not is_token(value) else None
    return (match.group("bucket"), match.group("key")) if match else None


def check_job(
    *,
    schedule: str,
    instance_type: str,
    instance_count: int,
    volume_size_gb: int,
    max_runtime_seconds: int,
) -> None:
    """What every monitoring job shares: the schedule, the cluster and a runtime within one interval."""
    interval = schedule_interval_seconds(schedule)
    check_instance_type("instance_type", instance_type)
    check_range("instance_count", instance_count, 1, MAX_INSTANCE_COUNT)
    check_range("volume_size_gb", volume_size_gb, 1, MAX_VOLUME_GB)
    check_range("max_runtime_seconds", max_runtime_seconds, 1, MAX_RUNTIME_SECONDS)
    if max_runtime_seconds > interval:
        raise RuleError("max_runtime_seconds", f"a run must end before the next one starts: at most {interval} "
                        f"for schedule {schedule!r}", max_runtime_seconds)


def check_time_offset(field: str, value: str | None) -> None:
    if value is not None and not TIME_OFFSET.fullmatch(value):
        raise RuleError(field, "an ISO 8601 duration before the run, e.g. -PT1H or -P1D", value)


def check_probability_threshold(
    problem_type: str, probability_attribute: str | None, probability_threshold_attribute: float | None
) -> None:
    """A probability threshold turns probabilities into labels: only binary classification with a probability."""
    if probability_threshold_attribute is not None and (
        problem_type != "BinaryClassification" or probability_attribute is None
    ):
        raise RuleError("probability_threshold_attribute", "only for BinaryClassification with a probability_attribute",
                        probability_threshold_attribute)


class MonitoringJob(Protocol):
    """What a data- or model-quality job has, in the config and in the construct alike."""

    @property
    def schedule(self) -> str: ...
    @property
    def instance_type(self) -> str: ...
    @property
    def instance_count(self) -> int: ...
    @property
    def volume_size_gb(self) -> int: ...
    @property
    def max_runtime_seconds(self) -> int: ...
    @property
    def baseline_constraints_uri(self) -> str | None: ...


class DataQuality(MonitoringJob, Protocol):
    @property
    def baseline_statistics_uri(self) -> str | None: ...


class ModelQuality(MonitoringJob, Protocol):
    @property
    def problem_type(self) -> str: ...
    @property
    def ground_truth_s3_uri(self) -> str: ...
    @property
    def probability_attribute(self) -> str | None: ...
    @property
    def probability_threshold_attribute(self) -> float | None: ...
    @property
    def start_time_offset(self) -> str | None: ...
    @property
    def end_time_offset(self) -> str | None: ...


def _check_common(job: MonitoringJob) -> None:
    check_job(schedule=job.schedule, instance_type=job.instance_type, instance_count=job.instance_count,
              volume_size_gb=job.volume_size_gb, max_runtime_seconds=job.max_runtime_seconds)
    check_s3_uri("baseline_constraints_uri", job.baseline_constraints_uri)


def check_data_quality(job: DataQuality) -> None:
    """Every rule of a data-quality job; fields relative to the job."""
    _check_common(job)
    check_s3_uri("baseline_statistics_uri", job.baseline_statistics_uri)


def check_model_quality(job: ModelQuality) -> None:
    """Every rule of a model-quality job; fields relative to the job."""
    _check_common(job)
    if job.problem_type not in PROBLEM_TYPES:
        raise RuleError("problem_type", f"one of {', '.join(PROBLEM_TYPES)}", job.problem_type)
    check_s3_uri("ground_truth_s3_uri", job.ground_truth_s3_uri)
    check_time_offset("start_time_offset", job.start_time_offset)
    check_time_offset("end_time_offset", job.end_time_offset)
    check_probability_threshold(job.problem_type, job.probability_attribute, job.probability_threshold_attribute)
