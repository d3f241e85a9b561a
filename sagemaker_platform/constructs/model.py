"""A SageMaker model (image + artifact in S3, or a model package from the registry) with its own execution role.

Why a construct of its own: the model is what an endpoint config points at, and it is immutable in SageMaker.
Its name is derived from a hash of its content, so a changed image, artifact, environment, role or network
setting creates a new model next to the old one (CloudFormation replaces it), and endpoint configs that name it
change with it. The execution role is least-privilege: read the one artifact (or the package's bucket), pull
from the one ECR repository, write the endpoint's logs, and decrypt with the keys it is given; VPC access only
when the model runs in a VPC. Endpoints add what they need (data capture, async output, SNS, alarms) to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.logical_ids import pin_logical_id
from sagemaker_platform.constructs.roles import sagemaker_service_principal
from sagemaker_platform.constructs.subnets import selected_subnets
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import RESOURCE_NAME, derived_name, name_digest

NAME_PATTERN = RESOURCE_NAME.regex
_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*)(:[\w.-]+|@sha256:[0-9a-f]{64})$"
)
_S3_URL = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>.+)$")
_PACKAGE_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):model-package/.+$")

_ROLE_WILDCARD_REASON = (
    "ecr:GetAuthorizationToken and the EC2 network-interface Describe* calls support no resource-level "
    "permissions; log streams are created per endpoint/variant/instance at run time under "
    "/aws/sagemaker/Endpoints/<endpoint>; artifact, capture and output grants are one prefix of one bucket; "
    "kms:GenerateDataKey*/ReEncrypt* are CDK's grant action groups on the platform key only."
)


NAME_METADATA = "sagemaker-platform:name"
MODEL_CREATE_ONLY = ("ExecutionRoleArn", "EnableNetworkIsolation", "InferenceExecutionConfig", "PrimaryContainer",
                     "VpcConfig", "Containers")


def default_namespace(scope: Construct) -> str:
    """Where a derived name must be unique: the stack's name (unique per account and region) and the construct's
    path (unique in the app), so two stacks, stages or environments never derive the same name."""
    return f"{cdk.Stack.of(scope).stack_name}/{scope.node.path}"


def create_only_values(resource: cdk.CfnResource, properties: Sequence[str]) -> dict[str, Any]:
    """``properties`` of ``resource`` as the template will hold them (CloudFormation names, tokens resolved to
    ``Ref``/``Fn::GetAtt``, tags as rendered at that moment); unset ones are left out.

    Tokens print differently in every process but resolve to the same intrinsics as long as logical ids stay the
    same, so two synths of the same app give the same values.
    """
    rendered = resource._render_properties(resource._cfn_properties)
    subset = {p: rendered[p] for p in properties if rendered.get(p) is not None}
    resolved: dict[str, Any] = cdk.Stack.of(resource).resolve(subset)
    return {k: v for k, v in resolved.items() if v is not None}


@jsii.implements(cdk.IResolvable)
class LazyDerivedName:
    """``<base>-<digest>``, computed at synth: the digest covers ``namespace`` and the resource's create-only
    ``properties`` as the template holds them (tags added by ``Tags.of(...)`` aspects, references between stacks),
    so a change that makes CloudFormation replace the resource also gives it a new name. The namespace is recorded
    in the resource's metadata (``sagemaker-platform:name``) so the name can be checked against the template."""

    def __init__(self, resource: cdk.CfnResource, base: str, properties: Sequence[str], namespace: str,
                 limit: int = 63) -> None:
        self._resource = resource
        self._base = base
        self._properties = tuple(properties)
        self._namespace = namespace
        self._limit = limit
        resource.add_metadata(NAME_METADATA, {"namespace": namespace})

    @property
    def creation_stack(self) -> list[str]:
        return []

    def resolve(self, context: cdk.IResolveContext) -> str:
        values = create_only_values(self._resource, self._properties)
        return derived_name(self._base, name_digest(self._namespace, values), self._limit)

    def to_string(self) -> str:
        return f"DerivedName({self._base})"


class ImportedModel(cdk.Resource):
    """A model created elsewhere, by name."""

    def __init__(self, scope: Construct, construct_id: str, *, model_name: str) -> None:
        """
        :param model_name: the model's name.
        """
        super().__init__(scope, construct_id)
        self.model_name = model_name
        self.model_arn = cdk.Stack.of(self).format_arn(service="sagemaker", resource="model", resource_name=model_name)


class Model(cdk.Resource):
    """A SageMaker model. Attributes: ``model_name`` (derived at synth from everything CloudFormation would
    replace the model for; a token until then), ``model_arn``, ``role``; the CfnModel is ``node.default_child``
    (also ``resource``).

    Give exactly one of ``image`` (with ``model_data_url``) or ``model_package_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        image: str | None = None,
        model_data_url: str | None = None,
        model_package_arn: str | None = None,
        environment: Mapping[str, str] | None = None,
        artifact_bucket: s3.IBucket | None = None,
        encryption_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
        network_isolation: bool = False,
        role: iam.IRole | None = None,
    ) -> None:
        """
        :param name_prefix: the readable start of the derived name.
        :param image: an ECR image URI.
        :param model_data_url: the artifact, ``s3://<bucket>/<key>`` (a key ending in ``/`` is an uncompressed model).
        :param model_package_arn: a registry version to serve instead of an image.
        :param environment: the container's environment.
        :param artifact_bucket: the artifact's bucket, when ``model_data_url`` is a token or for a package.
        :param encryption_key: the customer-managed key the artifact is encrypted with (the role may decrypt).
        :param vpc: with ``vpc_subnets`` (at least two, in different zones) and ``security_groups``, the containers
            run in this VPC.
        :param vpc_subnets: which subnets (a ``SubnetSelection``; ``subnets=[...]`` also works without ``vpc``).
        :param security_groups: the containers' security groups.
        :param network_isolation: no network access at all for the containers.
        :param role: an execution role to use instead of the least-privilege one the model creates.
        """
        if encryption_key is not None:
            require("Model", "encryption_key", encryption_key, kms.IKey)
        if artifact_bucket is not None:
            require("Model", "artifact_bucket", artifact_bucket, s3.IBucket)
        if vpc is not None:
            require("Model", "vpc", vpc, ec2.IVpc)
        for i, group in enumerate(security_groups):
            require("Model", f"security_groups[{i}]", group, ec2.ISecurityGroup)
        if role is not None:
            require("Model", "role", role, iam.IRole)
        super().__init__(scope, construct_id)
        subnets = selected_subnets("Model", vpc, vpc_subnets) if (vpc is not None or vpc_subnets is not None) else []
        self._validate(name_prefix, image, model_data_url, model_package_arn, subnets, security_groups,
                       artifact_bucket)
        stack = cdk.Stack.of(self)
        self.kind = "package" if model_package_arn else "image"
        self.network_isolation = network_isolation
        self.in_vpc = bool(subnets)

        self.role: iam.IRole = role or iam.Role(
            self,
            "Role",
            assumed_by=sagemaker_service_principal(self),
            description=f"Execution role of the SageMaker model {name_prefix}",
        )
        owns_role = role is None

        if model_package_arn:
            container = sagemaker.CfnModel.ContainerDefinitionProperty(
                model_package_name=model_package_arn, environment=dict(environment) if environment else None
            )
        else:
            container = sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image, model_data_url=model_data_url, environment=dict(environment) if environment else None
            )
        vpc_config = (
            sagemaker.CfnModel.VpcConfigProperty(
                subnets=[s.subnet_id for s in subnets],
                security_group_ids=[g.security_group_id for g in security_groups],
            )
            if subnets
            else None
        )
        self.resource = sagemaker.CfnModel(
            self,
            "Resource",
            execution_role_arn=self.role.role_arn,
            primary_container=container,
            enable_network_isolation=network_isolation or None,
            vpc_config=vpc_config,
        )
        # The name is a function of everything CloudFormation would replace the model for, and of where it lives;
        # derived at synth, when a VPC config's references to another stack have become imports.
        self.model_name = cdk.Token.as_string(
            LazyDerivedName(self.resource, name_prefix, MODEL_CREATE_ONLY, default_namespace(self))
        )
        self.resource.model_name = self.model_name
        pin_logical_id(self, "Model")  # 0.1 named the L1 "Model": keep deployed models
        self.model_arn = self.resource.ref
        if owns_role:
            self.resource.node.add_dependency(self.role)

        if owns_role:
            self._grant_artifacts(stack, model_data_url, artifact_bucket, encryption_key)
            self._grant_image(stack, image, model_package_arn)
            self._grant_logs(stack)
            if subnets:
                self._grant_vpc()
            acknowledge_wildcards(self.role, _ROLE_WILDCARD_REASON)
            acknowledge(self.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)

    # ----------------------------------------------------------------------------------------------- checks
    @staticmethod
    def from_model_name(scope: Construct, construct_id: str, *, model_name: str) -> ImportedModel:
        """A model created elsewhere, by name.

        :param model_name: the model's name.
        """
        return ImportedModel(scope, construct_id, model_name=model_name)

    @staticmethod
    def _validate(name_prefix: str, image: str | None, model_data_url: str | None, model_package_arn: str | None,
                  vpc_subnets: Sequence[ec2.ISubnet], security_groups: Sequence[ec2.ISecurityGroup],
                  artifact_bucket: s3.IBucket | None) -> None:
        if not NAME_PATTERN.match(name_prefix):
            raise ValueError(f"Model name_prefix: letters, digits and hyphens, at most 63 (got {name_prefix!r})")
        if (image is None) == (model_package_arn is None):
            raise ValueError(
                f"Model image: give exactly one of image (with model_data_url) or model_package_arn "
                f"(got image={image!r}, model_package_arn={model_package_arn!r})"
            )
        if image is not None:
            if model_data_url is None:
                raise ValueError(f"Model model_data_url: required with an image (got {model_data_url!r})")
            if not cdk.Token.is_unresolved(model_data_url) and not _S3_URL.match(model_data_url):
                raise ValueError(f"Model model_data_url: must be s3://<bucket>/<key> (got {model_data_url!r})")
            if cdk.Token.is_unresolved(model_data_url) and artifact_bucket is None:
                raise ValueError("Model artifact_bucket: required when model_data_url is a token "
                                 f"(got {artifact_bucket!r})")
            if not cdk.Token.is_unresolved(image) and not _ECR_IMAGE.match(image):
                raise ValueError(
                    "Model image: must be an ECR image URI <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> "
                    f"or @sha256:<digest> (got {image!r})"
                )
        else:
            if model_data_url is not None:
                raise ValueError(f"Model model_data_url: not used with a model package (got {model_data_url!r})")
            if model_package_arn is not None and not cdk.Token.is_unresolved(model_package_arn) \
                    and not _PACKAGE_ARN.match(model_package_arn):
                raise ValueError(f"Model model_package_arn: not a model package version ARN "
                                 f"(got {model_package_arn!r})")
        if vpc_subnets or security_groups:
            if len(vpc_subnets) < 2:
                raise ValueError(f"Model vpc_subnets: a model in a VPC needs at least two subnets in different "
                                 f"availability zones (got {len(vpc_subnets)})")
            zones = [s.availability_zone for s in vpc_subnets]
            if not any(cdk.Token.is_unresolved(z) for z in zones) and len(set(zones)) < 2:
                raise ValueError(f"Model vpc_subnets: the subnets must be in different availability zones "
                                 f"(got {sorted(set(zones))})")
            if not security_groups:
                raise ValueError(f"Model security_groups: required with vpc_subnets (got {list(security_groups)})")

    # ----------------------------------------------------------------------------------------------- grants
    def _add(self, sid: str, actions: Sequence[str], resources: Sequence[str],
             conditions: dict[str, Any] | None = None) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid=sid, actions=list(actions), resources=list(resources), conditions=conditions)
        )

    def _grant_artifacts(self, stack: cdk.Stack, model_data_url: str | None, artifact_bucket: s3.IBucket | None,
                         artifact_key: kms.IKey | None) -> None:
        """The artifact object (or prefix) from the URL; for a package, its bucket (the registry holds the key)."""
        match = _S3_URL.match(model_data_url) if model_data_url and not cdk.Token.is_unresolved(
            model_data_url) else None
        if match:
            bucket_arn = f"arn:{stack.partition}:s3:::{match.group('bucket')}"
            key = match.group("key")
            if key.endswith("/"):  # uncompressed model: every object under the prefix
                self._add("ReadArtifactPrefix", ["s3:GetObject"], [f"{bucket_arn}/{key}*"])
                self._add("ListArtifactPrefix", ["s3:ListBucket"], [bucket_arn],
                          {"StringLike": {"s3:prefix": [f"{key}*"]}})
            else:
                self._add("ReadArtifact", ["s3:GetObject"], [f"{bucket_arn}/{key}"])
        elif artifact_bucket is not None:
            artifact_bucket.grant_read(self.role)
        if artifact_key is not None:
            artifact_key.grant_decrypt(self.role)

    def _grant_image(self, stack: cdk.Stack, image: str | None, model_package_arn: str | None) -> None:
        self._add("EcrAuth", ["ecr:GetAuthorizationToken"], ["*"])
        pull = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        match = _ECR_IMAGE.match(image) if image and not cdk.Token.is_unresolved(image) else None
        if match:
            arn = (f"arn:{stack.partition}:ecr:{match.group('region')}:{match.group('account')}:"
                   f"repository/{match.group('repo')}")
            self._add("EcrPull", pull, [arn])
        else:
            pkg = _PACKAGE_ARN.match(model_package_arn) if model_package_arn and not cdk.Token.is_unresolved(
                model_package_arn) else None
            region, account = (pkg.group("region"), pkg.group("account")) if pkg else (stack.region, stack.account)
            # A package (or a token image) names its repository only at deploy time: the package's account.
            self._add("EcrPull", pull, [f"arn:{stack.partition}:ecr:{region}:{account}:repository/*"])

    def _grant_logs(self, stack: cdk.Stack) -> None:
        group = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/Endpoints/*"
        self._add("Logs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                           "logs:DescribeLogStreams"], [group])
        # The guide's model-role permissions include metrics (PutMetricData has no resource-level permissions).
        self._add("Metrics", ["cloudwatch:PutMetricData"], ["*"])

    def _grant_vpc(self) -> None:
        self._add("VpcNetworkInterfaces", [
            "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
        ], ["*"])
