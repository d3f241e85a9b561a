"""Fixtures for the custom-resource handler tests.

The Lambda asset folder is the code root of the handlers (they import ``_common`` as a top-level
module), so it goes on sys.path here, as does this folder for the fakes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "sagemaker_platform" / "lambda"
for folder in (LAMBDA_DIR, Path(__file__).resolve().parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import _common  # noqa: E402
import boto3  # noqa: E402
from fake_sagemaker import ACCOUNT, REGION, ErrorInjector, FakeSageMaker, FakeServiceCatalog, SimClock  # noqa: E402
from moto import mock_aws  # noqa: E402
from provider_harness import Aws, FakeContext  # noqa: E402


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, clock: SimClock) -> Iterator[Aws]:
    """moto for EC2/EFS/S3/CloudWatch and the SageMaker/Service Catalog fakes, wired into _common.client."""
    with mock_aws():
        sagemaker = FakeSageMaker(clock)
        env = Aws(
            clock=clock,
            sagemaker=sagemaker,
            catalog=FakeServiceCatalog(sagemaker),
            injectors={name: ErrorInjector(name, clock) for name in ("ec2", "efs", "s3", "cloudwatch")},
        )

        def factory(service_name: str) -> object:
            client = boto3.client(service_name, region_name=REGION, config=_common.CLIENT_CONFIG)
            env.created[service_name] += 1
            if service_name == "sagemaker":
                return env.sagemaker.attach(client)
            if service_name == "servicecatalog":
                return env.catalog.attach(client)
            if service_name in env.injectors:
                env.injectors[service_name].attach(client)
            return client

        monkeypatch.setattr(_common, "client", factory)
        monkeypatch.setattr(_common, "now", clock.time)
        yield env


@pytest.fixture
def context() -> FakeContext:
    return FakeContext(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:handler")
