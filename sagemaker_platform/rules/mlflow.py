"""MLflow tracking server rules shared by the config model and the construct (CDK-free), from the CloudFormation
schema of ``AWS::SageMaker::MlflowTrackingServer``."""

from __future__ import annotations

from sagemaker_platform.rules.names import TRACKING_SERVER_NAME, NameRule

SIZES: tuple[str, ...] = ("Small", "Medium", "Large")
__all__ = ["MAINTENANCE_WINDOW", "MAX_VERSION", "MLFLOW_VERSION", "SIZES", "TRACKING_SERVER_NAME"]
MAX_VERSION = 32
MLFLOW_VERSION = NameRule(r"^[0-9]+(\.[0-9]+)+$", f"a version such as 2.16.2, at most {MAX_VERSION} characters")
MAINTENANCE_WINDOW = NameRule(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01][0-9]|2[0-3]):([0-5][0-9])$",
    "Day:HH:MM in UTC with Day one of Mon, Tue, Wed, Thu, Fri, Sat, Sun, such as Sun:03:30",
)
