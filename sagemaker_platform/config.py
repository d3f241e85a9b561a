"""The platform config model: one YAML file per environment, validated before anything is synthesized.

Only ``app.py`` and ``stacks/`` read this model; constructs take typed props, so they can be vendored without it.
A bad file fails with one message that names the file, the field path and the bad value (:class:`ConfigError`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
import unicodedata
import zlib
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from sagemaker_platform import rules
from sagemaker_platform.rules import RuleError, config_validator
from sagemaker_platform.rules import file_systems as file_system_rules
from sagemaker_platform.rules import identity_center as identity_rules
from sagemaker_platform.rules import idle as idle_rules
from sagemaker_platform.rules import images as image_rules
from sagemaker_platform.rules import mlflow as mlflow_rules
from sagemaker_platform.rules import model_card as card_rules
from sagemaker_platform.rules import monitoring as monitoring_rules
from sagemaker_platform.rules.endpoint import MAX_CAPACITY, MAX_COOLDOWN_SECONDS, check_endpoint, check_schedule
from sagemaker_platform.vpc_rules import (
    INTERFACE_ENDPOINT_SERVICES,
    RESERVED_ENDPOINTS,
    SUBNET_PREFIX,
    platform_endpoints,
)

# Name rules shared with the constructs (the API's own patterns, with the guide's length limits).
RESOURCE_NAME = rules.RESOURCE_NAME.pattern
SPACE_NAME = rules.SPACE_NAME.pattern
PLATFORM_NAME = rules.PLATFORM_NAME.pattern
ENVIRONMENT_NAME = rules.ENVIRONMENT_NAME.pattern
BUCKET_NAME = rules.BUCKET_NAME.pattern
# Patterns spell digits [0-9]: the regex engine's \d also matches other scripts' digits (full-width ones).
ACCOUNT_ID = r"^[0-9]{12}$"
AVAILABILITY_ZONE = r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$"

# Every AWS region the platform can be deployed to, by partition (botocore's partitions.json; a test compares).
AWS_REGIONS: frozenset[str] = frozenset({
    # aws
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
    "me-west-1", "mx-central-1", "sa-east-1", "sa-west-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    # aws-cn, aws-us-gov, aws-iso*, aws-eusc
    "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-iso-west-1",
    "us-isob-east-1", "us-isob-west-1", "eu-isoe-west-1", "us-isof-east-1", "us-isof-south-1", "eusc-de-east-1",
})

# The compliance packs whose findings a config may accept (compliance.accept[].rule is "<pack>-<rule>").
COMPLIANCE_PACKS: tuple[str, ...] = (
    "AwsSolutions",
    "HIPAA.Security",
    "NIST.800.53.R5",
    "PCI.DSS.321",
    "SageMakerPlatform",
)
# Config options that our own rules flag: each needs its finding accepted in compliance.accept to synthesize.
# (field path, rule id, predicate on the config, the value shown)
OPTION_FINDINGS: tuple[tuple[str, str, Any, Any], ...] = (
    ("domain.app_network_access_type", "SageMakerPlatform-SM1",
     lambda c: c.domain.app_network_access_type != "VpcOnly", lambda c: c.domain.app_network_access_type),
    ("domain.idle_shutdown.enabled", "SageMakerPlatform-SM3",
     lambda c: not c.domain.idle_shutdown.enabled, lambda c: c.domain.idle_shutdown.enabled),
    ("domain.docker_access", "SageMakerPlatform-SM4",
     lambda c: c.domain.docker_access, lambda c: c.domain.docker_access),
    ("domain.remote_access", "SageMakerPlatform-SM7",
     lambda c: any(s.remote_access for s in [*c.spaces, *(p for u in c.users for p in u.private_spaces)]),
     lambda c: c.domain.remote_access),
)

Persona = Literal["data_scientist", "ml_engineer", "business_analyst"]
StudioAppType = Literal["JupyterLab", "CodeEditor", "JupyterServer", "KernelGateway"]
SpaceAppType = Literal["JupyterLab", "CodeEditor"]
HiddenAppType = Literal[
    "JupyterServer",
    "DetailedProfiler",
    "TensorBoard",
    "CodeEditor",
    "JupyterLab",
    "RStudioServerPro",
    "Canvas",
]


class ConfigError(Exception):
    """A config problem, reported as one line: ``<file>: <field path>: <what is wrong> (got <value>)``."""

    def __init__(self, path: str, message: str, value: Any = None, source: str | None = None) -> None:
        self.path = path
        self.message = message
        self.value = value
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        field = f"{self.path}: " if self.path else ""
        got = "" if self.value is None else f" (got {_show(self.value)})"
        return " ".join(f"{where}{field}{self.message}{got}".split())


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _known_region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError("not a known AWS region (for example eu-west-1)")
    return value


Region = Annotated[str, AfterValidator(_known_region)]

# Characters that break a template or a token: C0/C1 controls (but tab and newlines), lone surrogates, and the
# marker of an unresolved CDK token, which the CDK would try to resolve.
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\$\{Token\[")


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        bad = _BAD_TEXT.search(value)
        if bad:
            raise ValueError(f"contains a character or sequence not allowed in a template ({bad.group()!r})")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item)


def _unique_items(value: list[Any]) -> list[Any]:
    seen: dict[Any, int] = {}
    for i, item in enumerate(value):
        key = item.lower() if isinstance(item, str) else item
        if key in seen:
            raise ValueError(f"duplicate entry {item!r} at [{i}] (already at [{seen[key]}])")
        seen[key] = i
    return value


# Every stack (and so every resource) carries this tag with the platform prefix; the config adds up to 49 more.
PLATFORM_TAG = "sagemaker-platform"
MAX_TAGS = 49


def _tag_text(text: str) -> bool:
    """CloudFormation's tag character class: ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``."""
    return all(unicodedata.category(ch)[0] in "LZN" or ch in "_.:/=+-@" for ch in text)


class _Section(BaseModel):
    # strict: no coercion (a bool is not a number, "5" is not 5); no .inf/.nan: CloudFormation has neither.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        _check_text(value)
        return value


# --------------------------------------------------------------------------------------------------- platform
class PlatformSection(_Section):
    """Who and where: names every stack and resource, so two environments can share an account."""

    name: Annotated[str, Field(pattern=PLATFORM_NAME)] = "mlp"
    environment: Annotated[str, Field(pattern=ENVIRONMENT_NAME)] = "dev"
    account: Annotated[str | None, Field(pattern=ACCOUNT_ID)] = None
    region: Region | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    # User profiles are spread over this many UsersStacks by a stable hash of the user name, so adding or removing
    # a user never moves another one between stacks. Set it once, before the first deploy.
    user_stacks: Annotated[int, Field(ge=1, le=50)] = 1


    @property
    def prefix(self) -> str:
        return f"{self.name}-{self.environment}"


# --------------------------------------------------------------------------------------------------- network
class SubnetRef(_Section):
    """A subnet of an existing VPC, named by id and zone (never looked up)."""
    id: Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]
    availability_zone: Annotated[str, Field(pattern=AVAILABILITY_ZONE)]
    route_table_id: Annotated[str | None, Field(pattern=r"^rtb-[0-9a-f]{8,17}$")] = None


class NetworkSection(_Section):
    """A new VPC with isolated subnets, or an existing one named by ids (never looked up at synth)."""

    vpc_id: Annotated[str | None, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")] = None
    vpc_cidr: str = "10.40.0.0/16"
    subnets: list[SubnetRef] = Field(default_factory=list)
    max_azs: Annotated[int, Field(ge=2, le=6)] = 2
    # The zones of a new VPC, in the config's region. Required when platform.account and region are set (then the
    # CDK would otherwise look the zones up in the account); without them the stack is environment-agnostic.
    availability_zones: Annotated[
        list[Annotated[str, Field(pattern=AVAILABILITY_ZONE)]], Field(max_length=6), AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    create_endpoints: bool = True
    extra_interface_endpoints: Annotated[list[str], AfterValidator(_unique_items)] = Field(default_factory=list)

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"not an IPv4 CIDR block: {exc}") from None
        if not 16 <= net.prefixlen <= 22:
            raise ValueError("the VPC CIDR prefix must be between /16 and /22 (2-4 IP addresses per user)")
        return value

    @model_validator(mode="after")
    def _import_needs_subnets(self) -> NetworkSection:
        if self.vpc_id and self.availability_zones:
            raise ValueError("availability_zones is for a new VPC; an imported VPC's zones are its subnets' zones")
        if self.availability_zones and len(self.availability_zones) < 2:
            raise ValueError("availability_zones needs at least two zones")
        if self.availability_zones and "max_azs" in self.model_fields_set and self.max_azs != len(
            self.availability_zones
        ):
            raise ValueError("set either max_azs or availability_zones (the zones give the count)")
        if self.vpc_id and len(self.subnets) < 2:
            raise ValueError("an imported VPC needs at least two subnets (network.subnets) in different zones")
        if self.subnets and not self.vpc_id:
            raise ValueError("network.subnets is only for an imported VPC: set network.vpc_id too")
        if self.subnets and len({s.availability_zone for s in self.subnets}) < 2:
            raise ValueError("network.subnets must span at least two availability zones")
        return self

    @property
    def imported(self) -> bool:
        return self.vpc_id is not None

    @property
    def zone_count(self) -> int:
        """How many zones a new VPC spans."""
        return len(self.availability_zones) or self.max_azs


# --------------------------------------------------------------------------------------------------- domain
# The bounds also go into the JSON schema (editors check them); the order of the three is checked by the rule.
IdleMinutes = Annotated[int, Field(ge=idle_rules.IDLE_MINUTES_MIN, le=idle_rules.IDLE_MINUTES_MAX)]


class IdleShutdownSection(_Section):
    """Built-in idle shutdown (AppLifecycleManagement.IdleSettings) for JupyterLab and Code Editor."""

    enabled: bool = True
    idle_timeout_minutes: IdleMinutes = idle_rules.DEFAULT_IDLE_TIMEOUT_MINUTES
    min_idle_timeout_minutes: IdleMinutes = idle_rules.DEFAULT_MIN_IDLE_TIMEOUT_MINUTES
    max_idle_timeout_minutes: IdleMinutes = idle_rules.DEFAULT_MAX_IDLE_TIMEOUT_MINUTES


class StorageSection(_Section):
    default_ebs_gb: Annotated[int, Field(ge=5, le=16384)] = 5
    max_ebs_gb: Annotated[int, Field(ge=5, le=16384)] = 100

    @model_validator(mode="after")
    def _ordered(self) -> StorageSection:
        if self.default_ebs_gb > self.max_ebs_gb:
            raise ValueError("default_ebs_gb must not exceed max_ebs_gb")
        return self


class LifecycleConfigSection(_Section):
    """A lifecycle-configuration script: a file next to the config, or one shipped in the package."""

    name: Annotated[str, Field(pattern=rules.LIFECYCLE_CONFIG_NAME.pattern)]
    app_type: StudioAppType
    script: str | None = None
    builtin: str | None = None
    default: bool = False

    # The script's text, read by the loader (:func:`parse_config`) so that stacks never read files.
    _text: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_source(self) -> LifecycleConfigSection:
        if (self.script is None) == (self.builtin is None):
            raise ValueError("set exactly one of script (a file path) or builtin (a packaged script name)")
        return self

    @property
    def script_text(self) -> str:
        """The script itself (the file or the packaged script), as the loader read it."""
        if self._text is None:
            raise ValueError(f"lifecycle config {self.name}: its script was not read; load configs with load_config "
                             "or parse_config")
        return self._text


_ANALYST: Persona = "business_analyst"


class CanvasSection(_Section):
    """SageMaker Canvas: the persona, its bucket rules, its VPC endpoints and its settings custom resource."""

    enabled: bool = False
    time_series_forecasting: bool = True
    model_registry: bool = True
    direct_deploy: bool = True
    generative_ai: bool = False
    local_upload: bool = True
    kendra_index_ids: Annotated[
        list[Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9-]{35}$")]], AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    idle_shutdown_minutes: Annotated[int | None, Field(ge=60, le=1440)] = 120
    # Personas whose role opens Canvas (business_analyst always does); users[].canvas adds a user's persona.
    personas: Annotated[list[Persona], AfterValidator(_unique_items)] = Field(default_factory=lambda: [_ANALYST])


# Patterns from the registry schemas, shared with the constructs (rules.identity_center, rules.file_systems).
IDENTITY_STORE_ID = identity_rules.PRINCIPAL_ID.pattern
FILE_SYSTEM_ID = file_system_rules.FILE_SYSTEM_ID.pattern
FILE_SYSTEM_PATH = file_system_rules.FILE_SYSTEM_PATH.pattern
SECURITY_GROUP_ID = file_system_rules.SECURITY_GROUP_ID.pattern


class IdentityCenterGroupSection(_Section):
    """An IAM Identity Center group let into the SSO domain. Its members listed under ``users`` (with
    ``identity_center_group``) get its persona; members without a profile get the domain's default role."""

    name: Annotated[str, Field(pattern=RESOURCE_NAME)]
    id: Annotated[str, Field(pattern=IDENTITY_STORE_ID)]
    persona: Persona = "data_scientist"


class IdentityCenterUserSection(_Section):
    """An IAM Identity Center user let into the SSO domain directly (not through a group)."""

    id: Annotated[str, Field(pattern=IDENTITY_STORE_ID)]


class IdentityCenterSection(_Section):
    """Application assignments on the domain's IAM Identity Center application (``auth_mode: SSO`` only)."""

    groups: list[IdentityCenterGroupSection] = Field(default_factory=list)
    users: list[IdentityCenterUserSection] = Field(default_factory=list)


class FileSystemSection(_Section):
    """An existing EFS or FSx for Lustre file system mounted in every user's and shared space."""

    type: Literal["efs", "fsx_lustre"]
    id: Annotated[str, Field(pattern=FILE_SYSTEM_ID)]
    path: Annotated[str, Field(pattern=FILE_SYSTEM_PATH)] = "/"
    # The group of its mount targets (EFS) or network interfaces (FSx): it gets ingress from the Studio apps.
    security_group_id: Annotated[str | None, Field(pattern=SECURITY_GROUP_ID)] = None


class PosixUserSection(_Section):
    """The POSIX identity Studio apps use on custom file systems; set before the first deploy, never changed."""

    uid: Annotated[
        int, Field(ge=file_system_rules.UID_RANGE[0], le=file_system_rules.UID_RANGE[1])
    ] = file_system_rules.DEFAULT_UID
    gid: Annotated[
        int, Field(ge=file_system_rules.GID_RANGE[0], le=file_system_rules.GID_RANGE[1])
    ] = file_system_rules.DEFAULT_GID


# --------------------------------------------------------------------------------------------------- portal
# StudioWebPortalSettings.HiddenMlTools: the schema's MlTools enum (tests compare it with the schemas).
MlTool = Literal[
    "DataWrangler", "FeatureStore", "EmrClusters", "AutoMl", "Experiments", "Training", "ModelEvaluation",
    "Pipelines", "Models", "JumpStart", "InferenceRecommender", "Endpoints", "Projects", "InferenceOptimization",
    "HyperPodClusters", "Comet", "DeepchecksLLMEvaluation", "Fiddler", "LakeraGuard", "PerformanceEvaluation",
]
StudioInstanceType = Annotated[str, AfterValidator(config_validator("STUDIO_INSTANCE_TYPES"))]
# A SageMaker Distribution version as the portal hides it (major.minor).
VersionAlias = Annotated[str, Field(pattern=image_rules.VERSION_ALIAS.pattern)]
SAGEMAKER_IMAGE_ARN = image_rules.IMAGE_ARN.pattern
SAGEMAKER_IMAGE_VERSION_ARN = image_rules.IMAGE_VERSION_ARN.pattern
CUSTOM_IMAGE_NAME = image_rules.IMAGE_NAME.pattern
ECR_IMAGE_URI = image_rules.ECR_IMAGE_URI_PATTERN


class PortalSection(_Section):
    """More for the Studio web portal to hide from everyone (apps and instance types: domain.hidden_app_types and
    domain.hidden_instance_types)."""

    hidden_ml_tools: Annotated[list[MlTool], AfterValidator(_unique_items)] = Field(default_factory=list)
    hidden_image_version_aliases: Annotated[
        list[VersionAlias], Field(max_length=image_rules.MAX_HIDDEN_ALIASES), AfterValidator(_unique_items)
    ] = Field(default_factory=list)


class PersonaPortalSection(PortalSection):
    """What the portal hides from one persona's users, on top of what it hides from everyone."""

    hidden_app_types: Annotated[list[HiddenAppType], AfterValidator(_unique_items)] = Field(default_factory=list)
    hidden_instance_types: Annotated[list[StudioInstanceType], AfterValidator(_unique_items)] = Field(
        default_factory=list
    )


class AppDefaultsSection(_Section):
    """The image and instance type an app starts with (DefaultResourceSpec): a SageMaker image ARN, or the name of
    one of domain.custom_images."""

    instance_type: StudioInstanceType | None = None
    image_arn: Annotated[str | None, Field(pattern=SAGEMAKER_IMAGE_ARN)] = None
    image_version_arn: Annotated[str | None, Field(pattern=SAGEMAKER_IMAGE_VERSION_ARN)] = None
    custom_image: Annotated[str | None, Field(pattern=CUSTOM_IMAGE_NAME)] = None

    @model_validator(mode="after")
    def _one_image(self) -> AppDefaultsSection:
        if self.custom_image is not None and (self.image_arn or self.image_version_arn):
            raise ValueError("set either custom_image or image_arn/image_version_arn")
        return self


class DefaultAppsSection(_Section):
    jupyter_lab: AppDefaultsSection | None = None
    code_editor: AppDefaultsSection | None = None


class PersonaStudioSection(_Section):
    """Studio settings of one persona's user profiles."""

    portal: PersonaPortalSection = Field(default_factory=PersonaPortalSection)
    default_apps: DefaultAppsSection = Field(default_factory=DefaultAppsSection)


class CustomImageSection(_Section):
    """A custom image (an ECR image) for JupyterLab, Code Editor or Studio Classic (KernelGateway) apps."""

    name: Annotated[str, Field(pattern=CUSTOM_IMAGE_NAME)]
    app_type: Literal["JupyterLab", "CodeEditor", "KernelGateway"]
    image_uri: Annotated[str, Field(pattern=ECR_IMAGE_URI)]
    uid: Annotated[int | None, Field(ge=0, le=65535)] = None
    gid: Annotated[int | None, Field(ge=0, le=65535)] = None
    port: Annotated[int | None, Field(ge=1, le=65535)] = None
    base_url: Annotated[str | None, Field(min_length=1, max_length=64)] = None
    kernel_name: Annotated[str, Field(min_length=1, max_length=1024)] = "python3"
    kernel_display_name: Annotated[str | None, Field(min_length=1, max_length=1024)] = None
    display_name: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9 _-]{1,128}$")] = None
    description: Annotated[str | None, Field(min_length=1, max_length=512)] = None
    # Personas whose profiles list the image; empty: the domain (every user, and JupyterLab images in new spaces).
    personas: Annotated[list[Persona], AfterValidator(_unique_items)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _contract(self) -> CustomImageSection:
        try:
            image_rules.check_image_contract(
                self.app_type, uid=self.uid, gid=self.gid, port=self.port, base_url=self.base_url
            )
        except RuleError as exc:
            raise ValueError(f"{exc.field}: {exc.problem}, not {exc.value}") from None
        return self


class DomainSection(_Section):
    name: Annotated[str | None, Field(pattern=RESOURCE_NAME)] = None
    auth_mode: Literal["IAM", "SSO"] = "IAM"
    app_network_access_type: Literal["VpcOnly", "PublicInternetOnly"] = "VpcOnly"
    default_experience: Literal["studio", "classic"] = "studio"
    idle_shutdown: IdleShutdownSection = Field(default_factory=IdleShutdownSection)
    storage: StorageSection = Field(default_factory=StorageSection)
    hidden_app_types: Annotated[list[HiddenAppType], AfterValidator(_unique_items)] = Field(default_factory=list)
    hidden_instance_types: Annotated[
        list[Annotated[str, AfterValidator(config_validator("STUDIO_INSTANCE_TYPES"))]], AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    docker_access: bool = False
    vpc_only_trusted_accounts: Annotated[
        list[Annotated[str, Field(pattern=ACCOUNT_ID)]], AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    # Accounts (besides this one) whose ECR images the execution roles may pull: AWS's Deep Learning Containers
    # and built-in algorithm images by default.
    ecr_pull_accounts: list[Annotated[str, Field(pattern=ACCOUNT_ID)]] = Field(
        default_factory=lambda: ["763104351884"]
    )
    notebook_sharing: bool = True
    lifecycle_configs: list[LifecycleConfigSection] = Field(default_factory=list)
    canvas: CanvasSection = Field(default_factory=CanvasSection)
    projects: bool = False
    identity_center: IdentityCenterSection | None = None
    file_systems: Annotated[list[FileSystemSection], Field(max_length=2)] = Field(default_factory=list)
    posix_user: PosixUserSection | None = None
    portal: PortalSection = Field(default_factory=PortalSection)
    default_apps: DefaultAppsSection = Field(default_factory=DefaultAppsSection)
    personas: dict[Persona, PersonaStudioSection] = Field(default_factory=dict)
    custom_images: list[CustomImageSection] = Field(default_factory=list)
    # Spaces may set remote_access (local IDE connections) only when this allows it.
    remote_access: bool = False

    @model_validator(mode="after")
    def _checks(self) -> DomainSection:
        if self.docker_access and self.app_network_access_type != "VpcOnly":
            raise ValueError("docker_access is only supported for VpcOnly domains")
        return self


# --------------------------------------------------------------------------------------------------- users
class SpaceSection(_Section):
    name: Annotated[str, Field(pattern=SPACE_NAME)]
    app_type: SpaceAppType = "JupyterLab"
    ebs_gb: Annotated[int | None, Field(ge=5, le=16384)] = None
    # Every lifecycle config in domain.lifecycle_configs is attached at domain level, so a space only picks a default.
    default_lifecycle_config: str | None = None
    display_name: Annotated[str | None, Field(max_length=64)] = None
    remote_access: bool = False


class UserSection(_Section):
    name: Annotated[str, Field(pattern=RESOURCE_NAME)]
    persona: Persona = "data_scientist"
    sso_user_name: Annotated[str | None, Field(min_length=1, max_length=128)] = None
    lifecycle_configs: Annotated[list[str], AfterValidator(_unique_items)] = Field(default_factory=list)
    private_spaces: list[SpaceSection] = Field(default_factory=list)
    # Canvas for this user: their persona's role gets the Canvas policies (a role is shared by its persona's users).
    canvas: bool = False
    # The domain.identity_center.groups entry this user belongs to: the persona defaults to the group's.
    identity_center_group: str | None = None


class TeardownSection(_Section):
    """What happens on stack deletion or user removal; everything destructive is opt-in."""

    delete_private_space_data: bool = False
    home_efs: Literal["retain", "delete"] = "retain"
    timeout_minutes: Annotated[int, Field(ge=10, le=120)] = 60


class BucketsSection(_Section):
    """Buckets the stack does not own (e.g. ``sagemaker-<region>-<account>``) that get our CORS rules merged in."""

    merge_cors_into: Annotated[
        list[Annotated[str, Field(pattern=BUCKET_NAME)]], AfterValidator(_unique_items)
    ] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------- hosting
class ModelSection(_Section):
    image: str | None = None
    model_data_url: Annotated[str | None, Field(pattern=r"^s3://")] = None
    model_package_arn: Annotated[str | None, Field(pattern=r"^arn:aws[a-z-]*:sagemaker:")] = None
    # The bucket holding a model package's artifacts (its URL is only known to the registry).
    artifact_bucket: Annotated[str | None, Field(pattern=BUCKET_NAME)] = None
    # The customer-managed key the artifact is encrypted with: the model's role gets kms:Decrypt on it.
    artifact_key_arn: Annotated[
        str | None, Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$")
    ] = None
    environment: dict[str, str] = Field(default_factory=dict)
    network_isolation: bool = False
    vpc: bool = False

    @model_validator(mode="after")
    def _source(self) -> ModelSection:
        if (self.image is None) == (self.model_package_arn is None):
            raise ValueError("set exactly one of image (with model_data_url) or model_package_arn")
        return self


class VariantSection(_Section):
    variant_name: Annotated[str, Field(pattern=RESOURCE_NAME)] = "AllTraffic"
    instance_type: Annotated[str, AfterValidator(config_validator("HOSTING_INSTANCE_TYPES"))] = "ml.m5.large"
    initial_instance_count: Annotated[int, Field(ge=1, le=MAX_CAPACITY)] = 1
    initial_weight: Annotated[float, Field(gt=0, le=1)] = 1.0
    volume_size_gb: Annotated[int | None, Field(ge=1, le=512)] = None
    model_data_download_timeout_seconds: Annotated[int | None, Field(ge=60, le=3600)] = None
    container_startup_health_check_timeout_seconds: Annotated[int | None, Field(ge=60, le=3600)] = None


class CustomMetricSection(_Section):
    """A CloudWatch metric to track in addition to invocations per instance (e.g. GPU utilization)."""

    namespace: Annotated[str, Field(min_length=1, max_length=255)]
    metric_name: Annotated[str, Field(min_length=1, max_length=255)]
    target: Annotated[float, Field(gt=0, le=1e9)]
    statistic: Literal["Average", "Minimum", "Maximum", "Sum", "SampleCount"] = "Average"
    dimensions: dict[str, str] = Field(default_factory=dict)


class ScheduledActionSection(_Section):
    name: Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{1,64}$")]
    schedule: Annotated[str, AfterValidator(check_schedule)]
    min_capacity: Annotated[int | None, Field(ge=0, le=MAX_CAPACITY)] = None
    max_capacity: Annotated[int | None, Field(ge=1, le=MAX_CAPACITY)] = None


class AutoscalingSection(_Section):
    min_capacity: Annotated[int, Field(ge=0, le=MAX_CAPACITY)] = 1
    max_capacity: Annotated[int, Field(ge=1, le=MAX_CAPACITY)] = 2
    target_invocations_per_instance: Annotated[float | None, Field(gt=0, le=1e9)] = None
    target_backlog_per_instance: Annotated[float | None, Field(gt=0, le=1e9)] = None
    custom_metric: CustomMetricSection | None = None
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=MAX_COOLDOWN_SECONDS)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=MAX_COOLDOWN_SECONDS)] = 300
    scheduled: list[ScheduledActionSection] = Field(default_factory=list)


class ServerlessSection(_Section):
    memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144] = 2048
    max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5
    provisioned_concurrency: Annotated[int | None, Field(ge=1, le=200)] = None


class AsyncSection(_Section):
    output_prefix: Annotated[str, Field(pattern=rules.S3_PREFIX.pattern)] = "async-output"
    max_concurrent_invocations_per_instance: Annotated[int | None, Field(ge=1, le=1000)] = None
    notifications: bool = True


class DataCaptureSection(_Section):
    enabled: bool = False
    sampling_percentage: Annotated[int, Field(ge=0, le=100)] = 20
    capture: Annotated[list[Literal["Input", "Output"]], Field(min_length=1, max_length=2)] = ["Input", "Output"]

    @property
    def capture_input(self) -> bool:
        return "Input" in self.capture

    @property
    def capture_output(self) -> bool:
        return "Output" in self.capture


class DeploymentSection(_Section):
    strategy: Literal["all_at_once", "canary", "linear", "rolling"] = "all_at_once"
    canary_percent: Annotated[int, Field(ge=1, le=50)] = 10
    linear_step_percent: Annotated[int, Field(ge=10, le=50)] = 20
    rolling_batch_percent: Annotated[int, Field(ge=5, le=50)] = 25
    wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    termination_wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    max_execution_timeout_seconds: Annotated[int, Field(ge=600, le=28800)] = 3600
    rollback_alarms: bool = True


class AlarmsSection(_Section):
    """Thresholds of the alarms every endpoint gets (and that roll a guarded deployment back)."""

    errors_5xx: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    model_latency_ms: Annotated[int, Field(ge=1, le=3_600_000)] = 2000
    evaluation_periods: Annotated[int, Field(ge=1, le=60)] = 2


class _MonitoringJobSection(_Section):
    """What both monitoring jobs share; the schedule, instance type and runtime are checked in _check_monitoring."""

    schedule: Annotated[str, Field(min_length=1, max_length=256)] = "hourly"
    instance_type: str = "ml.m5.xlarge"
    instance_count: Annotated[int, Field(ge=1, le=monitoring_rules.MAX_INSTANCE_COUNT)] = 1
    volume_size_gb: Annotated[int, Field(ge=1, le=monitoring_rules.MAX_VOLUME_GB)] = 20
    max_runtime_seconds: Annotated[int, Field(ge=1, le=monitoring_rules.MAX_RUNTIME_SECONDS)] = 3600
    baseline_constraints_uri: Annotated[str | None, Field(pattern=r"^s3://", max_length=1024)] = None


class DataQualitySection(_MonitoringJobSection):
    enabled: bool = True
    baseline_statistics_uri: Annotated[str | None, Field(pattern=r"^s3://", max_length=1024)] = None


class ModelQualitySection(_MonitoringJobSection):
    problem_type: monitoring_rules.ProblemType
    ground_truth_s3_uri: Annotated[str, Field(pattern=r"^s3://", max_length=512)]
    inference_attribute: Annotated[str | None, Field(min_length=1, max_length=256)] = None
    probability_attribute: Annotated[str | None, Field(min_length=1, max_length=256)] = None
    probability_threshold_attribute: Annotated[float | None, Field(ge=0, le=1)] = None
    start_time_offset: Annotated[str | None, Field(pattern=monitoring_rules.TIME_OFFSET.pattern)] = None
    end_time_offset: Annotated[str | None, Field(pattern=monitoring_rules.TIME_OFFSET.pattern)] = None


class MonitoringSection(_Section):
    """Model Monitor schedules over the endpoint's captured data (a real-time endpoint with data capture)."""

    data_quality: DataQualitySection = Field(default_factory=DataQualitySection)
    model_quality: ModelQualitySection | None = None

    @property
    def active(self) -> bool:
        return self.data_quality.enabled or self.model_quality is not None


def _check_monitoring(ep: EndpointSection, path: str, region: str | None) -> None:
    """Monitoring needs a real-time endpoint that captures data, and the analyzer image in the region."""
    mon = ep.monitoring
    if mon is None or not mon.active:
        return
    where = f"{path}.monitoring"
    if ep.kind != "realtime":
        raise ConfigError(where, f"Model Monitor schedules here watch real-time endpoints only, not {ep.kind}",
                          ep.kind)
    if not ep.data_capture.enabled:
        raise ConfigError(where, f"needs {path}.data_capture.enabled: true (monitoring reads the captured data)",
                          ep.data_capture.enabled)
    if mon.data_quality.enabled and "Input" not in ep.data_capture.capture:
        raise ConfigError(f"{where}.data_quality", f"needs Input in {path}.data_capture.capture",
                          ep.data_capture.capture)
    if mon.model_quality is not None and "Output" not in ep.data_capture.capture:
        raise ConfigError(f"{where}.model_quality", f"needs Output in {path}.data_capture.capture",
                          ep.data_capture.capture)
    if region is not None and region not in monitoring_rules.ANALYZER_ACCOUNTS:
        raise ConfigError(where, "Model Monitor's analyzer image is not published in platform.region (it is in "
                          f"{', '.join(sorted(monitoring_rules.ANALYZER_ACCOUNTS))})", region)
    try:
        if mon.data_quality.enabled:
            name = "data_quality"
            monitoring_rules.check_data_quality(mon.data_quality)
        if mon.model_quality is not None:
            name = "model_quality"
            monitoring_rules.check_model_quality(mon.model_quality)
    except RuleError as exc:
        raise ConfigError(f"{where}.{name}.{exc.field}", exc.problem, exc.value) from None


class EndpointSection(_Section):
    name: Annotated[str, Field(pattern=RESOURCE_NAME)]
    kind: Literal["realtime", "serverless", "async"] = "realtime"
    model: ModelSection
    variants: list[VariantSection] = Field(default_factory=lambda: [VariantSection()])
    serverless: ServerlessSection | None = None
    async_inference: AsyncSection | None = None
    autoscaling: AutoscalingSection | None = None
    data_capture: DataCaptureSection = Field(default_factory=DataCaptureSection)
    # None: all-at-once blue/green with rollback alarms for real-time and async, nothing for serverless.
    deployment: DeploymentSection | None = None
    alarms: AlarmsSection = Field(default_factory=AlarmsSection)
    dashboard: bool = False
    monitoring: MonitoringSection | None = None


# --------------------------------------------------------------------------------------------------- governance
class ModelPackageGroupSection(_Section):
    name: Annotated[str, Field(pattern=RESOURCE_NAME)]
    description: Annotated[str | None, Field(max_length=1024)] = None
    cross_account_ids: Annotated[
        list[Annotated[str, Field(pattern=ACCOUNT_ID)]], AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    approval_notifications: bool = False


class TrainingMetricSection(_Section):
    name: Annotated[str, Field(min_length=1, max_length=card_rules.MAX_NAME)]
    value: float
    notes: Annotated[str | None, Field(max_length=card_rules.MAX_NOTES)] = None


class MetricSection(_Section):
    """One metric; ``value``'s shape follows ``type`` (rules/model_card.py)."""

    name: Annotated[str, Field(min_length=1, max_length=card_rules.MAX_NAME)]
    type: Literal["number", "string", "boolean", "linear_graph", "bar_chart", "matrix"]
    value: Any
    notes: Annotated[str | None, Field(max_length=card_rules.MAX_NOTES)] = None
    x_axis_name: str | list[str] | None = None
    y_axis_name: str | list[str] | None = None

    @model_validator(mode="after")
    def _shape(self) -> MetricSection:
        problem = card_rules.value_problem(self.type, self.value)
        problem = problem or card_rules.axis_problem(self.type, "x", self.x_axis_name)
        problem = problem or card_rules.axis_problem(self.type, "y", self.y_axis_name)
        if problem:
            raise ValueError(problem)
        return self


class MetricGroupSection(_Section):
    name: Annotated[str, Field(min_length=1, max_length=card_rules.MAX_GROUP_NAME)]
    metrics: Annotated[list[MetricSection], Field(min_length=1)]


class EvaluationSection(_Section):
    name: Annotated[str, Field(min_length=1, max_length=card_rules.MAX_GROUP_NAME)]
    observation: Annotated[str | None, Field(max_length=2096)] = None
    job_arn: Annotated[str | None, Field(max_length=256)] = None
    datasets: Annotated[list[Annotated[str, Field(max_length=1024)]], Field(max_length=10)] = Field(
        default_factory=list
    )
    metric_groups: list[MetricGroupSection] = Field(default_factory=list)


class ModelPackageLinkSection(_Section):
    """The registry version a card documents: a group of ``governance.model_package_groups`` and its version."""

    group: Annotated[str, Field(pattern=RESOURCE_NAME)]
    version: Annotated[int, Field(ge=1)]
    approval_status: Literal["Approved", "Rejected", "PendingManualApproval"] | None = None
    approval_description: Annotated[str | None, Field(max_length=1024)] = None


class ModelCardSection(_Section):
    name: Annotated[str, Field(pattern=RESOURCE_NAME)]
    status: Literal["Draft", "PendingReview", "Approved", "Archived"] = "Draft"
    risk_rating: Literal["High", "Medium", "Low", "Unknown"] = "Unknown"
    description: Annotated[str | None, Field(max_length=1024)] = None
    # Intended uses: every field of the card schema's IntendedUses.
    purpose_of_model: Annotated[str | None, Field(max_length=2048)] = None
    intended_uses: Annotated[str | None, Field(max_length=2048)] = None
    factors_affecting_model_efficiency: Annotated[str | None, Field(max_length=2048)] = None
    explanations_for_risk_rating: Annotated[str | None, Field(max_length=2048)] = None
    business_problem: Annotated[str | None, Field(max_length=2048)] = None
    business_stakeholders: Annotated[str | None, Field(max_length=2048)] = None
    line_of_business: Annotated[str | None, Field(max_length=2048)] = None
    training_details: Annotated[str | None, Field(max_length=1024)] = None
    training_metrics: Annotated[list[TrainingMetricSection], Field(max_length=card_rules.MAX_TRAINING_METRICS)] = (
        Field(default_factory=list)
    )
    evaluation_details: Annotated[str | None, Field(max_length=1024)] = None
    evaluations: list[EvaluationSection] = Field(default_factory=list)
    custom_details: dict[str, Annotated[str, Field(max_length=1024)]] = Field(default_factory=dict)
    model_package: ModelPackageLinkSection | None = None
    # The card's KMS key (fixed at creation); default: the governance stack's platform key.
    kms_key_arn: Annotated[
        str | None, Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$")
    ] = None
    # While Approved, each version is exported to PDF in the platform bucket (model-cards/<card>/<version>/).
    export_pdf: bool = True
    share_with: Annotated[
        list[Annotated[str, Field(pattern=ACCOUNT_ID)]], AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    share_allows_export: bool = False

    @field_validator("custom_details")
    @classmethod
    def _custom_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not rules.CUSTOM_DETAIL_KEY.accepts(key):
                raise ValueError(f"custom_details keys are {rules.CUSTOM_DETAIL_KEY.hint} (got {key!r})")
        return value


class GovernanceSection(_Section):
    model_package_groups: list[ModelPackageGroupSection] = Field(default_factory=list)
    model_cards: list[ModelCardSection] = Field(default_factory=list)
    collaboration: bool = True


# --------------------------------------------------------------------------------------------------- hubs
HUB_NAME_MAX = 52  # the deployed hub name adds "-" and a 10-character digest of its storage (63 in all)
CONTENT_VERSION = r"^[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}$"
HubKeyword = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^A-Z]*$")]
ROLE_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"


class HubContentSection(_Section):
    """One entry of a hub: a public JumpStart model by ``model_id`` (a reference), or an imported ``Model`` or
    ``Notebook`` (``type``, ``name``, ``version`` and its ``document``, or a notebook's ``s3_uri``)."""

    model_id: Annotated[str | None, Field(pattern=RESOURCE_NAME, max_length=64)] = None
    min_version: Annotated[str | None, Field(pattern=CONTENT_VERSION)] = None
    type: Literal["Model", "Notebook"] | None = None
    name: Annotated[str | None, Field(pattern=RESOURCE_NAME)] = None
    version: Annotated[str | None, Field(pattern=CONTENT_VERSION)] = None
    document: dict[str, Any] | None = None
    s3_uri: Annotated[str | None, Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$")] = None
    display_name: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    description: Annotated[str | None, Field(min_length=1, max_length=1023)] = None
    keywords: Annotated[list[HubKeyword], Field(max_length=50), AfterValidator(_unique_items)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _one_kind(self) -> HubContentSection:
        if (self.model_id is None) == (self.type is None):
            raise ValueError("set model_id (a public JumpStart model) or type (Model or Notebook, imported)")
        if self.model_id is not None:
            fields = ("version", "document", "s3_uri", "display_name", "description", "keywords")
            extra = [f for f in fields if getattr(self, f)]
            if extra:
                raise ValueError(f"a model reference takes model_id, name and min_version, not {extra[0]}")
            return self
        if self.min_version is not None:
            raise ValueError("min_version is for model references (model_id); an import has version")
        if self.name is None or self.version is None:
            raise ValueError(f"an imported {self.type} needs name and version")
        if (self.document is None) == (self.s3_uri is None):
            raise ValueError("set exactly one of document (the hub content document) or s3_uri (a notebook's file)")
        if self.s3_uri is not None and self.type != "Notebook":
            raise ValueError("s3_uri is a notebook's location; a Model needs its document")
        return self

    @property
    def content_name(self) -> str:
        """The content's name in the hub (a reference defaults to its model id)."""
        name = self.name or self.model_id
        assert name is not None  # the validator requires one
        return name


class HubSection(_Section):
    """A private hub: the organisation's shared models and notebooks, browsed in Studio's JumpStart."""

    name: Annotated[str, Field(pattern=RESOURCE_NAME, max_length=HUB_NAME_MAX)]
    description: Annotated[str, Field(min_length=1, max_length=1023)]
    display_name: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    keywords: Annotated[list[HubKeyword], Field(max_length=50), AfterValidator(_unique_items)] = Field(
        default_factory=list
    )
    # Who may import, reference and remove content: persona names and/or IAM role ARNs.
    curators: Annotated[list[str], AfterValidator(_unique_items)] = Field(default_factory=list)
    # Deny browsing the public JumpStart hub to every persona, so this catalogue is what users see.
    hide_public_hub: bool = False
    share_with_accounts: Annotated[
        list[Annotated[str, Field(pattern=ACCOUNT_ID)]], Field(max_length=100), AfterValidator(_unique_items)
    ] = Field(default_factory=list)
    content: list[HubContentSection] = Field(default_factory=list)

    @field_validator("curators")
    @classmethod
    def _curator(cls, value: list[str]) -> list[str]:
        personas = ("data_scientist", "ml_engineer", "business_analyst")
        for item in value:
            if item not in personas and not re.fullmatch(ROLE_ARN, item):
                raise ValueError(f"a curator is a persona ({', '.join(personas)}) or an IAM role ARN (got {item!r})")
        return value

    @property
    def curator_personas(self) -> list[str]:
        return [c for c in self.curators if not c.startswith("arn:")]

    @property
    def curator_roles(self) -> list[str]:
        return [c for c in self.curators if c.startswith("arn:")]


# --------------------------------------------------------------------------------------------------- pipeline
class PipelineSourceSection(_Section):
    kind: Literal["codestar", "codecommit"] = "codestar"
    repository: Annotated[str, Field(min_length=1)]
    branch: Annotated[str, Field(min_length=1)] = "main"
    connection_arn: Annotated[str | None, Field(pattern=r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):")] = (
        None
    )

    @model_validator(mode="after")
    def _connection(self) -> PipelineSourceSection:
        if self.kind == "codestar" and not self.connection_arn:
            raise ValueError("a codestar source needs connection_arn")
        return self


class PipelineEnvironmentSection(_Section):
    name: Annotated[str, Field(pattern=ENVIRONMENT_NAME)]
    account: Annotated[str, Field(pattern=ACCOUNT_ID)]
    region: Region
    config: Annotated[str, Field(min_length=1, max_length=1024)]
    manual_approval: bool = False

    # The environment's own config, loaded by the loader (:func:`parse_config`) so that stacks never read files.
    _loaded: Any = PrivateAttr(default=None)

    @property
    def loaded_config(self) -> PlatformConfig:
        """The environment's config file, loaded and checked against this stage (account, region)."""
        if self._loaded is None:
            raise ValueError(f"pipeline environment {self.name}: its config was not loaded; load configs with "
                             "load_config or parse_config")
        loaded: PlatformConfig = self._loaded
        return loaded


class PipelineSection(_Section):
    enabled: bool = False
    account: Annotated[str | None, Field(pattern=ACCOUNT_ID)] = None
    region: Region | None = None
    source: PipelineSourceSection | None = None
    environments: list[PipelineEnvironmentSection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> PipelineSection:
        if self.enabled and (self.source is None or not self.environments):
            raise ValueError("an enabled pipeline needs a source and at least one environment")
        return self


# --------------------------------------------------------------------------------------------------- compliance
class AcceptedFindingSection(_Section):
    """One compliance finding the platform team accepts for this environment, with the reason shown in reviews."""

    rule: str
    reason: Annotated[str, Field(min_length=1, max_length=1024)]

    @field_validator("rule")
    @classmethod
    def _known_pack(cls, value: str) -> str:
        packs = "|".join(re.escape(p) for p in COMPLIANCE_PACKS)
        if not re.fullmatch(rf"({packs})-[A-Za-z0-9]+(\[[^\]]+\])?", value):
            raise ValueError(f"a rule id is <pack>-<rule> with a pack of {', '.join(COMPLIANCE_PACKS)}")
        return value

    @field_validator("reason")
    @classmethod
    def _says_something(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the reason the finding is accepted")
        return value


class ComplianceSection(_Section):
    """Findings of the compliance packs accepted on purpose (each acknowledged on this config's stacks)."""

    accept: list[AcceptedFindingSection] = Field(default_factory=list)

    @field_validator("accept")
    @classmethod
    def _once(cls, value: list[AcceptedFindingSection]) -> list[AcceptedFindingSection]:
        _unique_items([a.rule for a in value])
        return value

    def accepts(self, rule: str) -> bool:
        return any(a.rule == rule for a in self.accept)


# --------------------------------------------------------------------------------------------------- mlflow
_MLFLOW_DEFAULT_PERSONAS: tuple[Persona, ...] = ("data_scientist", "ml_engineer")


class MlflowSection(_Section):
    """A managed MLflow tracking server in the StudioStack, and which personas log to it, read it and open its UI.

    A persona in none of the lists gets nothing (and an explicit deny); a reader is denied logging."""

    enabled: bool = False
    size: Literal["Small", "Medium", "Large"] = "Small"
    # Fixed once deployed (the server's schema cannot change it in place): a new version is a new server.
    mlflow_version: Annotated[
        str | None, Field(pattern=mlflow_rules.MLFLOW_VERSION.pattern, max_length=mlflow_rules.MAX_VERSION)
    ] = None
    # Day:HH:MM in UTC, as the server's schema gives it.
    weekly_maintenance_window: Annotated[str | None, Field(pattern=mlflow_rules.MAINTENANCE_WINDOW.pattern)] = None
    automatic_model_registration: bool = False
    loggers: Annotated[list[Persona], AfterValidator(_unique_items)] = Field(
        default_factory=lambda: list(_MLFLOW_DEFAULT_PERSONAS)
    )
    readers: Annotated[list[Persona], AfterValidator(_unique_items)] = Field(default_factory=list)
    presigned_url_personas: Annotated[list[Persona], AfterValidator(_unique_items)] = Field(
        default_factory=lambda: list(_MLFLOW_DEFAULT_PERSONAS)
    )

    def access(self, persona: str) -> str | None:
        """``log``, ``read`` or None for a persona."""
        return "log" if persona in self.loggers else "read" if persona in self.readers else None


def _check_mlflow(cfg: PlatformConfig) -> None:
    """Listed personas that have a role (defaults name only those that do), and no persona both logger and
    reader."""
    section = cfg.mlflow
    if not section.enabled:
        return
    in_use = cfg.personas_in_use()
    for field in ("loggers", "readers", "presigned_url_personas"):
        if field not in section.model_fields_set:
            continue
        for i, persona in enumerate(getattr(section, field)):
            if persona not in in_use:
                raise ConfigError(f"mlflow.{field}[{i}]", "no user has this persona, so it has no role", persona)
    for i, persona in enumerate(section.readers):
        if persona in section.loggers:
            raise ConfigError(
                f"mlflow.readers[{i}]", "already in mlflow.loggers (loggers read too); list it once", persona
            )
    if "presigned_url_personas" in section.model_fields_set:
        for i, persona in enumerate(section.presigned_url_personas):
            if section.access(persona) is None:
                raise ConfigError(
                    f"mlflow.presigned_url_personas[{i}]",
                    "not in mlflow.loggers or mlflow.readers, so the MLflow UI would show it nothing",
                    persona,
                )


# --------------------------------------------------------------------------------------------------- root
class PlatformConfig(_Section):
    """The whole platform, as one environment's YAML file describes it."""

    platform: PlatformSection = Field(default_factory=PlatformSection)
    network: NetworkSection = Field(default_factory=NetworkSection)
    domain: DomainSection = Field(default_factory=DomainSection)
    users: list[UserSection] = Field(default_factory=list)
    spaces: list[SpaceSection] = Field(default_factory=list)
    teardown: TeardownSection = Field(default_factory=TeardownSection)
    buckets: BucketsSection = Field(default_factory=BucketsSection)
    endpoints: list[EndpointSection] = Field(default_factory=list)
    governance: GovernanceSection = Field(default_factory=GovernanceSection)
    hubs: list[HubSection] = Field(default_factory=list)
    pipeline: PipelineSection = Field(default_factory=PipelineSection)
    compliance: ComplianceSection = Field(default_factory=ComplianceSection)
    mlflow: MlflowSection = Field(default_factory=MlflowSection)

    # Where the file came from: relative script paths resolve against it.
    source_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _group_personas(cls, data: Any) -> Any:
        """A user in an Identity Center group (``identity_center_group``) who names no persona gets the group's.
        Reads the raw mapping defensively: the sections are validated after this."""
        try:
            groups = {
                g["name"]: g["persona"]
                for g in data["domain"]["identity_center"]["groups"]
                if isinstance(g, dict) and isinstance(g.get("name"), str) and "persona" in g
            }
            users = data["users"]
        except (TypeError, KeyError):
            return data
        if not groups or not isinstance(users, list):
            return data
        filled = [
            {**u, "persona": groups[u["identity_center_group"]]}
            if isinstance(u, dict) and "persona" not in u and isinstance(u.get("identity_center_group"), str)
            and u["identity_center_group"] in groups
            else u
            for u in users
        ]
        return {**data, "users": filled}

    @property
    def domain_name(self) -> str:
        return self.domain.name or self.platform.prefix

    def personas_in_use(self) -> list[str]:
        used = {"data_scientist"} | {u.persona for u in self.users}
        if self.domain.canvas.enabled:
            used.add("business_analyst")
        return [p for p in ("data_scientist", "ml_engineer", "business_analyst") if p in used]

    def canvas_personas(self) -> list[str]:
        """Personas whose role opens Canvas: business_analyst, domain.canvas.personas and users with canvas."""
        if not self.domain.canvas.enabled:
            return []
        wanted = {"business_analyst", *self.domain.canvas.personas} | {u.persona for u in self.users if u.canvas}
        return [p for p in self.personas_in_use() if p in wanted]


def _check_references(cfg: PlatformConfig) -> None:
    """Rules that span sections; each raises one ConfigError naming the field."""
    _check_tags(cfg.platform.tags)
    idle = cfg.domain.idle_shutdown
    try:
        idle_rules.check_idle_shutdown(
            idle.idle_timeout_minutes, idle.min_idle_timeout_minutes, idle.max_idle_timeout_minutes
        )
    except RuleError as exc:
        raise ConfigError(f"domain.idle_shutdown.{exc.field}", exc.problem, exc.value) from None
    _check_network(cfg)
    lccs = {lc.name: lc for lc in cfg.domain.lifecycle_configs}
    seen: dict[str, str] = {}
    for i, lc in enumerate(cfg.domain.lifecycle_configs):
        _unique(seen, lc.name, f"domain.lifecycle_configs[{i}].name", "lifecycle config")
    defaults: dict[str, str] = {}
    for i, lc in enumerate(cfg.domain.lifecycle_configs):
        if lc.default:
            if lc.app_type in defaults:
                raise ConfigError(
                    f"domain.lifecycle_configs[{i}].default",
                    f"only one default lifecycle config per app type; {defaults[lc.app_type]!r} is already the "
                    f"{lc.app_type} default",
                    lc.name,
                )
            defaults[lc.app_type] = lc.name

    users: dict[str, str] = {}
    spaces: dict[str, str] = {}
    for i, user in enumerate(cfg.users):
        _unique(users, user.name.lower(), f"users[{i}].name", "user")
        if cfg.domain.auth_mode == "SSO" and not user.sso_user_name:
            raise ConfigError(f"users[{i}].sso_user_name", "required when domain.auth_mode is SSO", None)
        if cfg.domain.auth_mode == "IAM" and user.sso_user_name:
            raise ConfigError(
                f"users[{i}].sso_user_name", "only valid when domain.auth_mode is SSO", user.sso_user_name
            )
        if user.persona == "business_analyst" and not cfg.domain.canvas.enabled:
            raise ConfigError(f"users[{i}].persona", "business_analyst needs domain.canvas.enabled: true", user.persona)
        if user.canvas and not cfg.domain.canvas.enabled:
            raise ConfigError(f"users[{i}].canvas", "needs domain.canvas.enabled: true", user.canvas)
        for j, name in enumerate(user.lifecycle_configs):
            _known_lcc(lccs, name, f"users[{i}].lifecycle_configs[{j}]")
        for j, space in enumerate(user.private_spaces):
            _check_space(lccs, space, f"users[{i}].private_spaces[{j}]", cfg.domain.storage)
            _unique(spaces, space.name, f"users[{i}].private_spaces[{j}].name", "space")
    for i, space in enumerate(cfg.spaces):
        _check_space(lccs, space, f"spaces[{i}]", cfg.domain.storage)
        _unique(spaces, space.name, f"spaces[{i}].name", "space")

    _check_user_stacks(cfg)
    _check_identity_and_file_systems(cfg)
    _check_canvas(cfg)
    _check_hubs(cfg)
    _check_portal(cfg)
    _check_mlflow(cfg)
    for i, ep in enumerate(cfg.endpoints):
        _check_endpoint(ep, f"endpoints[{i}]")
        _check_monitoring(ep, f"endpoints[{i}]", cfg.platform.region)
    names: dict[str, str] = {}
    for i, ep in enumerate(cfg.endpoints):
        _unique(names, ep.name, f"endpoints[{i}].name", "endpoint")
    groups: dict[str, str] = {}
    for i, group in enumerate(cfg.governance.model_package_groups):
        _unique(groups, group.name, f"governance.model_package_groups[{i}].name", "model package group")
    cards: dict[str, str] = {}
    for i, card in enumerate(cfg.governance.model_cards):
        _unique(cards, card.name, f"governance.model_cards[{i}].name", "model card")
        if card.model_package is not None and card.model_package.group not in groups:
            raise ConfigError(
                f"governance.model_cards[{i}].model_package.group",
                f"not a group of governance.model_package_groups (known: {', '.join(sorted(groups)) or 'none'})",
                card.model_package.group,
            )
    stages: dict[str, str] = {}
    for i, env in enumerate(cfg.pipeline.environments):
        _unique(stages, env.name, f"pipeline.environments[{i}].name", "pipeline environment")
    if not cfg.pipeline.enabled:
        _check_accepted_options(cfg)


def _check_identity_and_file_systems(cfg: PlatformConfig) -> None:
    """Identity Center assignments only on an SSO domain, unique principals, users in known groups with the
    group's persona; file systems listed once."""
    ic = cfg.domain.identity_center
    if ic is not None and cfg.domain.auth_mode != "SSO":
        raise ConfigError("domain.identity_center", "only valid when domain.auth_mode is SSO", cfg.domain.auth_mode)
    groups: dict[str, IdentityCenterGroupSection] = {}
    names: dict[str, str] = {}
    ids: dict[str, str] = {}

    def unique_id(principal_id: str, path: str) -> None:
        if principal_id.lower() in ids:
            raise ConfigError(path, f"assigned twice; {ids[principal_id.lower()]} has the same id", principal_id)
        ids[principal_id.lower()] = path

    for i, group in enumerate(ic.groups if ic else []):
        _unique(names, group.name.lower(), f"domain.identity_center.groups[{i}].name", "group")
        groups[group.name.lower()] = group
        unique_id(group.id, f"domain.identity_center.groups[{i}].id")
        if group.persona == "business_analyst" and not cfg.domain.canvas.enabled:
            raise ConfigError(
                f"domain.identity_center.groups[{i}].persona", "business_analyst needs domain.canvas.enabled: true",
                group.persona,
            )
    for i, user in enumerate(ic.users if ic else []):
        unique_id(user.id, f"domain.identity_center.users[{i}].id")
    for i, member in enumerate(cfg.users):
        if member.identity_center_group is None:
            continue
        known = groups.get(member.identity_center_group.lower())
        if known is None:
            raise ConfigError(
                f"users[{i}].identity_center_group",
                f"not a name in domain.identity_center.groups (known: {', '.join(sorted(groups)) or 'none'})",
                member.identity_center_group,
            )
        if member.persona != known.persona:
            raise ConfigError(
                f"users[{i}].persona",
                f"differs from the persona of identity center group {known.name!r} ({known.persona}); leave it out "
                "to use the group's",
                member.persona,
            )
    seen: dict[str, int] = {}
    for i, fs in enumerate(cfg.domain.file_systems):
        if fs.id in seen:
            raise ConfigError(f"domain.file_systems[{i}].id", f"listed twice (also at [{seen[fs.id]}])", fs.id)
        seen[fs.id] = i


def _check_canvas(cfg: PlatformConfig) -> None:
    """Canvas personas that have a role, and Canvas-Studio collaboration with the Studio Classic app it needs."""
    canvas, in_use = cfg.domain.canvas, cfg.personas_in_use()
    if not canvas.enabled:
        return
    for i, persona in enumerate(canvas.personas):
        if persona not in in_use:
            raise ConfigError(f"domain.canvas.personas[{i}]", "no user has this persona, so it has no role", persona)
    if cfg.governance.collaboration and "JupyterServer" in cfg.domain.hidden_app_types:
        raise ConfigError(
            "domain.hidden_app_types",
            "governance.collaboration shares Canvas models with Studio Classic, whose JupyterServer app this hides; "
            "remove JupyterServer here or set governance.collaboration: false",
            cfg.domain.hidden_app_types,
        )


def _check_hubs(cfg: PlatformConfig) -> None:
    """Unique hub and content names, and curator personas that have a role."""
    hubs: dict[str, str] = {}
    in_use = cfg.personas_in_use()
    for i, hub in enumerate(cfg.hubs):
        _unique(hubs, hub.name.lower(), f"hubs[{i}].name", "hub")
        for j, curator in enumerate(hub.curators):
            if not curator.startswith("arn:") and curator not in in_use:
                raise ConfigError(f"hubs[{i}].curators[{j}]", "no user has this persona, so it has no role", curator)
        contents: dict[str, str] = {}
        for j, item in enumerate(hub.content):
            _unique(contents, item.content_name.lower(), f"hubs[{i}].content[{j}].name", "hub content")


def _check_portal(cfg: PlatformConfig) -> None:
    """Persona settings and custom images for personas that have a role, unique image names, default apps that
    name an image their users get, images from registries the platform pulls from, and remote access allowed."""
    d, in_use = cfg.domain, cfg.personas_in_use()
    for name in d.personas:
        if name not in in_use:
            raise ConfigError(f"domain.personas.{name}", "no user has this persona, so it has no profiles", name)
    images: dict[str, CustomImageSection] = {}
    seen: dict[str, str] = {}
    for i, image in enumerate(d.custom_images):
        path = f"domain.custom_images[{i}]"
        _unique(seen, image.name, f"{path}.name", "custom image")
        images[image.name] = image
        for j, persona in enumerate(image.personas):
            if persona not in in_use:
                raise ConfigError(f"{path}.personas[{j}]", "no user has this persona, so it has no profiles", persona)
        account, region = image.image_uri.split(".")[0], image.image_uri.split(".")[3]
        trusted = [*([cfg.platform.account] if cfg.platform.account else []), *d.ecr_pull_accounts]
        if cfg.platform.account and account not in trusted:
            raise ConfigError(
                f"{path}.image_uri",
                "the image's account is neither platform.account nor in domain.ecr_pull_accounts",
                image.image_uri,
            )
        if cfg.platform.region and region != cfg.platform.region:
            raise ConfigError(f"{path}.image_uri", f"not in platform.region {cfg.platform.region}", image.image_uri)
    settings: list[tuple[str, DefaultAppsSection, str | None]] = [("domain.default_apps", d.default_apps, None)]
    settings += [(f"domain.personas.{p}.default_apps", s.default_apps, p) for p, s in d.personas.items()]
    for path, apps, who in settings:
        for key, app_type in (("jupyter_lab", "JupyterLab"), ("code_editor", "CodeEditor")):
            app: AppDefaultsSection | None = getattr(apps, key)
            if app is None or app.custom_image is None:
                continue
            where = f"{path}.{key}.custom_image"
            named = images.get(app.custom_image)
            if named is None:
                known = ", ".join(sorted(images)) or "none defined"
                raise ConfigError(where, f"unknown custom image (domain.custom_images has: {known})", app.custom_image)
            if named.app_type != app_type:
                raise ConfigError(where, f"the image is for {named.app_type} apps, not {app_type}", app.custom_image)
            if named.personas and who not in named.personas:
                whose = f"persona {who}" if who else "the domain (every user)"
                raise ConfigError(
                    where, f"the image is listed only for personas {', '.join(named.personas)}, not for {whose}",
                    app.custom_image,
                )
    spaces = [(f"spaces[{i}]", s) for i, s in enumerate(cfg.spaces)] + [
        (f"users[{i}].private_spaces[{j}]", s) for i, u in enumerate(cfg.users) for j, s in enumerate(u.private_spaces)
    ]
    for path, space in spaces:
        if space.remote_access and not d.remote_access:
            raise ConfigError(f"{path}.remote_access", "needs domain.remote_access: true", space.remote_access)


def _check_accepted_options(cfg: PlatformConfig) -> None:
    """An option our own rules flag synthesizes only with its finding accepted, so the choice is on record."""
    for path, rule, applies, shown in OPTION_FINDINGS:
        if applies(cfg) and not cfg.compliance.accepts(rule):
            raise ConfigError(
                path,
                f"fails compliance rule {rule}; to use it anyway, accept the finding: "
                f"compliance.accept: [{{rule: {rule}, reason: <why>}}]",
                shown(cfg),
            )


def _zone_region(zone: str, region: str | None, path: str) -> str:
    zone_region = zone[:-1]
    if zone_region not in AWS_REGIONS:
        raise ConfigError(path, "not an availability zone of a known AWS region (e.g. eu-west-1a)", zone)
    if region is not None and zone_region != region:
        raise ConfigError(path, f"not a zone of platform.region {region}", zone)
    return zone_region


def _check_network(cfg: PlatformConfig) -> None:
    """Zones in the config's region, a VPC CIDR that holds a subnet per zone, endpoints the platform does not add."""
    net, region = cfg.network, cfg.platform.region
    if net.availability_zones and region is None:
        raise ConfigError(
            "network.availability_zones", "zones belong to one region: set platform.region too", net.availability_zones
        )
    for i, zone in enumerate(net.availability_zones):
        _zone_region(zone, region, f"network.availability_zones[{i}]")
    regions: dict[str, str] = {}
    ids: dict[str, str] = {}
    for i, subnet in enumerate(net.subnets):
        path = f"network.subnets[{i}]"
        zone_region = _zone_region(subnet.availability_zone, region, f"{path}.availability_zone")
        if regions and zone_region not in regions:
            first = next(iter(regions.values()))
            raise ConfigError(f"{path}.availability_zone", f"not in the region of {first}", subnet.availability_zone)
        regions.setdefault(zone_region, f"{path}.availability_zone")
        _unique(ids, subnet.id, f"{path}.id", "subnet")
    if not net.imported:
        cidr = ipaddress.IPv4Network(net.vpc_cidr)
        zones = net.zone_count
        fits = 2 ** (SUBNET_PREFIX - cidr.prefixlen) if cidr.prefixlen <= SUBNET_PREFIX else 0
        if fits < zones:
            needed = SUBNET_PREFIX - (zones - 1).bit_length()
            raise ConfigError(
                "network.vpc_cidr",
                f"too small for {zones} zones: the VPC gets one /{SUBNET_PREFIX} subnet per zone, so it needs a "
                f"/{needed} or larger",
                net.vpc_cidr,
            )
    if net.extra_interface_endpoints and not net.create_endpoints:
        raise ConfigError(
            "network.extra_interface_endpoints", "only used with network.create_endpoints: true",
            net.extra_interface_endpoints,
        )
    added = platform_endpoints(cfg.domain.canvas.enabled)
    for i, name in enumerate(net.extra_interface_endpoints):
        path = f"network.extra_interface_endpoints[{i}]"
        if name in added or name in RESERVED_ENDPOINTS:
            why = " for Canvas" if name not in platform_endpoints(False) + RESERVED_ENDPOINTS else ""
            raise ConfigError(path, f"the platform already adds this endpoint{why}", name)
        if name not in INTERFACE_ENDPOINT_SERVICES:
            raise ConfigError(
                path,
                "not a known interface endpoint service (the name after the region, e.g. "
                "sagemaker.featurestore-runtime)",
                name,
            )


def _check_tags(tags: dict[str, str]) -> None:
    """CloudFormation's tag rules: keys 1-128 and values 0-256 letters, digits, spaces and ``_.:/=+-@``; no
    ``aws:`` prefix (reserved for AWS); at most 50 per resource, one of which the platform sets itself."""
    if len(tags) > MAX_TAGS:
        raise ConfigError(
            "platform.tags", f"at most {MAX_TAGS} tags (a resource takes 50; the platform sets {PLATFORM_TAG!r})",
            len(tags),
        )
    for key, value in tags.items():
        path = f"platform.tags.{key}"
        if not 1 <= len(key) <= 128 or not _tag_text(key):
            raise ConfigError(path, "a tag key is 1-128 letters, digits, spaces and _.:/=+-@", key)
        if key.lower().startswith("aws:"):
            raise ConfigError(path, "the aws: prefix is reserved for AWS", key)
        if key == PLATFORM_TAG:
            raise ConfigError(path, "the platform sets this tag itself", key)
        if len(value) > 256 or not _tag_text(value):
            raise ConfigError(path, "a tag value is 0-256 letters, digits, spaces and _.:/=+-@", value)


# Resources one UsersStack may hold for profiles and spaces; the rest of the 500 is the teardown provider & headroom.
USER_STACK_CAPACITY = 400


def user_stack_of(user_name: str, user_stacks: int) -> int:
    """The UsersStack (0-based) a user lives in: a stable hash, independent of the order and number of users."""
    return zlib.crc32(user_name.lower().encode()) % user_stacks


def _check_user_stacks(cfg: PlatformConfig) -> None:
    load = [0] * cfg.platform.user_stacks
    for user in cfg.users:
        load[user_stack_of(user.name, cfg.platform.user_stacks)] += 1 + len(user.private_spaces)
    fullest = max(load, default=0)
    if fullest > USER_STACK_CAPACITY:
        raise ConfigError(
            "platform.user_stacks",
            f"too few user stacks for {len(cfg.users)} users: one would hold {fullest} profiles and spaces "
            f"(limit {USER_STACK_CAPACITY} per stack, under CloudFormation's 500 resources); raise it",
            cfg.platform.user_stacks,
        )


def _unique(seen: dict[str, str], key: str, path: str, what: str) -> None:
    if key in seen:
        raise ConfigError(path, f"duplicate {what} name; {seen[key]} already uses it", key)
    seen[key] = path


def _known_lcc(lccs: dict[str, LifecycleConfigSection], name: str, path: str) -> LifecycleConfigSection:
    if name not in lccs:
        known = ", ".join(sorted(lccs)) or "none defined"
        raise ConfigError(path, f"unknown lifecycle config (domain.lifecycle_configs has: {known})", name)
    return lccs[name]


def _check_space(
    lccs: dict[str, LifecycleConfigSection], space: SpaceSection, path: str, storage: StorageSection
) -> None:
    if space.ebs_gb is not None and space.ebs_gb > storage.max_ebs_gb:
        raise ConfigError(
            f"{path}.ebs_gb", f"exceeds the domain's domain.storage.max_ebs_gb ({storage.max_ebs_gb})", space.ebs_gb
        )
    if space.default_lifecycle_config is not None:
        lc = _known_lcc(lccs, space.default_lifecycle_config, f"{path}.default_lifecycle_config")
        if lc.app_type != space.app_type:
            raise ConfigError(
                f"{path}.default_lifecycle_config",
                f"lifecycle config is for {lc.app_type} apps but the space runs {space.app_type}",
                space.default_lifecycle_config,
            )


def _check_endpoint(ep: EndpointSection, path: str) -> None:
    """The section's shape and references (the kind and its section, the model's source, unique names), then the
    endpoint rules the construct applies too, with the config path in front of the field they name."""
    if ep.kind == "serverless" and ep.serverless is None:
        raise ConfigError(f"{path}.serverless", "required when kind is serverless", None)
    if ep.kind != "serverless" and ep.serverless is not None:
        raise ConfigError(f"{path}.serverless", f"only valid when kind is serverless, not {ep.kind}", None)
    if ep.kind == "async" and ep.async_inference is None:
        raise ConfigError(f"{path}.async_inference", "required when kind is async", None)
    if ep.kind != "async" and ep.async_inference is not None:
        raise ConfigError(f"{path}.async_inference", f"only valid when kind is async, not {ep.kind}", None)
    if ep.model.image is not None and ep.model.model_data_url is None:
        raise ConfigError(f"{path}.model.model_data_url", "required with model.image", None)
    if ep.model.image is not None and ep.model.artifact_bucket is not None:
        raise ConfigError(
            f"{path}.model.artifact_bucket",
            "only for model_package_arn (model_data_url names the bucket)",
            ep.model.artifact_bucket,
        )
    if ep.autoscaling is not None:
        actions: dict[str, str] = {}
        for j, action in enumerate(ep.autoscaling.scheduled):
            _unique(actions, action.name, f"{path}.autoscaling.scheduled[{j}].name", "scheduled action")
    variants: list[Any] = list(ep.variants)
    if ep.kind == "serverless":  # the instance settings' defaults do not apply: a serverless variant has none
        variants = [_ServerlessVariant(v.variant_name, v.volume_size_gb) for v in ep.variants]
    try:
        check_endpoint(
            ep.kind,
            endpoint_name=ep.name,
            variants=variants,
            serverless=ep.serverless,
            async_inference=ep.async_inference,
            autoscaling=ep.autoscaling,
            data_capture=ep.data_capture if ep.data_capture.enabled else None,
            deployment=ep.deployment,
            alarms=ep.alarms,
            model_in_vpc=ep.model.vpc,
            model_network_isolation=ep.model.network_isolation,
        )
    except RuleError as exc:
        raise ConfigError(f"{path}.{exc.field}", exc.problem, exc.value) from None


class _ServerlessVariant(NamedTuple):
    """A serverless endpoint's variant as the construct receives it: a name and no instance settings."""

    variant_name: str
    volume_size_gb: int | None = None
    instance_type: None = None
    initial_instance_count: int = 1
    initial_weight: float = 1.0
    model_data_download_timeout_seconds: None = None
    container_startup_health_check_timeout_seconds: None = None


# --------------------------------------------------------------------------------------------------- loading
def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_config(data: Any, source: str | None = None, source_dir: Path | None = None) -> PlatformConfig:
    """Validate a mapping (as loaded from YAML) into a :class:`PlatformConfig`; raise one ConfigError.

    Files the config names are read here, relative to ``source_dir``: lifecycle scripts (``script_text``) and,
    for an enabled pipeline, each environment's config (``loaded_config``)."""
    return _parse(data, source, source_dir, environments=True)


def _parse(data: Any, source: str | None, source_dir: Path | None, *, environments: bool) -> PlatformConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("", "the config file must be a mapping of sections", type(data).__name__, source)
    try:
        cfg = PlatformConfig.model_validate({**data, "source_dir": source_dir or Path(".")})
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        raise ConfigError(_field_path(tuple(err["loc"])), message, err.get("input"), source) from None
    try:
        _check_references(cfg)
        _read_scripts(cfg)
    except ConfigError as exc:
        exc.source = source
        raise
    if environments and cfg.pipeline.enabled:
        _load_environments(cfg, source)
    return cfg


# Packaged lifecycle scripts (``builtin:``); the same folder as ``constructs.lifecycle_config.BUILTIN_DIR``.
BUILTIN_SCRIPTS = Path(__file__).resolve().parent / "lcc"


def _read_text(path: Path, field: str, value: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(field, f"cannot read {str(path)!r} ({exc.strerror})", value) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(field, f"{str(path)!r} is not UTF-8 text (byte {exc.start})", value) from None


def _read_scripts(cfg: PlatformConfig) -> None:
    """Read every lifecycle script the config names: a file relative to the config's folder, or a packaged one."""
    for i, lc in enumerate(cfg.domain.lifecycle_configs):
        if lc.builtin is not None:
            path = BUILTIN_SCRIPTS / f"{lc.builtin}.sh"
            if not re.fullmatch(r"[a-z0-9-]+", lc.builtin) or not path.is_file():
                known = ", ".join(sorted(p.stem for p in BUILTIN_SCRIPTS.glob("*.sh")))
                raise ConfigError(f"domain.lifecycle_configs[{i}].builtin", f"no packaged script of that name "
                                  f"(known: {known})", lc.builtin)
            lc._text = _read_text(path, f"domain.lifecycle_configs[{i}].builtin", lc.builtin)
        else:
            assert lc.script is not None  # the section requires exactly one source
            path = (cfg.source_dir / lc.script).resolve()
            lc._text = _read_text(path, f"domain.lifecycle_configs[{i}].script", lc.script)


def _load_environments(cfg: PlatformConfig, source: str | None) -> None:
    """Load each pipeline environment's config (relative to the pipeline config's folder) and check it fits its
    stage. An error inside an environment's file names that file; a mismatch names the pipeline config."""
    for i, env in enumerate(cfg.pipeline.environments):
        where = f"pipeline.environments[{i}]"
        file = cfg.source_dir / env.config
        loaded = _parse(_read_yaml(file, str(file)), str(file), file.parent, environments=False)
        p = loaded.platform
        if loaded.pipeline.enabled:
            raise ConfigError(f"{where}.config", "an environment's config must not enable a pipeline itself",
                              env.config, source)
        if p.account is not None and p.account != env.account:
            raise ConfigError(f"{where}.account", f"differs from platform.account in {env.config} ({p.account})",
                              env.account, source)
        if p.region is not None and p.region != env.region:
            raise ConfigError(f"{where}.region", f"differs from platform.region in {env.config} ({p.region})",
                              env.region, source)
        env._loaded = loaded


# libyaml's parser when PyYAML was built with it (the wheels are): a 1,000-user file parses several times faster.
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """YAML's safe loader, except that a key repeated in one mapping is an error: YAML says keys are unique, and
    PyYAML would silently keep the last one (dropping, say, a whole ``users:`` list)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: let the constructor report it
                continue
            if first != key_node.start_mark.line + 1:
                raise ConfigError(
                    f"line {key_node.start_mark.line + 1}", f"duplicate key (first at line {first})", key
                )
        return super().construct_mapping(node, deep=deep)


def _read_yaml(file: Path, source: str) -> Any:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError("", f"cannot read the config file: {exc.strerror}", None, source) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"line {line}", f"not UTF-8 text (byte {exc.start})", raw[exc.start : exc.start + 1].hex(), source
        ) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a safe loader
    except ConfigError as exc:
        exc.source = source
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(where, f"not valid YAML: {getattr(exc, 'problem', exc)}", None, source) from None
    except RecursionError:
        raise ConfigError("", "not valid YAML: nested too deeply", None, source) from None
    if data is None:
        raise ConfigError("", "the config file is empty: it needs at least a platform section", None, source)
    return data


def load_config(path: str | Path) -> PlatformConfig:
    """Read and validate one YAML config file (UTF-8, no duplicate keys, not empty)."""
    file = Path(path)
    return parse_config(_read_yaml(file, str(path)), source=str(path), source_dir=file.parent)


def load_config_or_exit(path: str | Path) -> PlatformConfig:
    """For entry points: print the one-line error and exit 2, with no traceback."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def json_schema() -> dict[str, Any]:
    schema = PlatformConfig.model_json_schema()
    schema.get("properties", {}).pop("source_dir", None)
    schema["title"] = "sagemaker-platform config"
    return schema


if __name__ == "__main__":  # pragma: no cover - `make schema`
    print(json.dumps(json_schema(), indent=2))
