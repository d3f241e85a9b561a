"""Concrete IAM policies from a synthesized cloud assembly, for the offline evaluator in ``evaluator.py``.

:class:`Account` takes every template of one app (stack name -> template) and pretends they are deployed in one
account and region: ``Ref``/``Fn::GetAtt`` of a resource become deterministic, plausible physical values (a role
ARN with a generated name, a domain id ``d-<hash>``, bucket names, key ARNs ...), pseudo parameters become the
account's values, and ``Fn::Join``/``Fn::Sub``/``Fn::Select``/``Fn::Split``/``Fn::If``/``Fn::GetAZs`` are computed.
References between stacks are followed: ``Fn::GetStackOutput`` and ``Fn::ImportValue`` to the other template's
output, SSM-typed template parameters and ``{{resolve:ssm:...}}`` to the ``AWS::SSM::Parameter`` that publishes the
value. The same logical id in the same stack always resolves to the same value, so an ARN built in one stack
matches the one another stack reads through SSM.

Policies attached to a role (:meth:`Account.identity_policies`): the role's inline ``Policies``, every
``AWS::IAM::Policy``/``AWS::IAM::RolePolicy`` and ``AWS::IAM::ManagedPolicy`` naming the role, and
``ManagedPolicyArns`` that point at a customer managed policy in the templates.

AWS managed policies (``arn:aws:iam::aws:policy/...``) cannot be read offline; :meth:`Account.managed_policy_arns`
returns them (and any other ARN not found in the templates) so callers decide how to treat them. The convention
of this test suite is conservative both ways: for isolation probes ("must be denied") an AWS managed policy counts
as allowing everything, so a probe passes only when the role has no such policy or an explicit Deny covers it; for
required workflows ("must be allowed") it counts as allowing nothing, so a workflow passes only on the platform's
own statements.

Anything that cannot be resolved statically raises ``ValueError`` naming the stack and the fragment.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Account"]

_NO_VALUE = object()
_SSM_PARAMETER_TYPE = re.compile(r"^AWS::SSM::Parameter::Value<(String|List<String>|CommaDelimitedList)>$")
_DYNAMIC_SSM = re.compile(r"\{\{resolve:ssm:([^}:]+)(?::\d+)?\}\}")
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

# Resource type -> the property that names it (when the template sets a name).
_NAME_PROPERTY: dict[str, str] = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": "PolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SSM::Parameter": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::SageMaker::Domain": "DomainName",
    "AWS::SageMaker::UserProfile": "UserProfileName",
    "AWS::SageMaker::Space": "SpaceName",
    "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName",
    "AWS::SageMaker::ModelCard": "ModelCardName",
    "AWS::SageMaker::StudioLifecycleConfig": "StudioLifecycleConfigName",
    "AWS::SageMaker::Pipeline": "PipelineName",
    "AWS::SageMaker::Image": "ImageName",
    "AWS::SageMaker::Hub": "HubName",
}
# SageMaker writes these resource names lower-case into their ARNs.
_LOWER_CASE_ARN = frozenset(
    {
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Endpoint",
        "AWS::SageMaker::ModelPackageGroup",
        "AWS::SageMaker::Pipeline",
    }
)
_ID_PREFIX: dict[str, str] = {
    "AWS::EC2::VPC": "vpc-",
    "AWS::EC2::Subnet": "subnet-",
    "AWS::EC2::SecurityGroup": "sg-",
    "AWS::EC2::RouteTable": "rtb-",
    "AWS::EC2::VPCEndpoint": "vpce-",
    "AWS::EC2::FlowLog": "fl-",
    "AWS::EFS::FileSystem": "fs-",
}


class Account:
    """The templates of one app, resolved as if deployed in ``account``/``region``."""

    def __init__(
        self,
        templates: Mapping[str, Mapping[str, Any]],
        *,
        account: str = "111122223333",
        region: str = "eu-west-1",
        partition: str = "aws",
        paths: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``paths`` (stack -> logical id -> construct path) complements ``aws:cdk:path`` metadata, which an app
        built without the CLI does not write; :meth:`from_assembly` fills it from the assembly's manifest."""
        if not re.fullmatch(r"\d{12}", account):
            raise ValueError(f"Account account: must be 12 digits, got {account!r}")
        self.templates = {name: dict(t) for name, t in templates.items()}
        self.account = account
        self.region = region
        self.partition = partition
        self.url_suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
        self._paths = {stack: dict(p) for stack, p in (paths or {}).items()}
        self._resolving: set[tuple[str, str]] = set()

    @classmethod
    def from_assembly(cls, assembly: Any, **kwargs: Any) -> Account:
        """All stacks of a synthesized ``CloudAssembly`` with their construct paths."""
        templates: dict[str, Mapping[str, Any]] = {}
        paths: dict[str, dict[str, str]] = {}
        for artifact in assembly.stacks:
            templates[artifact.stack_name] = artifact.template
            paths[artifact.stack_name] = {
                str(entry.data): str(entry.path) for entry in artifact.find_metadata_by_type("aws:cdk:logicalId")
            }
        return cls(templates, paths=paths, **kwargs)

    # ------------------------------------------------------------------------------------------------------
    # Public queries
    # ------------------------------------------------------------------------------------------------------
    def resources(self, stack: str) -> dict[str, dict[str, Any]]:
        try:
            return dict(self.templates[stack].get("Resources", {}))
        except KeyError:
            raise ValueError(f"no stack named {stack!r} (stacks: {', '.join(sorted(self.templates))})") from None

    def resource(self, stack: str, logical_id: str) -> dict[str, Any]:
        resources = self.resources(stack)
        if logical_id not in resources:
            raise ValueError(f"stack {stack}: no resource with logical id {logical_id!r}")
        return dict(resources[logical_id])

    def path(self, stack: str, logical_id: str) -> str:
        """The construct path of a resource ("" when unknown)."""
        metadata = self.resource(stack, logical_id).get("Metadata") or {}
        return str(metadata.get("aws:cdk:path") or self._paths.get(stack, {}).get(logical_id, ""))

    def find_resources(self, resource_type: str, path_contains: str = "") -> list[tuple[str, str]]:
        """(stack, logical id) of every resource of a type whose construct path contains ``path_contains``."""
        found = []
        for stack in sorted(self.templates):
            for logical_id, resource in self.resources(stack).items():
                if resource.get("Type") == resource_type and path_contains in self.path(stack, logical_id):
                    found.append((stack, logical_id))
        return found

    def find_roles(self, path_contains: str) -> list[tuple[str, str]]:
        return self.find_resources("AWS::IAM::Role", path_contains)

    def resolve(self, stack: str, value: Any) -> Any:
        """A template fragment with every intrinsic function computed."""
        result = self._resolve(stack, value)
        return None if result is _NO_VALUE else result

    def attr(self, stack: str, logical_id: str, attribute: str) -> str:
        """The value of ``Fn::GetAtt [logical_id, attribute]``, or of ``Ref`` when ``attribute`` is "Ref"."""
        value = self._ref(stack, logical_id) if attribute == "Ref" else self._get_att(stack, logical_id, attribute)
        if not isinstance(value, str):
            raise ValueError(f"stack {stack}: {logical_id}.{attribute} is not a string: {value!r}")
        return value

    def resource_arn(self, stack: str, logical_id: str) -> str:
        """The ARN IAM authorizes requests on for this resource."""
        resource = self.resource(stack, logical_id)
        kind = resource["Type"]
        builder = _ARNS.get(kind)
        if builder is None:
            raise ValueError(f"stack {stack}: no ARN format known for {logical_id} of type {kind}")
        return builder(self, stack, logical_id)

    def identity_policies(self, stack: str, role_logical_id: str) -> list[dict[str, Any]]:
        """Every readable policy document attached to the role, resolved."""
        role = self._role(stack, role_logical_id)
        role_name = self.attr(stack, role_logical_id, "Ref")
        documents: list[dict[str, Any]] = []
        for inline in self.resolve(stack, role.get("Properties", {}).get("Policies")) or []:
            documents.append(_document(inline["PolicyDocument"]))
        for other, _, resource in self._all_resources():
            kind = resource.get("Type")
            props = resource.get("Properties", {})
            if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                if role_name in (self.resolve(other, props.get("Roles")) or []):
                    documents.append(_document(self.resolve(other, props["PolicyDocument"])))
            elif kind == "AWS::IAM::RolePolicy" and self.resolve(other, props.get("RoleName")) == role_name:
                documents.append(_document(self.resolve(other, props["PolicyDocument"])))
        customer = self._customer_managed_policies()
        for arn in self._managed_arns(stack, role_logical_id):
            if arn in customer:
                other, logical_id = customer[arn]
                document = self.resolve(other, self.resource(other, logical_id)["Properties"]["PolicyDocument"])
                if _document(document) not in documents:
                    documents.append(_document(document))
        return documents

    def managed_policy_arns(self, stack: str, role_logical_id: str) -> list[str]:
        """Managed policy ARNs of the role that cannot be read offline (AWS managed, or not in these templates)."""
        customer = self._customer_managed_policies()
        return [arn for arn in self._managed_arns(stack, role_logical_id) if arn not in customer]

    def trust_policy(self, stack: str, role_logical_id: str) -> dict[str, Any]:
        role = self._role(stack, role_logical_id)
        return _document(self.resolve(stack, role["Properties"]["AssumeRolePolicyDocument"]))

    def resource_policy(self, stack: str, logical_id: str) -> dict[str, Any] | None:
        """The key, topic, bucket, queue, repository or model-package-group policy of a resource, or None."""
        resource = self.resource(stack, logical_id)
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::KMS::Key":
            return _document(self.resolve(stack, props["KeyPolicy"])) if "KeyPolicy" in props else None
        if kind == "AWS::SageMaker::ModelPackageGroup":
            policy = props.get("ModelPackageGroupPolicy")
            return _document(self.resolve(stack, policy)) if policy is not None else None
        if kind == "AWS::ECR::Repository":
            policy = props.get("RepositoryPolicyText")
            return _document(self.resolve(stack, policy)) if policy is not None else None
        attached = {
            "AWS::SNS::Topic": ("AWS::SNS::TopicPolicy", "Topics", "Ref"),
            "AWS::S3::Bucket": ("AWS::S3::BucketPolicy", "Bucket", "Ref"),
            "AWS::SQS::Queue": ("AWS::SQS::QueuePolicy", "Queues", "Ref"),
        }.get(kind)
        if attached is None:
            return None
        policy_type, target_property, attribute = attached
        me = self.attr(stack, logical_id, attribute)
        statements: list[Any] = []
        for other, _, candidate in self._all_resources():
            if candidate.get("Type") != policy_type:
                continue
            targets = self.resolve(other, candidate["Properties"][target_property])
            if me in (targets if isinstance(targets, list) else [targets]):
                document = _document(self.resolve(other, candidate["Properties"]["PolicyDocument"]))
                raw = document.get("Statement", [])
                statements.extend(raw if isinstance(raw, list) else [raw])
        return {"Version": "2012-10-17", "Statement": statements} if statements else None

    # ------------------------------------------------------------------------------------------------------
    # Physical values
    # ------------------------------------------------------------------------------------------------------
    def _hash(self, stack: str, logical_id: str, salt: str = "") -> str:
        return hashlib.sha256(f"{self.account}/{self.region}/{stack}/{logical_id}/{salt}".encode()).hexdigest()

    def _arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )

    def _name(self, stack: str, logical_id: str) -> str:
        """The resource's name: its name property when the template sets one, else a generated one."""
        resource = self.resource(stack, logical_id)
        kind = resource["Type"]
        prop = _NAME_PROPERTY.get(kind)
        if prop and prop in resource.get("Properties", {}):
            value = self.resolve(stack, resource["Properties"][prop])
            if not isinstance(value, str):
                raise ValueError(f"stack {stack}: {logical_id}.{prop} is not a string: {value!r}")
            return value
        suffix = self._hash(stack, logical_id)[:12].upper()
        if kind in ("AWS::S3::Bucket", "AWS::ECR::Repository"):
            return f"{stack}-{logical_id}"[:50].lower() + "-" + suffix.lower()
        if kind == "AWS::SageMaker::Domain":
            return f"{stack}-{logical_id}"[:50]
        return f"{stack}-{logical_id}"[:51] + "-" + suffix

    def _physical_id(self, stack: str, logical_id: str) -> str:
        kind = self.resource(stack, logical_id)["Type"]
        digest = self._hash(stack, logical_id)
        if kind in _ID_PREFIX:
            return _ID_PREFIX[kind] + digest[:17]
        if kind == "AWS::SageMaker::Domain":
            return "d-" + digest[:12]
        if kind == "AWS::KMS::Key":
            return f"{digest[0:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return self._name(stack, logical_id)

    def _domain_of(self, stack: str, logical_id: str) -> str:
        domain = self.resolve(stack, self.resource(stack, logical_id)["Properties"]["DomainId"])
        if not isinstance(domain, str):
            raise ValueError(f"stack {stack}: {logical_id}.DomainId is not a string: {domain!r}")
        return domain

    def _ref(self, stack: str, logical_id: str) -> Any:
        template = self.templates[stack]
        if logical_id in template.get("Parameters", {}):
            return self._parameter(stack, logical_id)
        resource = self.resource(stack, logical_id)
        kind = resource["Type"]
        if kind in _REF_IS_ARN:
            return self.resource_arn(stack, logical_id)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.{self.url_suffix}/{self.account}/{self._name(stack, logical_id)}"
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            return f"{logical_id}-{self._hash(stack, logical_id)[:12]}"
        return self._physical_id(stack, logical_id)

    def _get_att(self, stack: str, logical_id: str, attribute: str) -> Any:
        resource = self.resource(stack, logical_id)
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            return f"{attribute}-{self._hash(stack, logical_id, attribute)[:12]}"
        if attribute in ("Arn", f"{kind.rsplit('::', 1)[1]}Arn", "PolicyArn", "TopicArn", "ConnectionArn"):
            return self._att_arn(stack, logical_id, kind)
        plain = {
            ("AWS::SageMaker::Domain", "DomainId"),
            ("AWS::EC2::SecurityGroup", "GroupId"),
            ("AWS::EC2::SecurityGroup", "Id"),
            ("AWS::EC2::VPC", "VpcId"),
            ("AWS::EC2::Subnet", "SubnetId"),
            ("AWS::EFS::FileSystem", "FileSystemId"),
            ("AWS::KMS::Key", "KeyId"),
        }
        if (kind, attribute) in plain:
            return self._physical_id(stack, logical_id)
        name_attributes = {"Name", "RuleName", "TopicName", "QueueName", f"{kind.rsplit('::', 1)[1]}Name"}
        if attribute in name_attributes and kind in _NAME_PROPERTY:
            return self._name(stack, logical_id)
        digest = self._hash(stack, logical_id, attribute)
        if (kind, attribute) == ("AWS::SageMaker::Domain", "HomeEfsFileSystemId"):
            return "fs-" + digest[:17]
        if (kind, attribute) in (
            ("AWS::SageMaker::Domain", "SecurityGroupIdForDomainBoundary"),
            ("AWS::EC2::VPC", "DefaultSecurityGroup"),
        ):
            return "sg-" + digest[:17]
        if (kind, attribute) == ("AWS::SageMaker::Domain", "Url"):
            return f"https://{self._physical_id(stack, logical_id)}.studio.{self.region}.sagemaker.aws"
        if (kind, attribute) == ("AWS::IAM::Role", "RoleId"):
            return "AROA" + digest[:17].upper()
        if (kind, attribute) == ("AWS::EC2::VPC", "CidrBlock"):
            return str(self.resolve(stack, props.get("CidrBlock", "10.0.0.0/16")))
        if (kind, attribute) == ("AWS::S3::Bucket", "DomainName"):
            return f"{self._name(stack, logical_id)}.s3.{self.url_suffix}"
        if (kind, attribute) == ("AWS::S3::Bucket", "RegionalDomainName"):
            return f"{self._name(stack, logical_id)}.s3.{self.region}.{self.url_suffix}"
        if (kind, attribute) == ("AWS::SQS::Queue", "QueueUrl"):
            return self._ref(stack, logical_id)
        if (kind, attribute) == ("AWS::SSM::Parameter", "Value"):
            return self.resolve(stack, props["Value"])
        if (kind, attribute) == ("AWS::SageMaker::ModelCard", "ModelCardVersion"):
            return "1"  # a new card's first version
        if (kind, attribute) == ("AWS::ECR::Repository", "RepositoryUri"):
            return f"{self.account}.dkr.ecr.{self.region}.{self.url_suffix}/{self._name(stack, logical_id)}"
        raise ValueError(f"stack {stack}: no value known for Fn::GetAtt {logical_id}.{attribute} (type {kind})")

    def _att_arn(self, stack: str, logical_id: str, kind: str) -> str:
        if kind == "AWS::Logs::LogGroup":
            return self.resource_arn(stack, logical_id) + ":*"
        return self.resource_arn(stack, logical_id)

    def _parameter(self, stack: str, name: str) -> Any:
        parameter = self.templates[stack]["Parameters"][name]
        default = parameter.get("Default")
        if _SSM_PARAMETER_TYPE.match(str(parameter.get("Type", ""))):
            if not isinstance(default, str):
                raise ValueError(f"stack {stack}: SSM parameter {name} has no parameter name as Default")
            return self._ssm(default)
        if default is None:
            raise ValueError(f"stack {stack}: parameter {name} has no Default to resolve")
        if str(parameter.get("Type", "")).startswith(("List<", "CommaDelimitedList")):
            return [item.strip() for item in str(default).split(",")]
        return default

    def _ssm(self, parameter_name: str) -> Any:
        for other, _, resource in self._all_resources():
            if resource.get("Type") != "AWS::SSM::Parameter":
                continue
            if self.resolve(other, resource["Properties"].get("Name")) == parameter_name:
                return self.resolve(other, resource["Properties"]["Value"])
        raise ValueError(f"SSM parameter {parameter_name!r} is not published by any template of the app")

    # ------------------------------------------------------------------------------------------------------
    # Intrinsic functions
    # ------------------------------------------------------------------------------------------------------
    def _resolve(self, stack: str, value: Any) -> Any:
        if isinstance(value, str):
            return _DYNAMIC_SSM.sub(lambda m: str(self._ssm(m.group(1))), value) if "{{resolve:" in value else value
        if isinstance(value, list):
            items = [self._resolve(stack, item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, stack, argument)
        resolved = {k: self._resolve(stack, v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _fn_ref(self, stack: str, argument: Any) -> Any:
        pseudo = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": stack,
            "AWS::StackId": self._arn("cloudformation", f"stack/{stack}/{self._hash(stack, 'stack-id')[:32]}"),
            "AWS::NoValue": _NO_VALUE,
        }
        if argument in pseudo:
            return pseudo[argument]
        return self._guarded(stack, str(argument), "Ref", lambda: self._ref(stack, str(argument)))

    def _fn_get_att(self, stack: str, argument: Any) -> Any:
        if isinstance(argument, str):
            logical_id, attribute = argument.split(".", 1)
        else:
            logical_id, attribute = argument[0], self._resolve(stack, argument[1])
        return self._guarded(
            stack, f"{logical_id}.{attribute}", "GetAtt", lambda: self._get_att(stack, logical_id, attribute)
        )

    def _guarded(self, stack: str, what: str, kind: str, compute: Callable[[], Any]) -> Any:
        key = (stack, f"{kind}:{what}")
        if key in self._resolving:
            raise ValueError(f"stack {stack}: circular reference while resolving {kind} {what}")
        self._resolving.add(key)
        try:
            return compute()
        finally:
            self._resolving.discard(key)

    def _fn_join(self, stack: str, argument: Any) -> str:
        separator, items = argument
        parts = self._resolve(stack, items)
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise ValueError(f"stack {stack}: Fn::Join of non-strings: {parts!r}")
        return str(separator).join(parts)

    def _fn_sub(self, stack: str, argument: Any) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        else:
            text, variables = argument[0], {k: self._resolve(stack, v) for k, v in argument[1].items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                value = self._fn_get_att(stack, name)
            else:
                value = self._fn_ref(stack, name)
            if not isinstance(value, str):
                raise ValueError(f"stack {stack}: Fn::Sub variable {name} is not a string: {value!r}")
            return value

        return _SUB_VARIABLE.sub(replace, text)

    def _fn_select(self, stack: str, argument: Any) -> Any:
        index, items = self._resolve(stack, argument[0]), self._resolve(stack, argument[1])
        if not isinstance(items, list):
            raise ValueError(f"stack {stack}: Fn::Select from a non-list: {items!r}")
        try:
            return items[int(index)]
        except (IndexError, ValueError):
            raise ValueError(f"stack {stack}: Fn::Select index {index!r} out of range for {items!r}") from None

    def _fn_split(self, stack: str, argument: Any) -> list[str]:
        separator, text = argument[0], self._resolve(stack, argument[1])
        if not isinstance(text, str):
            raise ValueError(f"stack {stack}: Fn::Split of a non-string: {text!r}")
        return text.split(separator)

    def _fn_get_azs(self, stack: str, argument: Any) -> list[str]:
        region = self._resolve(stack, argument) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_get_stack_output(self, stack: str, argument: Any) -> Any:
        other = self._resolve(stack, argument["StackName"])
        region = self._resolve(stack, argument.get("Region", self.region))
        if region != self.region:
            raise ValueError(f"stack {stack}: Fn::GetStackOutput from another region ({region})")
        outputs = self.templates.get(other, {}).get("Outputs", {})
        name = argument["OutputName"]
        if name not in outputs:
            raise ValueError(f"stack {stack}: Fn::GetStackOutput: stack {other!r} has no output {name!r}")
        return self._resolve(other, outputs[name]["Value"])

    def _fn_import_value(self, stack: str, argument: Any) -> Any:
        export = self._resolve(stack, argument)
        for other, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                if "Export" in output and self._resolve(other, output["Export"]["Name"]) == export:
                    return self._resolve(other, output["Value"])
        raise ValueError(f"stack {stack}: no stack exports {export!r}")

    def _fn_if(self, stack: str, argument: Any) -> Any:
        condition, when_true, when_false = argument
        return self._resolve(stack, when_true if self._condition(stack, condition) else when_false)

    def _condition(self, stack: str, name: str) -> bool:
        conditions = self.templates[stack].get("Conditions", {})
        if name not in conditions:
            raise ValueError(f"stack {stack}: no condition {name!r}")
        return bool(self._fn_condition_value(stack, conditions[name]))

    def _fn_condition_value(self, stack: str, value: Any) -> Any:
        if isinstance(value, Mapping) and len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Fn::Equals":
                left, right = (self._fn_condition_value(stack, v) for v in argument)
                return left == right
            if key == "Fn::And":
                return all(self._fn_condition_value(stack, v) for v in argument)
            if key == "Fn::Or":
                return any(self._fn_condition_value(stack, v) for v in argument)
            if key == "Fn::Not":
                return not self._fn_condition_value(stack, argument[0])
            if key == "Condition":
                return self._condition(stack, argument)
        return self._resolve(stack, value)

    def _fn_base64(self, stack: str, argument: Any) -> str:
        return base64.b64encode(str(self._resolve(stack, argument)).encode()).decode()

    # ------------------------------------------------------------------------------------------------------
    def _all_resources(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (stack, logical_id, resource)
            for stack in sorted(self.templates)
            for logical_id, resource in self.resources(stack).items()
        ]

    def _role(self, stack: str, logical_id: str) -> dict[str, Any]:
        role = self.resource(stack, logical_id)
        if role.get("Type") != "AWS::IAM::Role":
            raise ValueError(f"stack {stack}: {logical_id} is a {role.get('Type')}, not an AWS::IAM::Role")
        return role

    def _managed_arns(self, stack: str, logical_id: str) -> list[str]:
        arns = self.resolve(stack, self._role(stack, logical_id).get("Properties", {}).get("ManagedPolicyArns"))
        return [str(a) for a in arns or []]

    def _customer_managed_policies(self) -> dict[str, tuple[str, str]]:
        return {
            self.attr(stack, logical_id, "PolicyArn"): (stack, logical_id)
            for stack, logical_id, resource in self._all_resources()
            if resource.get("Type") == "AWS::IAM::ManagedPolicy"
        }


def _document(value: Any) -> dict[str, Any]:
    """A policy document (templates may hold one as a JSON string)."""
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, Mapping) or "Statement" not in value:
        raise ValueError(f"not a policy document: {value!r}")
    return dict(value)


def _sagemaker(resource: str, lower: bool = False) -> Callable[[Account, str, str], str]:
    def build(acct: Account, stack: str, logical_id: str) -> str:
        name = acct._name(stack, logical_id)
        return acct._arn("sagemaker", f"{resource}/{name.lower() if lower else name}")

    return build


def _in_domain(resource: str) -> Callable[[Account, str, str], str]:
    def build(acct: Account, stack: str, logical_id: str) -> str:
        domain = acct._domain_of(stack, logical_id)
        return acct._arn("sagemaker", f"{resource}/{domain}/{acct._name(stack, logical_id)}")

    return build


def _iam_path(acct: Account, stack: str, logical_id: str) -> str:
    path = acct.resolve(stack, acct.resource(stack, logical_id).get("Properties", {}).get("Path")) or "/"
    return str(path)


_ARNS: dict[str, Callable[[Account, str, str], str]] = {
    "AWS::IAM::Role": lambda a, s, i: a._arn("iam", f"role{_iam_path(a, s, i)}{a._name(s, i)}", region=False),
    "AWS::IAM::ManagedPolicy": lambda a, s, i: a._arn(
        "iam", f"policy{_iam_path(a, s, i)}{a._name(s, i)}", region=False
    ),
    "AWS::S3::Bucket": lambda a, s, i: a._arn("s3", a._name(s, i), region=False, account=False),
    "AWS::KMS::Key": lambda a, s, i: a._arn("kms", f"key/{a._physical_id(s, i)}"),
    "AWS::KMS::Alias": lambda a, s, i: a._arn("kms", a._name(s, i)),
    "AWS::Lambda::Function": lambda a, s, i: a._arn("lambda", f"function:{a._name(s, i)}"),
    "AWS::Logs::LogGroup": lambda a, s, i: a._arn("logs", f"log-group:{a._name(s, i)}"),
    "AWS::SNS::Topic": lambda a, s, i: a._arn("sns", a._name(s, i)),
    "AWS::SQS::Queue": lambda a, s, i: a._arn("sqs", a._name(s, i)),
    "AWS::SSM::Parameter": lambda a, s, i: a._arn("ssm", "parameter/" + a._name(s, i).lstrip("/")),
    "AWS::Events::Rule": lambda a, s, i: a._arn("events", f"rule/{a._name(s, i)}"),
    "AWS::StepFunctions::StateMachine": lambda a, s, i: a._arn("states", f"stateMachine:{a._name(s, i)}"),
    "AWS::CloudWatch::Alarm": lambda a, s, i: a._arn("cloudwatch", f"alarm:{a._name(s, i)}"),
    "AWS::ECR::Repository": lambda a, s, i: a._arn("ecr", f"repository/{a._name(s, i)}"),
    "AWS::CodeBuild::Project": lambda a, s, i: a._arn("codebuild", f"project/{a._name(s, i)}"),
    "AWS::CodePipeline::Pipeline": lambda a, s, i: a._arn("codepipeline", a._name(s, i)),
    "AWS::CodeConnections::Connection": lambda a, s, i: a._arn("codeconnections", f"connection/{a._hash(s, i)[:36]}"),
    "AWS::CodeStarConnections::Connection": lambda a, s, i: a._arn(
        "codestar-connections", f"connection/{a._hash(s, i)[:36]}"
    ),
    "AWS::EC2::VPC": lambda a, s, i: a._arn("ec2", f"vpc/{a._physical_id(s, i)}"),
    "AWS::EC2::Subnet": lambda a, s, i: a._arn("ec2", f"subnet/{a._physical_id(s, i)}"),
    "AWS::EC2::SecurityGroup": lambda a, s, i: a._arn("ec2", f"security-group/{a._physical_id(s, i)}"),
    "AWS::EC2::VPCEndpoint": lambda a, s, i: a._arn("ec2", f"vpc-endpoint/{a._physical_id(s, i)}"),
    "AWS::EFS::FileSystem": lambda a, s, i: a._arn("elasticfilesystem", f"file-system/{a._physical_id(s, i)}"),
    "AWS::SageMaker::Domain": lambda a, s, i: a._arn("sagemaker", f"domain/{a._physical_id(s, i)}"),
    "AWS::SageMaker::UserProfile": _in_domain("user-profile"),
    "AWS::SageMaker::Space": _in_domain("space"),
    "AWS::SageMaker::Model": _sagemaker("model", lower=True),
    "AWS::SageMaker::EndpointConfig": _sagemaker("endpoint-config", lower=True),
    "AWS::SageMaker::Endpoint": _sagemaker("endpoint", lower=True),
    "AWS::SageMaker::ModelPackageGroup": _sagemaker("model-package-group", lower=True),
    "AWS::SageMaker::Pipeline": _sagemaker("pipeline", lower=True),
    "AWS::SageMaker::ModelCard": _sagemaker("model-card"),
    "AWS::SageMaker::StudioLifecycleConfig": _sagemaker("studio-lifecycle-config"),
    "AWS::SageMaker::Image": _sagemaker("image"),
    "AWS::SageMaker::Hub": _sagemaker("hub"),
}
# Types whose Ref is their ARN (CloudFormation's documented Ref value).
_REF_IS_ARN = frozenset(
    {
        "AWS::IAM::ManagedPolicy",
        "AWS::SNS::Topic",
        "AWS::StepFunctions::StateMachine",
        "AWS::SageMaker::UserProfile",
        "AWS::SageMaker::Space",
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Endpoint",
        "AWS::SageMaker::ModelPackageGroup",
        "AWS::SageMaker::Image",
        "AWS::CodeConnections::Connection",
        "AWS::CodeStarConnections::Connection",
    }
)

_FUNCTIONS: dict[str, Callable[[Account, str, Any], Any]] = {
    "Ref": Account._fn_ref,
    "Fn::GetAtt": Account._fn_get_att,
    "Fn::Join": Account._fn_join,
    "Fn::Sub": Account._fn_sub,
    "Fn::Select": Account._fn_select,
    "Fn::Split": Account._fn_split,
    "Fn::GetAZs": Account._fn_get_azs,
    "Fn::GetStackOutput": Account._fn_get_stack_output,
    "Fn::ImportValue": Account._fn_import_value,
    "Fn::If": Account._fn_if,
    "Fn::Base64": Account._fn_base64,
}
