"""NetworkStack: the VPC, security groups and VPC endpoints of a VpcOnly Studio domain."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_platform.config import ConfigError, PlatformConfig
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork


class NetworkStack(cdk.Stack):
    """The VPC (new, or imported by ids), its security groups and endpoints, and the flow-log key.

    Nothing is looked up at synth: a new VPC in a stack with a concrete account and region takes its zones from
    ``network.availability_zones`` or from context committed in cdk.json / cdk.context.json, so ``cdk synth
    --no-lookups`` works without credentials.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        net = config.network
        zones = list(net.availability_zones)
        if not net.imported and not self._agnostic():
            zones = zones or self._committed_zones(net.max_azs)
            # ec2.Vpc checks its zones against the stack's, which an environment-specific stack would look up in
            # the account: answer that lookup from the config. (Context can be set before any child exists.)
            self.node.set_context(self._zones_key(), zones)
        self.logs_key = PlatformKey(self, "LogsKey", alias=f"{config.platform.prefix}/network-logs",
                                    description="Encrypts the VPC flow logs of the SageMaker platform")
        self.network = StudioNetwork(
            self,
            "Network",
            vpc_cidr=net.vpc_cidr,
            max_azs=net.max_azs,
            availability_zones=zones,
            existing_vpc_id=net.vpc_id,
            existing_subnets=[ExistingSubnet(s.id, s.availability_zone, s.route_table_id) for s in net.subnets],
            create_endpoints=net.create_endpoints,
            canvas=config.domain.canvas.enabled,
            extra_interface_endpoints=net.extra_interface_endpoints,
            encryption_key=self.logs_key,
        )

    def _agnostic(self) -> bool:
        return cdk.Token.is_unresolved(self.account) or cdk.Token.is_unresolved(self.region)

    def _zones_key(self) -> str:
        """The context key the CDK's availability-zones lookup uses for this stack's account and region."""
        return f"availability-zones:account={self.account}:region={self.region}"

    def _committed_zones(self, max_azs: int) -> list[str]:
        """The zones committed as context for this account and region (what ``cdk synth`` with credentials would
        have saved), or a ConfigError asking for ``network.availability_zones``."""
        key = self._zones_key()
        committed = self.node.try_get_context(key)
        if isinstance(committed, list) and len(committed) >= 2 and all(isinstance(z, str) for z in committed):
            return [str(z) for z in committed[:max_azs]]
        raise ConfigError(
            "network.availability_zones",
            f"required for a new VPC in account {self.account} region {self.region}: the zones are never looked "
            f"up at synth (e.g. [{self.region}a, {self.region}b]); or commit the context key {key!r}",
            None,
        )
