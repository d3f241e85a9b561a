"""NetworkStack: the VPC, security groups and VPC endpoints of a VpcOnly Studio domain."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_platform.config import PlatformConfig
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork


class NetworkStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        net = config.network
        self.logs_key = PlatformKey(self, "LogsKey", alias=f"{config.platform.prefix}/network-logs",
                                    description="Encrypts the VPC flow logs of the SageMaker platform")
        self.network = StudioNetwork(
            self,
            "Network",
            vpc_cidr=net.vpc_cidr,
            max_azs=net.max_azs,
            existing_vpc_id=net.vpc_id,
            existing_subnets=[ExistingSubnet(s.id, s.availability_zone, s.route_table_id) for s in net.subnets],
            create_endpoints=net.create_endpoints,
            canvas=config.domain.canvas.enabled,
            extra_interface_endpoints=net.extra_interface_endpoints,
            flow_log_key=self.logs_key.key,
        )
