"""Every custom-resource handler role can make every AWS call its handler code makes, and nothing more.

For each example config the synthesized app is resolved into one account (``Account``). Each Lambda function whose
handler is a module of ``sagemaker_platform/lambda`` is found with the role that runs it and the inputs it receives
(the resolved properties of the custom resources its Provider serves, or the environment of a scheduled function).
The calls come from the handler's code (``handler_calls.analyze``); ``AUTHORIZATIONS`` turns each IAM action into the
concrete requests IAM authorizes for that call (resource ARNs per the IAM service authorization reference, plus the
actions the service checks on the caller's behalf). An action without a row fails, so a new call cannot slip
through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, synthesized
from tests.iam.evaluator import Decision, Request, evaluate, matching_statements
from tests.iam.handler_calls import analyze, handler_modules
from tests.iam.template import Account

CONFIGS = [ROOT / "config" / "default.yaml", ROOT / "config" / "examples" / "full.yaml"]
SAGEMAKER_TAG = "ManagedByAmazonSageMakerResource"
# Statements every handler role gets from its own log group (CDK's grant_write); not an AWS call of the code.
LOG_ACTIONS = frozenset({"logs:CreateLogStream", "logs:PutLogEvents"})


@dataclass(frozen=True)
class Deployment:
    """One handler module as deployed in one stack: the role that runs it and what it is invoked with."""

    config: str
    stack: str
    module: str
    role: str
    inputs: tuple[Mapping[str, Any], ...]
    account: Account

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        a = self.account
        return f"arn:{a.partition}:{service}:{a.region if region else ''}:{a.account if account else ''}:{resource}"

    def __str__(self) -> str:
        return f"{self.config}:{self.stack}:{self.module}"


@cache
def account_for(path: Path) -> Account:
    return Account.from_assembly(synthesized(path).assembly)


def _domain(inputs: Mapping[str, Any]) -> str:
    value = inputs.get("DomainId") or inputs.get("DOMAIN_ID")
    assert isinstance(value, str) and value.startswith("d-"), f"no resolved domain id in {inputs}"
    return value


def deployments(path: Path) -> list[Deployment]:
    return deployments_in(account_for(path), path.stem)


def deployments_in(account: Account, config: str) -> list[Deployment]:
    modules = set(handler_modules())
    found: list[Deployment] = []
    for stack in sorted(account.templates):
        resources = account.resources(stack)
        functions = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
        by_arn = {account.attr(stack, lid, "Arn"): lid for lid in functions}
        roles = {account.attr(stack, lid, "Arn"): lid for lid, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
        inputs: dict[str, list[Mapping[str, Any]]] = {}
        for resource in resources.values():
            if not resource["Type"].startswith("Custom::"):
                continue
            props = account.resolve(stack, resource["Properties"])
            framework = functions.get(by_arn.get(props.pop("ServiceToken"), ""))
            variables = account.resolve(stack, (framework or {}).get("Properties", {}).get("Environment", {}))
            target = by_arn.get((variables or {}).get("Variables", {}).get("USER_ON_EVENT_FUNCTION_ARN", ""))
            if target is not None:
                inputs.setdefault(target, []).append(props)
        grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for lid, function in functions.items():
            module = str(function["Properties"].get("Handler", "")).split(".")[0]
            if module not in modules:
                continue
            role = roles[account.resolve(stack, function["Properties"]["Role"])]
            received = inputs.get(lid)
            if received is None and not any(
                f.get("Properties", {}).get("Handler") == f"{module}.on_event" for f in functions.values()
            ):
                # A scheduled function: its environment is its input.
                environment = account.resolve(stack, function["Properties"].get("Environment", {}))
                received = [environment.get("Variables", {})]
            grouped.setdefault((module, role), []).extend(received or [])
        for (module, role), received in sorted(grouped.items()):
            found.append(Deployment(config, stack, module, role, tuple(received), account))
    return found


# ----------------------------------------------------------------------------------------------------------
# The table: IAM action -> the requests IAM authorizes for the handler's call
# ----------------------------------------------------------------------------------------------------------
Builder = Callable[[Deployment, Mapping[str, Any]], list[Request]]


def _anywhere(action: str) -> Builder:
    """Actions with no resource types: IAM authorizes them on "*"."""
    return lambda d, inputs: [Request(action, "*")]


def _apps(d: Deployment, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(owner, app type) pairs the teardown deletes: apps of guarded profiles, and of guarded or owned spaces."""
    owners: list[tuple[str, str]] = []
    for profile in inputs.get("UserProfileNames", []):
        owners += [(profile, "jupyterserver"), (profile, "kernelgateway"), (profile, "canvas")]
        owners += [(f"ui-space-of-{profile}", "jupyterlab"), (f"CanvasManagedSpace-{profile}", "canvas")]
    for space in inputs.get("SpaceNames", []):
        owners += [(space, "jupyterlab"), (space, "codeeditor")]
    return owners


def _teardown_apps(action: str) -> Builder:
    def build(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
        domain = _domain(inputs)
        return [Request(action, d.arn("sagemaker", f"app/{domain}/{o}/{t}/default")) for o, t in _apps(d, inputs)]

    return build


def _teardown_spaces(action: str) -> Builder:
    def build(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
        domain = _domain(inputs)
        spaces = [f"ui-space-of-{p}" for p in inputs.get("UserProfileNames", [])]
        spaces += [f"CanvasManagedSpace-{p}" for p in inputs.get("UserProfileNames", [])]
        return [Request(action, d.arn("sagemaker", f"space/{domain}/{s}")) for s in spaces]

    return build


def _canvas_apps(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
    domain = _domain(inputs)
    return [
        Request("sagemaker:DeleteApp", d.arn("sagemaker", f"app/{domain}/{owner}/canvas/default"))
        for owner in ("ana-scientist", "CanvasManagedSpace-bea")
    ]


def _domain_action(action: str) -> Builder:
    return lambda d, inputs: [Request(action, d.arn("sagemaker", f"domain/{_domain(inputs)}"))]


def _canvas_target(action: str, *, profile: bool) -> Builder:
    """Canvas settings: UpdateDomain or UpdateUserProfile on its target, with PassRole for the roles it names."""

    def build(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
        name = inputs.get("UserProfileName")
        if bool(name) != profile:
            return []  # this input targets the other kind
        domain = _domain(inputs)
        resource = f"user-profile/{domain}/{name}" if profile else f"domain/{domain}"
        requests = [Request(action, d.arn("sagemaker", resource))]
        if action.startswith("sagemaker:Update"):
            requests += [
                Request("iam:PassRole", role, {"iam:PassedToService": "sagemaker.amazonaws.com"})
                for role in _role_arns(inputs.get("CanvasAppSettings", {}))
            ]
        return requests

    return build


def _role_arns(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [arn for k, v in value.items() for arn in ([v] if k.endswith("RoleArn") else _role_arns(v))]
    if isinstance(value, list):
        return [arn for item in value for arn in _role_arns(item)]
    return []


def _home_efs_retained(inputs: Mapping[str, Any]) -> bool:
    # The handler touches mount targets only when the domain's home EFS is retained.
    return str(inputs.get("HomeEfs", "retain")).lower() == "retain" and bool(inputs.get("HomeEfsFileSystemId"))


def _mount_targets(action: str) -> Builder:
    def build(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
        if not _home_efs_retained(inputs):
            return []
        requests = [Request(action, d.arn("elasticfilesystem", f"file-system/{inputs['HomeEfsFileSystemId']}"))]
        if action == "elasticfilesystem:DeleteMountTarget":
            # EFS deletes the mount target's network interface with the caller's permissions.
            requests.append(
                Request(
                    "ec2:DeleteNetworkInterface",
                    d.arn("ec2", "network-interface/eni-0123456789abcdef0"),
                    _network_context(d, inputs),
                )
            )
        return requests

    return build


def _network_context(d: Deployment, inputs: Mapping[str, Any]) -> dict[str, object]:
    return {"ec2:Vpc": d.arn("ec2", f"vpc/{inputs['VpcId']}"), "ec2:Region": d.account.region}


def _sagemaker_group(action: str) -> Builder:
    """The NFS security groups SageMaker created for this domain, tagged with the domain's ARN."""

    def build(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
        domain_arn = d.arn("sagemaker", f"domain/{_domain(inputs)}")
        context = {
            **_network_context(d, inputs),
            f"aws:ResourceTag/{SAGEMAKER_TAG}": domain_arn,
            f"ec2:ResourceTag/{SAGEMAKER_TAG}": domain_arn,
        }
        return [
            Request(action, d.arn("ec2", f"security-group/sg-{kind}0123456789abc"), context)
            for kind in ("0", "1")  # inbound and outbound NFS groups
        ]

    return build


def _portfolio(action: str) -> Builder:
    # The SageMaker portfolio is owned by an AWS account and known only at run time.
    return lambda d, inputs: [
        Request(action, f"arn:{d.account.partition}:catalog:{d.account.region}:999999999999:portfolio/port-abc123")
    ]


def _bucket(action: str) -> Builder:
    return lambda d, inputs: [Request(action, d.arn("s3", str(inputs["BucketName"]), region=False, account=False))]


def _hub_content(action: str, *, kinds: frozenset[str]) -> Builder:
    """A hub-content call on the content it manages: hub-content/<hub>/<type>/<name>/<version>."""

    def build(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
        kind = str(inputs["HubContentType"])
        if kind not in kinds:
            return []  # this input is the other kind of content
        version = str(inputs.get("HubContentVersion") or "1.0.0")
        resource = f"hub-content/{inputs['HubName']}/{kind}/{inputs['HubContentName']}/{version}"
        return [Request(action, d.arn("sagemaker", resource))]

    return build


def _card_arn(d: Deployment, inputs: Mapping[str, Any]) -> str:
    return d.arn("sagemaker", f"model-card/{inputs['ModelCardName']}")


def _card_key(d: Deployment, card: str) -> str | None:
    """The KMS key of the model card named ``card`` (its SecurityConfig), resolved."""
    for resource in d.account.resources(d.stack).values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SageMaker::ModelCard" and props.get("ModelCardName") == card:
            return d.account.resolve(d.stack, (props.get("SecurityConfig") or {}).get("KmsKeyId"))
    raise AssertionError(f"{d}: no model card {card}")


def _bucket_key(d: Deployment, bucket: str) -> str | None:
    """The KMS key a bucket of the app encrypts with by default, resolved (a bucket may be in another stack)."""
    for stack, lid in d.account.find_resources("AWS::S3::Bucket"):
        if d.account.resolve(stack, {"Ref": lid}) != bucket:
            continue
        rules = d.account.resource(stack, lid)["Properties"].get("BucketEncryption", {}).get(
            "ServerSideEncryptionConfiguration", []
        )
        for rule in rules:
            key = rule.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
            if key is not None:
                return d.account.resolve(stack, key)
        return None
    raise AssertionError(f"{d}: no bucket {bucket} in the app")


def _export_job(action: str) -> Builder:
    """An export job of the card: model-card/<card>/export-job/<job> (the job's name is the handler's)."""
    return lambda d, inputs: [
        Request(action, f"{_card_arn(d, inputs)}/export-job/v{inputs['ModelCardVersion']}-0123456789ab")
    ]


def _card_export(d: Deployment, inputs: Mapping[str, Any]) -> list[Request]:
    """CreateModelCardExportJob on the card, and what SageMaker does with the caller's permissions: read the
    card's content with its key, write the PDF under the card's output path with the bucket's key."""
    card, bucket = str(inputs["ModelCardName"]), str(inputs["BucketName"])
    prefix = str(inputs.get("Prefix") or "model-cards")
    region = d.account.region
    pdf = f"{bucket}/{prefix}/{card}/{inputs['ModelCardVersion']}/{card}.pdf"
    requests = [
        Request("sagemaker:CreateModelCardExportJob", _card_arn(d, inputs)),
        Request("s3:PutObject", d.arn("s3", pdf, region=False, account=False)),
    ]
    for key, service in ((_card_key(d, card), "sagemaker"), (_bucket_key(d, bucket), "s3")):
        if key is not None:
            context = {"kms:ViaService": f"{service}.{region}.amazonaws.com"}
            requests += [Request("kms:Decrypt", key, context), Request("kms:GenerateDataKey", key, context)]
    return requests


_ANY_CONTENT = frozenset({"Model", "Notebook", "ModelReference"})
_IMPORTED = frozenset({"Model", "Notebook"})
_REFERENCE = frozenset({"ModelReference"})

AUTHORIZATIONS: dict[tuple[str, str], Builder] = {
    ("model_card_export", "sagemaker:CreateModelCardExportJob"): _card_export,
    ("model_card_export", "sagemaker:ListModelCardExportJobs"): lambda d, inputs: [
        Request("sagemaker:ListModelCardExportJobs", _card_arn(d, inputs))
    ],
    ("model_card_export", "sagemaker:DescribeModelCardExportJob"): _export_job("sagemaker:DescribeModelCardExportJob"),
    ("hub_content", "sagemaker:DescribeHubContent"): _hub_content("sagemaker:DescribeHubContent", kinds=_ANY_CONTENT),
    ("hub_content", "sagemaker:ListHubContentVersions"): _hub_content(
        "sagemaker:ListHubContentVersions", kinds=_IMPORTED
    ),
    ("hub_content", "sagemaker:ImportHubContent"): _hub_content("sagemaker:ImportHubContent", kinds=_IMPORTED),
    ("hub_content", "sagemaker:DeleteHubContent"): _hub_content("sagemaker:DeleteHubContent", kinds=_IMPORTED),
    ("hub_content", "sagemaker:CreateHubContentReference"): _hub_content(
        "sagemaker:CreateHubContentReference", kinds=_REFERENCE
    ),
    ("hub_content", "sagemaker:UpdateHubContentReference"): _hub_content(
        "sagemaker:UpdateHubContentReference", kinds=_REFERENCE
    ),
    ("hub_content", "sagemaker:DeleteHubContentReference"): _hub_content(
        "sagemaker:DeleteHubContentReference", kinds=_REFERENCE
    ),
    ("studio_teardown", "sagemaker:ListApps"): _anywhere("sagemaker:ListApps"),
    ("studio_teardown", "sagemaker:ListSpaces"): _anywhere("sagemaker:ListSpaces"),
    ("studio_teardown", "sagemaker:DeleteApp"): _teardown_apps("sagemaker:DeleteApp"),
    ("studio_teardown", "sagemaker:DescribeApp"): _teardown_apps("sagemaker:DescribeApp"),
    ("studio_teardown", "sagemaker:DeleteSpace"): _teardown_spaces("sagemaker:DeleteSpace"),
    ("studio_teardown", "sagemaker:DescribeSpace"): _teardown_spaces("sagemaker:DescribeSpace"),
    ("canvas_idle", "sagemaker:ListApps"): _anywhere("sagemaker:ListApps"),
    ("canvas_idle", "cloudwatch:GetMetricStatistics"): _anywhere("cloudwatch:GetMetricStatistics"),
    ("canvas_idle", "sagemaker:DeleteApp"): _canvas_apps,
    ("canvas_settings", "sagemaker:DescribeDomain"): _canvas_target("sagemaker:DescribeDomain", profile=False),
    ("canvas_settings", "sagemaker:UpdateDomain"): _canvas_target("sagemaker:UpdateDomain", profile=False),
    ("canvas_settings", "sagemaker:DescribeUserProfile"): _canvas_target("sagemaker:DescribeUserProfile", profile=True),
    ("canvas_settings", "sagemaker:UpdateUserProfile"): _canvas_target("sagemaker:UpdateUserProfile", profile=True),
    ("domain_leftovers", "sagemaker:DescribeDomain"): _domain_action("sagemaker:DescribeDomain"),
    ("domain_leftovers", "sagemaker:DeleteDomain"): _domain_action("sagemaker:DeleteDomain"),
    ("domain_leftovers", "sagemaker:ListUserProfiles"): _anywhere("sagemaker:ListUserProfiles"),
    ("domain_leftovers", "sagemaker:ListSpaces"): _anywhere("sagemaker:ListSpaces"),
    ("domain_leftovers", "elasticfilesystem:DescribeMountTargets"): _mount_targets(
        "elasticfilesystem:DescribeMountTargets"
    ),
    ("domain_leftovers", "elasticfilesystem:DeleteMountTarget"): _mount_targets("elasticfilesystem:DeleteMountTarget"),
    ("domain_leftovers", "ec2:DescribeSecurityGroups"): _anywhere("ec2:DescribeSecurityGroups"),
    ("domain_leftovers", "ec2:DescribeSecurityGroupRules"): _anywhere("ec2:DescribeSecurityGroupRules"),
    ("domain_leftovers", "ec2:RevokeSecurityGroupIngress"): _sagemaker_group("ec2:RevokeSecurityGroupIngress"),
    ("domain_leftovers", "ec2:RevokeSecurityGroupEgress"): _sagemaker_group("ec2:RevokeSecurityGroupEgress"),
    ("domain_leftovers", "ec2:DeleteSecurityGroup"): _sagemaker_group("ec2:DeleteSecurityGroup"),
    ("bucket_cors", "s3:GetBucketCORS"): _bucket("s3:GetBucketCORS"),
    ("bucket_cors", "s3:PutBucketCORS"): _bucket("s3:PutBucketCORS"),  # PutBucketCors and DeleteBucketCors
    ("projects", "sagemaker:EnableSagemakerServicecatalogPortfolio"): _anywhere(
        "sagemaker:EnableSagemakerServicecatalogPortfolio"
    ),
    ("projects", "sagemaker:GetSagemakerServicecatalogPortfolioStatus"): _anywhere(
        "sagemaker:GetSagemakerServicecatalogPortfolioStatus"
    ),
    ("projects", "servicecatalog:ListAcceptedPortfolioShares"): _anywhere("servicecatalog:ListAcceptedPortfolioShares"),
    ("projects", "servicecatalog:AssociatePrincipalWithPortfolio"): _portfolio(
        "servicecatalog:AssociatePrincipalWithPortfolio"
    ),
    ("projects", "servicecatalog:DisassociatePrincipalFromPortfolio"): _portfolio(
        "servicecatalog:DisassociatePrincipalFromPortfolio"
    ),
}


def required(deployment: Deployment) -> list[Request]:
    requests: list[Request] = []
    for action in sorted(analyze(deployment.module).actions):
        builder = AUTHORIZATIONS[(deployment.module, action)]
        for inputs in deployment.inputs:
            requests += builder(deployment, inputs)
    return requests + service_side(deployment)


def service_side(d: Deployment) -> list[Request]:
    """What Lambda itself does with the function's role: send a failed asynchronous event to the function's
    dead-letter queue (``sqs:SendMessage``), encrypting it with the queue's key."""
    requests: list[Request] = []
    resources = d.account.resources(d.stack)
    role_arn = d.account.attr(d.stack, d.role, "Arn")
    queues = {
        d.account.attr(d.stack, lid, "Arn"): lid for lid, r in resources.items() if r["Type"] == "AWS::SQS::Queue"
    }
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] != "AWS::Lambda::Function" or d.account.resolve(d.stack, props.get("Role")) != role_arn:
            continue
        target = d.account.resolve(d.stack, (props.get("DeadLetterConfig") or {}).get("TargetArn"))
        if target is None:
            continue
        requests.append(Request("sqs:SendMessage", target))
        key = d.account.resolve(d.stack, resources[queues[target]]["Properties"].get("KmsMasterKeyId"))
        if key is not None:
            requests += [Request("kms:GenerateDataKey", key), Request("kms:Decrypt", key)]
    return requests


# ----------------------------------------------------------------------------------------------------------
# Probes that must be denied
# ----------------------------------------------------------------------------------------------------------
OTHER_DOMAIN = "d-0ther0d0ma1n"


def _other_domain(request: Request, domain: str) -> Request:
    return Request(request.action, request.resource.replace(domain, OTHER_DOMAIN), request.context)


def probes(d: Deployment) -> list[tuple[str, Request]]:
    """(why, request) pairs the handler's role must not be allowed."""
    found: list[tuple[str, Request]] = []
    for request in required(d):
        for inputs in d.inputs:
            domain = inputs.get("DomainId") or inputs.get("DOMAIN_ID")
            if isinstance(domain, str) and domain in request.resource:
                found.append(("another domain", _other_domain(request, domain)))
    if d.module == "canvas_idle":
        for inputs in d.inputs:
            app = d.arn("sagemaker", f"app/{_domain(inputs)}/ana-scientist/jupyterlab/default")
            found.append(("a non-Canvas app", Request("sagemaker:DeleteApp", app)))
    if d.module == "canvas_settings":
        for inputs in d.inputs:
            passed = set(_role_arns(inputs.get("CanvasAppSettings", {})))
            for stack, lid in d.account.find_roles(""):
                arn = d.account.attr(stack, lid, "Arn")
                if arn not in passed:
                    found.append(("another role", Request("iam:PassRole", arn)))
    if d.module == "domain_leftovers":
        for inputs in d.inputs:
            for request in _sagemaker_group("ec2:DeleteSecurityGroup")(d, inputs):
                other = d.arn("sagemaker", f"domain/{OTHER_DOMAIN}")
                tagged_other = {**request.context, f"aws:ResourceTag/{SAGEMAKER_TAG}": other}
                found.append(
                    ("a group tagged for another domain", Request(request.action, request.resource, tagged_other))
                )
                untagged = {k: v for k, v in request.context.items() if "ResourceTag" not in k}
                found.append(("an untagged group", Request(request.action, request.resource, untagged)))
                other_vpc = {**request.context, "ec2:Vpc": d.arn("ec2", "vpc/vpc-0ther")}
                found.append(("a group in another VPC", Request(request.action, request.resource, other_vpc)))
            eni = d.arn("ec2", "network-interface/eni-0123456789abcdef0")
            found.append(("an interface in another VPC", Request(
                "ec2:DeleteNetworkInterface", eni, {"ec2:Vpc": d.arn("ec2", "vpc/vpc-0ther")})))
            found.append(("another file system", Request(
                "elasticfilesystem:DeleteMountTarget", d.arn("elasticfilesystem", "file-system/fs-0ther"))))
            found.append(("deleting a file system", Request(
                "elasticfilesystem:DeleteFileSystem",
                d.arn("elasticfilesystem", f"file-system/{inputs.get('HomeEfsFileSystemId')}"))))
    if d.module == "bucket_cors":
        other_bucket = d.arn("s3", "someone-elses-bucket", region=False, account=False)
        found.append(("a bucket it does not manage", Request("s3:PutBucketCORS", other_bucket)))
        for inputs in d.inputs:
            bucket = d.arn("s3", str(inputs["BucketName"]), region=False, account=False)
            found.append(("bucket policy changes", Request("s3:PutBucketPolicy", bucket)))
    if d.module == "hub_content":
        for request in required(d):
            for inputs in d.inputs:
                hub = f"hub-content/{inputs['HubName']}/"
                if hub in request.resource:
                    elsewhere = Request(request.action, request.resource.replace(hub, "hub-content/another-hub/"))
                    found.append(("another hub's content", elsewhere))
        found.append(("deleting a hub", Request("sagemaker:DeleteHub", d.arn("sagemaker", "hub/another-hub"))))
    if d.module == "model_card_export":
        for inputs in d.inputs:
            other_card = d.arn("sagemaker", "model-card/someone-elses-card")
            found.append(("another card's export", Request("sagemaker:CreateModelCardExportJob", other_card)))
            found.append(("changing the card", Request("sagemaker:UpdateModelCard", _card_arn(d, inputs))))
            other_path = f"{inputs['BucketName']}/studio/notebooks/report.pdf"
            found.append(("writing outside the card's path", Request(
                "s3:PutObject", d.arn("s3", other_path, region=False, account=False))))
            card_key = _card_key(d, str(inputs["ModelCardName"]))
            if card_key is not None:
                found.append(("the card's key outside SageMaker", Request("kms:Decrypt", card_key)))
    if d.module == "projects":
        portfolio = f"arn:{d.account.partition}:catalog:{d.account.region}:999999999999:portfolio/port-abc123"
        found.append(("deleting the portfolio", Request("servicecatalog:DeletePortfolio", portfolio)))
    return found


# ----------------------------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------------------------
# Handlers no example config deploys yet, proven on a small stack of their constructs.
CONSTRUCT_STACKS = "constructs"


@cache
def construct_account() -> Account:
    """A stack with a private hub, an imported model and notebook, and a model reference."""
    import aws_cdk as cdk
    from aws_cdk import aws_kms as kms

    from sagemaker_platform.cdk_context import new_app
    from sagemaker_platform.constructs.bucket import AccessLogBucket
    from sagemaker_platform.constructs.hub import HubContent, HubModelReference, PrivateHub

    app = new_app()
    stack = cdk.Stack(app, "Hubs", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    hub = PrivateHub(
        stack,
        "Hub",
        name="org-models",
        description="Shared models",
        encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
        access_log_bucket=AccessLogBucket(stack, "Logs"),
    )
    HubContent(stack, "Model", hub=hub, content_type="Model", name="churn", version="1.0.0", document={})
    HubContent(stack, "Notebook", hub=hub, content_type="Notebook", name="intro", version="2.0.0", document={})
    HubModelReference(stack, "Reference", hub=hub, model_id="huggingface-llm-mistral-7b", min_version="1.0.0")
    return Account.from_assembly(app.synth())


@pytest.fixture(scope="module", params=[*CONFIGS, CONSTRUCT_STACKS], ids=lambda p: getattr(p, "stem", p))
def config_deployments(request: pytest.FixtureRequest) -> list[Deployment]:
    if request.param == CONSTRUCT_STACKS:
        return deployments_in(construct_account(), CONSTRUCT_STACKS)
    return deployments(request.param)


def test_every_handler_module_is_deployed_and_analysed(config_deployments: list[Deployment]) -> None:
    for module in handler_modules():
        analysis = analyze(module)
        assert not analysis.unknown, f"{module}: attributes that are no API operation: {analysis.unknown}"
        assert analysis.calls, f"{module}: no AWS call found in the code (the analysis lost the client)"
    deployed = {d.module for d in config_deployments}
    assert deployed, "no handler functions found in the synthesized templates"
    for d in config_deployments:
        assert d.inputs, f"{d}: no custom resource or environment found for the handler"


def test_every_call_has_a_row_in_the_table() -> None:
    missing = [
        f"{module}: {action}"
        for module in handler_modules()
        for action in sorted(analyze(module).actions)
        if (module, action) not in AUTHORIZATIONS
    ]
    assert not missing, "AWS calls without an authorization row (add one from the IAM reference):\n" + "\n".join(
        missing
    )
    stale = [f"{m}: {a}" for m, a in AUTHORIZATIONS if a not in analyze(m).actions]
    assert not stale, f"rows for calls the code no longer makes: {stale}"


def test_handler_roles_allow_every_call(config_deployments: list[Deployment]) -> None:
    failures = []
    for d in config_deployments:
        policies = d.account.identity_policies(d.stack, d.role)
        assert not d.account.managed_policy_arns(d.stack, d.role), f"{d}: handler roles take no managed policies"
        for request in required(d):
            decision = evaluate(policies, request)
            if decision is not Decision.ALLOW:
                failures.append(
                    f"{d}: {request.action} on {request.resource} {dict(request.context)} -> {decision.name}"
                )
    assert not failures, "\n".join(failures)


def test_handler_roles_deny_what_they_must_not_do(config_deployments: list[Deployment]) -> None:
    allowed = []
    count = 0
    for d in config_deployments:
        policies = d.account.identity_policies(d.stack, d.role)
        for why, request in probes(d):
            count += 1
            if evaluate(policies, request) is Decision.ALLOW:
                statements = matching_statements(policies, request)
                allowed.append(f"{d}: {why}: {request.action} on {request.resource} allowed by {statements}")
    assert count, "no probes"
    assert not allowed, "\n".join(allowed)


def test_handler_roles_grant_nothing_the_code_does_not_call(config_deployments: list[Deployment]) -> None:
    extra = []
    for d in config_deployments:
        needed = {r.action.lower() for r in required(d)} | {a.lower() for a in LOG_ACTIONS}
        for document in d.account.identity_policies(d.stack, d.role):
            for statement in document["Statement"]:
                assert statement["Effect"] == "Allow" and "Action" in statement, f"{d}: unexpected {statement}"
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                for action in actions:
                    assert "*" not in action, f"{d}: wildcard action {action}"
                    if action.lower() not in needed:
                        extra.append(f"{d}: {action}")
    assert not extra, "granted but never called:\n" + "\n".join(sorted(set(extra)))
