"""Conventions every public construct keeps: its own documented constructor, and CDK-typed parameters checked at
the call (a bucket where a key belongs fails there, naming the construct and the parameter)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import constructs
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

import sagemaker_platform.constructs as package
from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.bucket import AccessLogBucket, SecureBucket, StudioBucket
from sagemaker_platform.constructs.bucket_cors import ExistingBucketCors
from sagemaker_platform.constructs.canvas import CanvasIdleShutdown, CanvasSettings, SageMakerProjects
from sagemaker_platform.constructs.domain import StudioDomain
from sagemaker_platform.constructs.endpoint import DataCapture, ModelEndpoint, ProductionVariant
from sagemaker_platform.constructs.file_system import FileSystemAccess, SharedFileSystem
from sagemaker_platform.constructs.handler_provider import DeadLetterQueue, HandlerProvider
from sagemaker_platform.constructs.hub import PrivateHub
from sagemaker_platform.constructs.image import CustomImage
from sagemaker_platform.constructs.mlflow import ImportedMlflowTrackingServer, MlflowTrackingServer
from sagemaker_platform.constructs.model import Model
from sagemaker_platform.constructs.model_card import ModelCard, ModelCardExport
from sagemaker_platform.constructs.monitoring import DataQualityJob, EndpointMonitor
from sagemaker_platform.constructs.network import StudioNetwork
from sagemaker_platform.constructs.registry import ApprovalTopic, ModelPackageGroup
from sagemaker_platform.constructs.roles import ExecutionRole
from sagemaker_platform.constructs.teardown import DomainCleanup, StudioTeardown
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain

METHOD_PREFIXES = ("from_", "add_", "grant_", "enable_")
UNDOCUMENTED = {"self", "scope", "construct_id", "grantee"}
# What a constructor documented by the construct libraries (not by this package) reads like.
INHERITED_TEXT = ("Creates a new construct node", "Initialize self", ":param scope: -")
IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:1.0"
MODEL_DATA = "s3://models-bucket/churn/1.0/model.tar.gz"


def _constructs() -> list[type[constructs.Construct]]:
    """Every public construct class defined in ``sagemaker_platform.constructs``."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in sorted(vars(module).items()):
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and issubclass(value, constructs.Construct)
            ):
                found.append(value)
    return found


CONSTRUCTS = _constructs()


def _is_abstract_base(cls: type) -> bool:
    """A base the package subclasses (owned and imported flavours) without a constructor of its own."""
    return "__init__" not in vars(cls) and bool(cls.__subclasses__())


def _documented() -> Iterator[tuple[str, Callable[..., Any]]]:
    """(label, function) for each constructor, ``from_*``, ``add_*``, ``grant_*`` and ``enable_*`` method."""
    for cls in CONSTRUCTS:
        if not _is_abstract_base(cls):
            yield f"{cls.__name__}.__init__", cls.__init__
        for name in sorted(vars(cls)):
            if name.startswith(METHOD_PREFIXES):
                member = getattr(cls, name)
                if callable(member):
                    yield f"{cls.__name__}.{name}", member


DOCUMENTED = dict(_documented())


def test_discovery_finds_the_constructs() -> None:
    names = {cls.__name__ for cls in CONSTRUCTS}
    assert {"StudioDomain", "UserProfile", "ModelEndpoint", "SecureBucket", "ExecutionRole"} <= names
    assert "StudioDomain.__init__" in DOCUMENTED and "StudioDomainBase.grant_studio_access" in DOCUMENTED


@pytest.mark.parametrize("label", sorted(DOCUMENTED))
def test_documented_with_a_param_line_per_parameter(label: str) -> None:
    function = DOCUMENTED[label]
    own = function.__doc__
    assert own and own.strip(), f"{label}: no docstring of its own (help() would show an inherited one)"
    doc = inspect.getdoc(function) or ""
    assert not any(text in doc for text in INHERITED_TEXT), f"{label}: the docstring is aws-cdk-lib's"
    parameters = [name for name in inspect.signature(function).parameters if name not in UNDOCUMENTED]
    missing = [name for name in parameters if not re.search(rf"^:param {name}:", doc, re.M)]
    assert not missing, f"{label}: no ':param <name>:' line for {missing}"
    stale = sorted(set(re.findall(r"^:param (\w+):", doc, re.M)) - set(inspect.signature(function).parameters))
    assert not stale, f"{label}: ':param' lines for parameters it does not take: {stale}"


def test_help_shows_the_real_constructor_documentation() -> None:
    text = inspect.getdoc(StudioDomain.__init__) or ""
    assert ":param encryption_key:" in text and "Creates a new construct node" not in text
    assert ":param" not in (StudioDomain.__doc__ or ""), "the :param lines belong to __init__ alone"


# ----------------------------------------------------------------------------------------------- types at the call
def _annotations(function: Callable[..., Any]) -> dict[str, Any]:
    """The parameters' annotations, evaluated in the function's module; names imported only for type checking
    (never a CDK type here) are left out."""
    namespace = vars(sys.modules[function.__module__])
    out = {}
    for name, parameter in inspect.signature(function).parameters.items():
        annotation = parameter.annotation
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)
            except NameError:
                continue
        out[name] = annotation
    return out


def _cdk_type(annotation: Any) -> tuple[type, bool] | None:
    """(CDK construct interface or class, whether a sequence of them) for a parameter annotation, else None."""
    origin = typing.get_origin(annotation)
    if origin is not None:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, tuple, Sequence) or (inspect.isclass(origin) and issubclass(origin, Sequence)):
            element = _cdk_type(args[0]) if args else None
            return (element[0], True) if element and not element[1] else None
        if origin is Mapping or (inspect.isclass(origin) and issubclass(origin, Mapping)):
            return None
        kinds = [kind for kind in map(_cdk_type, args) if kind is not None]
        return kinds[0] if len(kinds) == 1 else None
    if (
        inspect.isclass(annotation)
        and annotation.__module__.startswith("aws_cdk")
        and constructs.IConstruct in annotation.__mro__
    ):
        return annotation, False
    return None


def _typed_parameters() -> Iterator[tuple[str, str, type, bool]]:
    """(label, parameter, CDK type, is a sequence) for every CDK-typed parameter of a documented callable."""
    for label, function in DOCUMENTED.items():
        for name, annotation in _annotations(function).items():
            kind = _cdk_type(annotation)
            if kind is not None and name not in UNDOCUMENTED:
                yield label, name, kind[0], kind[1]


TYPED = list(_typed_parameters())


def _stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))


def _key(stack: cdk.Stack) -> kms.IKey:
    return kms.Key(stack, "ValidKey")


def _logs(stack: cdk.Stack) -> s3.IBucket:
    return AccessLogBucket(stack, "ValidLogs")


def _vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack, "ValidVpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a", "eu-west-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )


def _role(stack: cdk.Stack) -> iam.IRole:
    return iam.Role(stack, "ValidRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


Call = Callable[[cdk.Stack, dict[str, Any]], Any]


def _construct(cls: type, valid: Callable[[cdk.Stack], dict[str, Any]]) -> Call:
    """Build ``cls`` from its valid keyword props, with ``changes`` on top."""
    return lambda stack, changes: cls(stack, "UnderTest", **{**valid(stack), **changes})


def _model(stack: cdk.Stack) -> Model:
    return Model(stack, "ValidModel", name_prefix="churn", image=IMAGE, model_data_url=MODEL_DATA)


# label -> how to call it with valid arguments and ``changes`` on top.
FACTORIES: dict[str, Call] = {
    "SecureBucket.__init__": _construct(
        SecureBucket, lambda s: {"encryption_key": _key(s), "access_log_bucket": _logs(s)}
    ),
    "StudioBucket.__init__": _construct(
        StudioBucket, lambda s: {"encryption_key": _key(s), "access_log_bucket": _logs(s)}
    ),
    "ExistingBucketCors.__init__": _construct(
        ExistingBucketCors, lambda s: {"bucket": s3.Bucket.from_bucket_name(s, "Existing", "sagemaker-eu-west-1")}
    ),
    "CanvasSettings.__init__": _construct(CanvasSettings, lambda s: {"domain": build_domain(s)}),
    "CanvasIdleShutdown.__init__": _construct(
        CanvasIdleShutdown, lambda s: {"domain": build_domain(s), "encryption_key": _key(s)}
    ),
    "SageMakerProjects.__init__": _construct(SageMakerProjects, lambda s: {"roles": [_role(s)]}),
    "StudioDomain.__init__": lambda stack, changes: build_domain(stack, **changes),
    "StudioDomainBase.enable_canvas": lambda stack, changes: build_domain(stack).enable_canvas(**changes),
    "StudioDomainBase.grant_studio_access": lambda stack, changes: build_domain(stack).grant_studio_access(
        **{"role": _role(stack), **changes}
    ),
    "ModelEndpoint.__init__": _construct(
        ModelEndpoint,
        lambda s: {"endpoint_name": "churn", "model": _model(s),
                   "variants": [ProductionVariant(instance_type="ml.m5.xlarge")]},
    ),
    "EndpointMonitor.__init__": _construct(
        EndpointMonitor,
        lambda s: {"endpoint": ModelEndpoint(s, "ValidEndpoint", endpoint_name="churn", model=_model(s),
                                             variants=[ProductionVariant(instance_type="ml.m5.xlarge")]),
                   "output_bucket": s3.Bucket(s, "ValidReports"), "output_prefix": "monitoring/churn",
                   "data_quality": DataQualityJob(),
                   "data_capture": DataCapture(bucket=s3.Bucket(s, "ValidCapture"))},
    ),
    "HandlerProvider.__init__": _construct(HandlerProvider, lambda s: {"kind": "bucket_cors"}),
    "DeadLetterQueue.__init__": _construct(DeadLetterQueue, lambda s: {"encryption_key": _key(s), "purpose": "tests"}),
    "PrivateHub.__init__": _construct(
        PrivateHub,
        lambda s: {"name": "hub", "description": "models", "encryption_key": _key(s), "access_log_bucket": _logs(s)},
    ),
    "MlflowTrackingServer.__init__": _construct(
        MlflowTrackingServer,
        lambda s: {"tracking_server_name": "team-mlflow", "encryption_key": _key(s), "access_log_bucket": _logs(s)},
    ),
    "ImportedMlflowTrackingServer.__init__": _construct(
        ImportedMlflowTrackingServer, lambda s: {"tracking_server_name": "team-mlflow"}
    ),
    "MlflowTrackingServer.from_tracking_server_name": lambda stack, changes: (
        MlflowTrackingServer.from_tracking_server_name(
            stack, "UnderTest", **{"tracking_server_name": "team-mlflow", **changes}
        )
    ),
    "Model.__init__": _construct(
        Model, lambda s: {"name_prefix": "churn", "image": IMAGE, "model_data_url": MODEL_DATA}
    ),
    "ModelCard.__init__": _construct(ModelCard, lambda s: {"model_card_name": "churn"}),
    "CustomImage.__init__": _construct(
        CustomImage,
        lambda s: {"name": "team-lab", "app_type": "JupyterLab",
                   "image_uri": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/studio/team-lab:1"},
    ),
    "ModelCardExport.__init__": _construct(
        ModelCardExport,
        lambda s: {"card": ModelCard(s, "ValidCard", model_card_name="churn"), "bucket": s3.Bucket(s, "ValidExports")},
    ),
    "StudioNetwork.__init__": _construct(StudioNetwork, lambda s: {}),
    "ApprovalTopic.__init__": _construct(ApprovalTopic, lambda s: {"encryption_key": _key(s)}),
    "ModelPackageGroup.__init__": _construct(ModelPackageGroup, lambda s: {"model_package_group_name": "churn"}),
    "ExecutionRole.__init__": _construct(ExecutionRole, lambda s: {"persona": "data_scientist"}),
    "StudioTeardown.__init__": _construct(StudioTeardown, lambda s: {"domain": build_domain(s)}),
    "DomainCleanup.__init__": _construct(
        DomainCleanup,
        lambda s: {"domain": build_domain(s), "vpc_id": "vpc-0123456789abcdef0", "home_efs_file_system_id": "fs-01"},
    ),
    "UserProfile.__init__": _construct(UserProfile, lambda s: {"domain": build_domain(s), "user_profile_name": "ana"}),
    "FileSystemAccess.__init__": _construct(
        FileSystemAccess,
        lambda s: {
            "file_system": SharedFileSystem.efs(
                "fs-0123456789abcdef0", security_group=ec2.SecurityGroup.from_security_group_id(s, "Fs", "sg-01")
            ),
            "studio_security_groups": [ec2.SecurityGroup.from_security_group_id(s, "Apps", "sg-02")],
        },
    ),
}


def test_every_cdk_typed_callable_has_a_factory() -> None:
    assert {label for label, *_ in TYPED} <= set(FACTORIES)
    assert {"StudioDomain.__init__", "SecureBucket.__init__", "Model.__init__"} <= {label for label, *_ in TYPED}


@pytest.mark.parametrize("label", sorted(FACTORIES))
def test_factory_arguments_are_valid(label: str) -> None:
    FACTORIES[label](_stack(), {})


def _wrong_value(stack: cdk.Stack, expected: type) -> constructs.Construct:
    """A construct of another kind: a bucket where a key belongs, a key anywhere else."""
    if expected is kms.IKey:
        return s3.Bucket(stack, "NotAKey")
    return kms.Key(stack, "NotA" + expected.__name__.lstrip("I"))


@pytest.mark.parametrize(
    ("label", "parameter", "expected", "sequence"),
    TYPED,
    ids=[f"{label.replace('.__init__', '')}-{parameter}" for label, parameter, *_ in TYPED],
)
def test_wrong_kind_fails_at_the_call_naming_the_parameter(
    label: str, parameter: str, expected: type, sequence: bool
) -> None:
    stack = _stack()
    wrong = _wrong_value(stack, expected)
    owner = next(cls for cls in CONSTRUCTS if cls.__name__ == label.split(".")[0])
    if label.endswith(".__init__"):
        owner_pattern = re.escape(owner.__name__)
    else:  # a method names the construct it was called on: the class or a subclass
        classes = "|".join(cls.__name__ for cls in CONSTRUCTS if issubclass(cls, owner))
        owner_pattern = rf"({classes})\.{re.escape(label.split('.')[1])}"
    message = (
        rf"^{owner_pattern} {re.escape(parameter)}(\[0\])?: expected {expected.__name__} "
        rf"\(got {type(wrong).__name__}\)$"
    )
    with pytest.raises(TypeError, match=message):
        FACTORIES[label](stack, {parameter: [wrong] if sequence else wrong})
