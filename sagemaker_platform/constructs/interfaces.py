"""What constructs need of each other, as protocols: an owned resource and an imported one offer the same."""

from __future__ import annotations

from typing import Protocol

from aws_cdk import aws_iam as iam
from constructs import IConstruct, Node


class IStudioDomain(Protocol):
    """A Studio domain, owned by this app or imported by id.

    Profiles and spaces built on a domain report themselves with :meth:`register_member`, so the domain can guard
    them with a teardown in whatever stack they live in.
    """

    @property
    def node(self) -> Node: ...

    @property
    def domain_id(self) -> str: ...

    @property
    def domain_arn(self) -> str: ...

    def register_member(self, member: IConstruct, scope: IConstruct | None = None) -> None: ...

    def grant_studio_access(self, role: iam.IRole) -> iam.ManagedPolicy: ...

    def grant_presigned_url(self, grantee: iam.IGrantable, *, user_profile_name: str = ...) -> iam.Grant: ...


_MEMBERS = ("domain_id", "domain_arn", "register_member", "grant_studio_access", "grant_presigned_url")


def require_domain(owner: str, domain: object) -> IStudioDomain:
    """Fail at the call, naming the parameter, when something else is passed as a domain."""
    if not all(hasattr(domain, member) for member in _MEMBERS):
        raise TypeError(f"{owner} domain: expected a StudioDomain or an imported domain (got {type(domain).__name__})")
    return domain  # type: ignore[return-value]
