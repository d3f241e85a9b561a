"""Private (curated) hubs: the organisation's shared models and notebooks.

``AWS::SageMaker::Hub`` is a CloudFormation resource; hub content is not, so :class:`HubContent` and
:class:`HubModelReference` are custom resources served by ``lambda/hub_content.py``.

HubName and S3StorageConfig are create-only: changing either replaces the hub, and a replacement under the same
name fails ("cannot update a stack when a custom-named resource requires replacing"). So the deployed name is the
given name plus the platform's digest of the construct's namespace and the storage location as the template holds
it (``rules.name_digest``, recorded like every derived name): a new bucket or prefix gives a new hub under a new
name, and the content resources (whose properties name the hub) move with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ram as ram
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.acknowledgements import acknowledge_wildcards
from sagemaker_platform.constructs.bucket import SecureBucket
from sagemaker_platform.constructs.handler_provider import HandlerProvider, load_contracts
from sagemaker_platform.constructs.model import NAME_METADATA, default_namespace
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import RESOURCE_NAME, derived_name, name_digest

# Patterns and limits of the CloudFormation schema (aws-sagemaker-hub) and the SageMaker API model.
_NAME = RESOURCE_NAME.regex
_VERSION = re.compile(r"^\d{1,4}\.\d{1,4}\.\d{1,4}$")
_DIGEST_LENGTH = 10  # rules.name_digest's length
MAX_BASE_NAME = 63 - 1 - _DIGEST_LENGTH
MAX_KEYWORDS = 50
PUBLIC_HUB = "SageMakerPublicHub"
DEFAULT_DOCUMENT_SCHEMA_VERSION = "2.0.0"
IMPORTED_TYPES = ("Model", "Notebook")
SUPPORT_STATUSES = ("Supported", "Deprecated", "Restricted")

HUB_WILDCARD_REASON = (
    "Hub content is addressed as hub-content/<hub>/<type>/<name>/<version>: the statement names this hub and "
    "leaves type, name and version open, since curators add content after deployment; the storage bucket is read "
    "and written under the hub's prefix only; ListHubs supports no resource-level permissions."
)

# What a user needs to browse the hub and use (deploy, fine-tune, open) its content.
READ_ACTIONS = (
    "sagemaker:DescribeHub",
    "sagemaker:ListHubContents",
    "sagemaker:DescribeHubContent",
    "sagemaker:ListHubContentVersions",
)
# Studio lists the hubs a user may open; ListHubs has no resource-level permissions.
LIST_ACTIONS = ("sagemaker:ListHubs",)
# What hiding the public JumpStart hub denies: browsing its catalogue and reading content the private hub does not
# reference (a reference resolves to the public content, so referenced models stay usable).
PUBLIC_HUB_BROWSE_ACTIONS = ("sagemaker:DescribeHub", "sagemaker:ListHubContents")
PUBLIC_HUB_CONTENT_ACTIONS = ("sagemaker:DescribeHubContent", "sagemaker:ListHubContentVersions")
# What a curator adds on top: import, reference and remove content.
CURATE_ACTIONS = (
    "sagemaker:ImportHubContent",
    "sagemaker:UpdateHubContent",
    "sagemaker:DeleteHubContent",
    "sagemaker:CreateHubContentReference",
    "sagemaker:UpdateHubContentReference",
    "sagemaker:DeleteHubContentReference",
)
# Exactly the calls lambda/hub_content.py makes.
HANDLER_ACTIONS = (
    "sagemaker:DescribeHubContent",
    "sagemaker:ListHubContentVersions",
    "sagemaker:ImportHubContent",
    "sagemaker:DeleteHubContent",
    "sagemaker:CreateHubContentReference",
    "sagemaker:UpdateHubContentReference",
    "sagemaker:DeleteHubContentReference",
)


def _check_name(what: str, value: str, limit: int = 63) -> None:
    if cdk.Token.is_unresolved(value):
        raise ValueError(f"{what} must be a literal string (it names resources at synth time), got a token")
    if not _NAME.match(value) or len(value) > limit:
        raise ValueError(
            f"{what} must be 1-{limit} letters, digits and hyphens, starting and ending with a letter or digit; "
            f"got {value!r}"
        )


def _check_version(what: str, value: str) -> None:
    if not _VERSION.match(value):
        raise ValueError(f"{what} must look like 1.0.0 (up to four digits per part), got {value!r}")


def _check_length(what: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ValueError(f"{what} is at most {limit} characters, got {len(value)}")


def _check_keywords(what: str, keywords: Sequence[str]) -> list[str]:
    if len(keywords) > MAX_KEYWORDS:
        raise ValueError(f"{what} holds at most {MAX_KEYWORDS} keywords, got {len(keywords)}")
    for keyword in keywords:
        if not keyword or len(keyword) > 255 or keyword != keyword.lower():
            raise ValueError(f"{what}: each keyword is 1-255 characters without capital letters, got {keyword!r}")
    return list(keywords)


class PrivateHub(Construct):
    """A private hub with its storage: a KMS-encrypted :class:`SecureBucket` unless ``storage_bucket`` is given."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        display_name: str | None = None,
        keywords: Sequence[str] = (),
        storage_bucket: s3.IBucket | None = None,
        encryption_key: kms.IKey | None = None,
        access_log_bucket: s3.IBucket | None = None,
        storage_prefix: str = "hub",
    ) -> None:
        """
        :param name: the base of the hub's name (the deployed ``hub_name`` adds a digest of the storage location).
        :param description: shown to users browsing the hub.
        :param display_name: the name shown in Studio (default: ``name``).
        :param keywords: search keywords, lower case.
        :param storage_bucket: an existing bucket for the hub's content; else one is created with ``encryption_key``
            and access logs to ``access_log_bucket``.
        :param encryption_key: encrypts the storage bucket this creates and the content handler's logs.
        :param access_log_bucket: where the created storage bucket's access logs go.
        :param storage_prefix: the key prefix of the hub's content in the bucket.
        """
        for parameter, value, interface in (
            ("storage_bucket", storage_bucket, s3.IBucket),
            ("encryption_key", encryption_key, kms.IKey),
            ("access_log_bucket", access_log_bucket, s3.IBucket),
        ):
            if value is not None:
                require("PrivateHub", parameter, value, interface)
        super().__init__(scope, construct_id)
        _check_name("PrivateHub name", name, MAX_BASE_NAME)
        if not description or len(description) > 1023:
            raise ValueError(f"PrivateHub description must be 1-1023 characters, got {len(description or '')}")
        _check_length("PrivateHub display_name", display_name, 255)
        search_keywords = _check_keywords("PrivateHub keywords", keywords)
        prefix = storage_prefix.strip("/")
        if not prefix or not re.fullmatch(r"[A-Za-z0-9!_.*'()/-]+", prefix):
            raise ValueError(f"PrivateHub storage_prefix must be a non-empty S3 key prefix, got {storage_prefix!r}")
        if storage_bucket is None:
            needed = (("encryption_key", encryption_key), ("access_log_bucket", access_log_bucket))
            missing = [n for n, v in needed if v is None]
            if missing:
                raise ValueError(
                    f"PrivateHub needs {' and '.join(missing)} to create its storage bucket (or give storage_bucket)"
                )
            assert encryption_key is not None and access_log_bucket is not None
            storage_bucket = SecureBucket(
                self, "Storage", encryption_key=encryption_key, access_log_bucket=access_log_bucket
            ).bucket
        self.bucket = storage_bucket
        self.storage_prefix = f"{prefix}/"
        self.encryption_key = encryption_key
        self.storage_uri = f"s3://{storage_bucket.bucket_name}/{self.storage_prefix}"
        # The create-only storage as the template holds it (a bucket made here resolves to its Ref).
        namespace = default_namespace(self)
        storage = cdk.Stack.of(self).resolve({"S3OutputPath": self.storage_uri})
        self.hub_name = derived_name(name, name_digest(namespace, {"S3StorageConfig": storage}))
        self.hub = sagemaker.CfnHub(
            self,
            "Resource",
            hub_name=self.hub_name,
            hub_description=description,
            hub_display_name=display_name or name,
            hub_search_keywords=search_keywords or None,
            s3_storage_config=sagemaker.CfnHub.S3StorageConfigProperty(s3_output_path=self.storage_uri),
        )
        self.hub.add_metadata(NAME_METADATA, {"namespace": namespace})
        stack = cdk.Stack.of(self)
        self.hub_arn = stack.format_arn(service="sagemaker", resource="hub", resource_name=self.hub_name)
        # hub-content/<hub>/<type>/<name>/<version>
        self.content_arns = stack.format_arn(
            service="sagemaker", resource="hub-content", resource_name=f"{self.hub_name}/*/*/*"
        )
        self._handler: HandlerProvider | None = None

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Browse the hub and use its content: describe and list the hub, its content and versions, and read
        the content's files in the hub's storage."""
        self.bucket.grant_read(grantee, f"{self.storage_prefix}*")
        iam.Grant.add_to_principal(grantee=grantee, actions=list(LIST_ACTIONS), resource_arns=["*"])
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[self.hub_arn, self.content_arns]
        )

    def grant_curate(self, grantee: iam.IGrantable) -> iam.Grant:
        """Everything :meth:`grant_read` gives, plus importing, referencing and deleting content, and writing the
        hub's storage."""
        self.grant_read(grantee)
        self.bucket.grant_read_write(grantee, f"{self.storage_prefix}*")
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(CURATE_ACTIONS), resource_arns=[self.hub_arn, self.content_arns]
        )

    def deny_curate(self, role: iam.IRole) -> None:
        """Refuse ``role`` the curator's actions on this hub whatever else it carries (AWS managed policies, or
        permissions a team adds): only the configured curators change the organisation's catalogue."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=list(CURATE_ACTIONS),
                resources=[self.hub_arn, self.content_arns],
            )
        )

    def share_with_accounts(
        self, accounts: Sequence[str], *, allow_external_principals: bool = False
    ) -> ram.CfnResourceShare:
        """Share the hub with other accounts through AWS RAM, and let them read its storage (objects under the
        prefix and, for the bucket this hub created, its key): shared content is read from this account's bucket.

        :param accounts: 12-digit account ids (at most 100).
        :param allow_external_principals: also accounts outside this account's organization.
        """
        literal = [a for a in accounts if not cdk.Token.is_unresolved(a)]
        for account in literal:
            if not re.fullmatch(r"[0-9]{12}", account):
                raise ValueError(f"PrivateHub share_with_accounts: a 12-digit account id, got {account!r}")
        if not accounts or len(accounts) > 100 or len(set(literal)) != len(literal):
            raise ValueError(
                f"PrivateHub share_with_accounts: 1-100 distinct account ids, got {list(accounts)!r}"
            )
        if self.node.try_find_child("Share") is not None:
            raise ValueError(f"PrivateHub {self.hub_name}: share_with_accounts was already called")
        share = ram.CfnResourceShare(
            self,
            "Share",
            name=f"{self.hub_name}-share",
            resource_arns=[self.hub_arn],
            principals=list(accounts),
            allow_external_principals=allow_external_principals,
        )
        share.node.add_dependency(self.hub)
        for account in accounts:
            principal = iam.AccountPrincipal(account)
            self.bucket.grant_read(principal, f"{self.storage_prefix}*")
        return share

    def content_provider(self) -> HandlerProvider:
        """The stack's hub-content handler, allowed exactly its calls on this hub's content (once per hub)."""
        if self._handler is None:
            self._handler = HandlerProvider.of(
                self,
                "hub_content",
                encryption_key=self.encryption_key,
                total_timeout=cdk.Duration.hours(1),
                query_interval=cdk.Duration.seconds(30),
            )
            self._handler.add_to_policy(
                iam.PolicyStatement(actions=list(HANDLER_ACTIONS), resources=[self.hub_arn, self.content_arns])
            )
            acknowledge_wildcards(self._handler.role, HUB_WILDCARD_REASON)
        return self._handler


def grant_public_hub(role: iam.IRole, *, model_ids: Sequence[str] | None = None) -> None:
    """Let ``role`` read the public JumpStart hub (SageMakerPublicHub): the whole catalogue, or only the public
    models ``model_ids`` names (what the private hubs reference: using a reference reads the content it points
    to)."""
    stack = cdk.Stack.of(role)
    public = f"arn:{stack.partition}:sagemaker:{stack.region}:aws"
    if model_ids is None:
        actions = [*PUBLIC_HUB_BROWSE_ACTIONS, *PUBLIC_HUB_CONTENT_ACTIONS]
        resources = [f"{public}:hub/{PUBLIC_HUB}", f"{public}:hub-content/{PUBLIC_HUB}/*/*/*"]
    else:
        for model_id in model_ids:
            _check_name("grant_public_hub model_ids", model_id, 64)
        actions = list(PUBLIC_HUB_CONTENT_ACTIONS)
        resources = [f"{public}:hub-content/{PUBLIC_HUB}/Model/{m}/*" for m in dict.fromkeys(model_ids)]
    if resources:
        role.add_to_principal_policy(iam.PolicyStatement(sid="PublicHub", actions=actions, resources=resources))


def hide_public_hub(role: iam.IRole, *, keep_model_ids: Sequence[str] = ()) -> None:
    """Deny browsing the public JumpStart hub (SageMakerPublicHub) to ``role``, so the organisation's hubs are the
    catalogue its users see. Public models the private hubs reference (``keep_model_ids``) stay readable: using a
    model reference reads the public content it points to.

    A deny, not Studio's ``HiddenMlTools: [JumpStart]``: that setting hides the JumpStart page, and with it the
    private hubs.
    """
    stack = cdk.Stack.of(role)
    public = f"arn:{stack.partition}:sagemaker:{stack.region}:aws"
    for model_id in keep_model_ids:
        _check_name("hide_public_hub keep_model_ids", model_id, 64)
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DenyPublicHubBrowsing",
            effect=iam.Effect.DENY,
            actions=list(PUBLIC_HUB_BROWSE_ACTIONS),
            resources=[f"{public}:hub/{PUBLIC_HUB}"],
        )
    )
    # Deny the public content except what the private hubs reference: NotResource names the kept content and this
    # account's resources, so its own hubs stay under their grants. (Hubs other accounts share with this one are
    # denied too: set this in the account that owns the hubs, not in one that only consumes shared hubs.)
    kept = [f"{public}:hub-content/{PUBLIC_HUB}/Model/{model_id}/*" for model_id in dict.fromkeys(keep_model_ids)]
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DenyPublicHubContent",
            effect=iam.Effect.DENY,
            actions=list(PUBLIC_HUB_CONTENT_ACTIONS),
            not_resources=[f"arn:{stack.partition}:sagemaker:*:{stack.account}:*", *kept],
        )
    )


class _HubContentResource(Construct):
    def _create(self, hub: PrivateHub, resource_type: str, properties: dict[str, Any]) -> None:
        provider = hub.content_provider()
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=resource_type,
            properties=load_contracts().build(resource_type, HubName=hub.hub_name, **properties),
        )
        # Created after the hub and deleted before it (a hub with content cannot be deleted).
        self.resource.node.add_dependency(hub.hub)
        # The handler's permissions exist before it is called and outlive the Delete.
        self.resource.node.add_dependency(provider.role)


class HubContent(_HubContentResource):
    """An imported model or notebook, one version per deployment of a new ``version``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hub: PrivateHub,
        content_type: str,
        name: str,
        version: str,
        document: Mapping[str, Any] | str,
        document_schema_version: str = DEFAULT_DOCUMENT_SCHEMA_VERSION,
        display_name: str | None = None,
        description: str | None = None,
        markdown: str | None = None,
        keywords: Sequence[str] = (),
        support_status: str | None = None,
    ) -> None:
        """
        :param content_type: ``Model`` or ``Notebook``.
        :param document: the hub content document (a mapping is serialised as JSON).
        :param version: change it whenever anything else changes; older versions stay until the resource is deleted.
        :param hub: the private hub it is imported into.
        :param name: the content's name in the hub.
        :param document_schema_version: the schema version of ``document``.
        :param display_name: the name shown in Studio.
        :param description: shown to users browsing the hub.
        :param markdown: a longer description in Markdown.
        :param keywords: search keywords, lower case.
        :param support_status: ``Supported``, ``Deprecated`` or ``Restricted``.
        """
        super().__init__(scope, construct_id)
        if content_type not in IMPORTED_TYPES:
            raise ValueError(
                f"HubContent content_type must be one of {', '.join(IMPORTED_TYPES)}, got {content_type!r}"
            )
        _check_name("HubContent name", name)
        _check_version("HubContent version", version)
        _check_version("HubContent document_schema_version", document_schema_version)
        text = document if isinstance(document, str) else json.dumps(document, sort_keys=True, separators=(",", ":"))
        _check_length("HubContent document", text, 170391)
        _check_length("HubContent display_name", display_name, 255)
        _check_length("HubContent description", description, 1023)
        _check_length("HubContent markdown", markdown, 170391)
        if support_status is not None and support_status not in SUPPORT_STATUSES:
            raise ValueError(
                f"HubContent support_status must be one of {', '.join(SUPPORT_STATUSES)}, got {support_status!r}"
            )
        properties: dict[str, Any] = {
            "HubContentType": content_type,
            "HubContentName": name,
            "HubContentVersion": version,
            "DocumentSchemaVersion": document_schema_version,
            "HubContentDocument": text,
        }
        optional = {
            "HubContentDisplayName": display_name,
            "HubContentDescription": description,
            "HubContentMarkdown": markdown,
            "HubContentSearchKeywords": _check_keywords("HubContent keywords", keywords) or None,
            "SupportStatus": support_status,
        }
        properties.update({k: v for k, v in optional.items() if v is not None})
        self.name = name
        self.version = version
        self._create(hub, "Custom::HubContent", properties)


class HubModelReference(_HubContentResource):
    """A public JumpStart model made visible in the private hub."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hub: PrivateHub,
        model_id: str,
        name: str | None = None,
        min_version: str | None = None,
    ) -> None:
        """
        :param model_id: the JumpStart model id (``huggingface-llm-mistral-7b``, ...).
        :param name: its name in the hub (default: ``model_id``).
        :param min_version: the lowest version of the public model users may pick.
        :param hub: the private hub it is made visible in.
        """
        super().__init__(scope, construct_id)
        _check_name("HubModelReference model_id", model_id, 64)
        _check_name("HubModelReference name", name or model_id)
        if min_version is not None:
            _check_version("HubModelReference min_version", min_version)
        self.name = name or model_id
        self.public_arn = (
            f"arn:{cdk.Aws.PARTITION}:sagemaker:{cdk.Aws.REGION}:aws:hub-content/{PUBLIC_HUB}/Model/{model_id}"
        )
        properties: dict[str, Any] = {
            "HubContentType": "ModelReference",
            "HubContentName": self.name,
            "SageMakerPublicHubContentArn": self.public_arn,
        }
        if min_version is not None:
            properties["MinVersion"] = min_version
        self._create(hub, "Custom::HubModelReference", properties)
