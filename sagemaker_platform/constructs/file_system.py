"""Shared file systems for Studio: an existing Amazon EFS or FSx for Lustre file system mounted in every space of
a domain (or of one user), the POSIX identity its files are accessed as, and the security-group rules that let the
apps reach it.

SageMaker mounts a custom file system under ``/home/sagemaker-user/custom-file-systems/<type>/<id>`` in the spaces
that list it; the domain (or profile) settings make it available, a space's ``CustomFileSystems`` mount it. The
file system needs a mount target (EFS) or its network interfaces (FSx) in the domain's subnets: the platform does
not create them, it opens the ports between the Studio apps' security group and the file system's.

The POSIX identity (``CustomPosixUserConfig``) is not create-only in CloudFormation, but SageMaker refuses it on
UpdateDomain once the domain has user profiles, and on UpdateUserProfile always: set it before the first profile
exists and never change it (a change fails the update, which CloudFormation then rolls back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules.file_systems import (
    DEFAULT_GID,
    DEFAULT_UID,
    FILE_SYSTEM_ID,
    FILE_SYSTEM_PATH,
    GID_RANGE,
    MAX_FILE_SYSTEMS,
    UID_RANGE,
)

__all__ = [
    "FILE_SYSTEM_KINDS",
    "FileSystemAccess",
    "PosixUser",
    "SharedFileSystem",
    "attach_to_space",
    "file_system_settings",
]

# The registry schema's patterns and limits (AWS::SageMaker::Domain EFSFileSystemConfig, CustomPosixUserConfig).
# Per kind: the key in a domain/profile's CustomFileSystemConfigs (the L1's name), the key in a space's
# CustomFileSystems (the template's name), and the TCP ports the apps open to the file system (NFS; Lustre's LNET
# port and its range).
FILE_SYSTEM_KINDS: dict[str, tuple[str, str, tuple[tuple[int, int], ...]]] = {
    "efs": ("efsFileSystemConfig", "EFSFileSystem", ((2049, 2049),)),
    "fsx_lustre": ("fSxLustreFileSystemConfig", "FSxLustreFileSystem", ((988, 988), (1018, 1023))),
}


@dataclass(frozen=True)
class PosixUser:
    """The POSIX identity Studio apps use on custom file systems (the guide's defaults: 200001/1001).

    :param uid: the user id (10000-4000000).
    :param gid: the group id (1001-4000000).
    """

    uid: int = DEFAULT_UID
    gid: int = DEFAULT_GID

    def validate(self, owner: str) -> None:
        """Raise a ValueError naming ``owner`` and the bad value when an id is outside the schema's range."""
        for name, value, (low, high) in (("uid", self.uid, UID_RANGE), ("gid", self.gid, GID_RANGE)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{owner} posix_user.{name}: must be an integer {low}-{high} (got {value!r})")

    def settings(self) -> dict[str, int]:
        return {"uid": self.uid, "gid": self.gid}


@dataclass(frozen=True)
class SharedFileSystem:
    """An existing file system Studio apps mount.

    :param kind: ``efs`` or ``fsx_lustre``.
    :param file_system_id: the file system's id (``fs-...``).
    :param path: the directory users see (default: the root).
    :param security_group: the group of its mount targets (EFS) or network interfaces (FSx); when given, it gets
        ingress from the Studio apps' groups (:class:`FileSystemAccess`).
    """

    kind: str
    file_system_id: str
    path: str = "/"
    security_group: ec2.ISecurityGroup | None = None

    @staticmethod
    def efs(file_system_id: str, *, path: str = "/", security_group: ec2.ISecurityGroup | None = None
            ) -> SharedFileSystem:
        """An Amazon EFS file system.

        :param file_system_id: the file system's id (``fs-...``).
        :param path: the directory users see (default: the root).
        :param security_group: the group of its mount targets.
        """
        return SharedFileSystem("efs", file_system_id, path, security_group)

    @staticmethod
    def fsx_lustre(file_system_id: str, *, path: str = "/", security_group: ec2.ISecurityGroup | None = None
                   ) -> SharedFileSystem:
        """An Amazon FSx for Lustre file system.

        :param file_system_id: the file system's id (``fs-...``).
        :param path: the directory users see (default: the root).
        :param security_group: the group of its network interfaces.
        """
        return SharedFileSystem("fsx_lustre", file_system_id, path, security_group)

    def validate(self, owner: str) -> None:
        """Raise a ValueError (or TypeError for the group) naming ``owner`` and the bad value."""
        if self.kind not in FILE_SYSTEM_KINDS:
            raise ValueError(f"{owner} kind: must be one of {', '.join(FILE_SYSTEM_KINDS)} (got {self.kind!r})")
        if not cdk.Token.is_unresolved(self.file_system_id) and not FILE_SYSTEM_ID.match(self.file_system_id):
            raise ValueError(
                f"{owner} file_system_id: must look like fs-0123456789abcdef0 (got {self.file_system_id!r})"
            )
        if not cdk.Token.is_unresolved(self.path) and not FILE_SYSTEM_PATH.match(self.path):
            raise ValueError(
                f"{owner} path: an absolute path without spaces, at most 256 characters (got {self.path!r})"
            )
        if self.security_group is not None:
            require(owner, "security_group", self.security_group, ec2.ISecurityGroup)

    def config(self) -> dict[str, Any]:
        """The entry of a domain's or profile's ``CustomFileSystemConfigs``."""
        key = FILE_SYSTEM_KINDS[self.kind][0]
        return {key: {"fileSystemId": self.file_system_id, "fileSystemPath": self.path}}

    def space_entry(self) -> dict[str, Any]:
        """The entry of a space's ``CustomFileSystems``, as the template spells it."""
        key = FILE_SYSTEM_KINDS[self.kind][1]
        return {key: {"FileSystemId": self.file_system_id}}

    @property
    def ports(self) -> tuple[tuple[int, int], ...]:
        """The TCP port ranges the apps open to the file system."""
        return FILE_SYSTEM_KINDS[self.kind][2]


def _checked(owner: str, file_systems: Sequence[SharedFileSystem]) -> list[SharedFileSystem]:
    if len(file_systems) > MAX_FILE_SYSTEMS:
        raise ValueError(f"{owner} custom_file_systems: at most {MAX_FILE_SYSTEMS} (got {len(file_systems)})")
    seen: set[str] = set()
    for i, fs in enumerate(file_systems):
        if not isinstance(fs, SharedFileSystem):
            raise TypeError(f"{owner} custom_file_systems[{i}]: expected SharedFileSystem (got {type(fs).__name__})")
        fs.validate(f"{owner} custom_file_systems[{i}]")
        if fs.file_system_id in seen:
            raise ValueError(f"{owner} custom_file_systems[{i}]: listed twice (got {fs.file_system_id!r})")
        seen.add(fs.file_system_id)
    return list(file_systems)


def file_system_settings(
    owner: str, file_systems: Sequence[SharedFileSystem], posix_user: PosixUser | None
) -> dict[str, Any]:
    """The ``customFileSystemConfigs`` and ``customPosixUserConfig`` keys of a domain's default user or space
    settings, or of a profile's user settings (empty when neither is given); validates both.

    :param owner: the construct named in errors.
    :param file_systems: at most two file systems.
    :param posix_user: the POSIX identity (None: SageMaker's default).
    """
    settings: dict[str, Any] = {}
    checked = _checked(owner, file_systems)
    if checked:
        settings["customFileSystemConfigs"] = [fs.config() for fs in checked]
    if posix_user is not None:
        if not isinstance(posix_user, PosixUser):
            raise TypeError(f"{owner} posix_user: expected PosixUser (got {type(posix_user).__name__})")
        posix_user.validate(owner)
        settings["customPosixUserConfig"] = posix_user.settings()
    return settings


def attach_to_space(space: Construct, file_system: SharedFileSystem) -> None:
    """Mount ``file_system`` in a space the platform creates (its ``SpaceSettings.CustomFileSystems``: a space
    mounts one); the domain or the owner's profile must make it available.

    :param space: a :class:`~sagemaker_platform.constructs.space.StudioSpace` (or its ``CfnSpace``).
    :param file_system: the file system.
    """
    resource = space if isinstance(space, sagemaker.CfnSpace) else getattr(space, "resource", None)
    if not isinstance(resource, sagemaker.CfnSpace):
        raise TypeError(f"attach_to_space space: expected a Studio space (got {type(space).__name__})")
    if not isinstance(file_system, SharedFileSystem):
        raise TypeError(f"attach_to_space file_system: expected SharedFileSystem (got {type(file_system).__name__})")
    file_system.validate("attach_to_space file_system")
    resource.add_property_override("SpaceSettings.CustomFileSystems", [file_system.space_entry()])


class FileSystemAccess(cdk.Resource):
    """The security-group rules between Studio apps and a shared file system: ingress on the file system's group
    from each Studio group, on the file system's ports (NFS 2049 for EFS; 988 and 1018-1023 for Lustre), and the
    matching egress on a Studio group that restricts outbound traffic.

    Rules are L1 resources in this construct's stack, so a file system's group imported by id and a Studio group
    from another stack work alike (nothing lands in the other stack).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        file_system: SharedFileSystem,
        studio_security_groups: Sequence[ec2.ISecurityGroup],
    ) -> None:
        """
        :param file_system: the file system; its ``security_group`` is required here.
        :param studio_security_groups: the groups of the Studio apps' network interfaces.
        """
        owner = "FileSystemAccess"
        if not isinstance(file_system, SharedFileSystem):
            raise TypeError(f"{owner} file_system: expected SharedFileSystem (got {type(file_system).__name__})")
        file_system.validate(f"{owner} file_system")
        if file_system.security_group is None:
            raise ValueError(f"{owner} file_system: needs its security_group (got {file_system.file_system_id!r} "
                             "without one)")
        if not studio_security_groups:
            raise ValueError(f"{owner} studio_security_groups: at least one group (got [])")
        for i, group in enumerate(studio_security_groups):
            require(owner, f"studio_security_groups[{i}]", group, ec2.ISecurityGroup)
        super().__init__(scope, construct_id)
        self.file_system = file_system
        target = file_system.security_group.security_group_id
        what = "NFS" if file_system.kind == "efs" else "Lustre"
        for i, group in enumerate(studio_security_groups):
            source = group.security_group_id
            for low, high in file_system.ports:
                ports = str(low) if low == high else f"{low}-{high}"
                ec2.CfnSecurityGroupIngress(
                    self,
                    f"In{i}Tcp{ports}",
                    group_id=target,
                    source_security_group_id=source,
                    ip_protocol="tcp",
                    from_port=low,
                    to_port=high,
                    description=f"{what} from SageMaker Studio apps to {file_system.file_system_id}",
                )
                if not group.allow_all_outbound:
                    ec2.CfnSecurityGroupEgress(
                        self,
                        f"Out{i}Tcp{ports}",
                        group_id=source,
                        destination_security_group_id=target,
                        ip_protocol="tcp",
                        from_port=low,
                        to_port=high,
                        description=f"{what} to shared file system {file_system.file_system_id}",
                    )
