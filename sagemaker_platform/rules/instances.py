"""Instance families: which carry local NVMe instance storage, and which are burstable.

Why storage matters: an endpoint config that names a volume KMS key (``KmsKeyId``) fails to create when any variant
runs on an instance type with local storage, because those volumes are encrypted by the instance's hardware module
and there is no EBS volume to encrypt; for the same reason ``VolumeSizeInGB`` does not apply to them.

The list is explicit (not a guess from the name) so that a family missing here fails loudly at deploy time instead
of silently losing its volume key. A test checks it against the instance families of the CloudFormation schema
enums: every family whose attribute letters include ``d`` is listed, and every listed family without one is below.

- Developer Guide, hosting and KMS notes: "d" families (m5d, c5d, r5d ...) and g5 come with NVMe SSDs, get no EBS
  storage volume, and cannot take a volume KMS key.
- Developer Guide, Studio instance-type table (instance storage column): ml.m5d.*, ml.g4dn.*, ml.g5.*,
  ml.p3dn.24xlarge, ml.p4d.24xlarge and ml.p4de.24xlarge list "N x ... NVMe SSD".
- Amazon EC2 instance-store volume table (the page the guide's KMS note points to): the "d" families (c5d, r5d,
  c6id, m6id, r6id and the Graviton c6gd, m6gd, r6gd, c7gd, m7gd, r7gd) and, without a "d", dl1, g5, g6, g6e,
  gr6, p5, p5e, p5en, p6-b200, p6-b300, p6e-gb200, trn1, trn1n and trn2 ship NVMe instance-store SSDs. ml.inf1,
  ml.inf2 and the non-"d" general, compute and memory families are EBS-only and keep the key.
"""

from __future__ import annotations

import re

from sagemaker_platform.rules.core import is_token

# Families named with a "d" attribute ("disk"): c5d, m6gd, g4dn, p4de ...
NVME_D_FAMILIES: frozenset[str] = frozenset({
    "c5d", "m5d", "r5d", "c6gd", "m6gd", "r6gd", "c7gd", "m7gd", "r7gd", "c6id", "m6id", "r6id",
    "g4dn", "p3dn", "p4d", "p4de",
})
# Accelerated families with instance storage but no "d" in their name.
NVME_OTHER_FAMILIES: frozenset[str] = frozenset({
    "dl1", "g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "p6-b200", "p6-b300", "p6e-gb200", "trn1", "trn1n", "trn2",
})
NVME_INSTANCE_FAMILIES: frozenset[str] = NVME_D_FAMILIES | NVME_OTHER_FAMILIES

INSTANCE_TYPE = re.compile(r"^ml\.([a-z0-9-]+)\.[a-z0-9]+$")
# Generation letters and number, then attribute letters: "m6gd" -> ("m", "6", "gd"); "p6-b200" -> ("p", "6", "-b200")
_FAMILY_PARTS = re.compile(r"^([a-z]+)([0-9]+)(.*)$")


def instance_family(instance_type: str) -> str:
    """``ml.g5.2xlarge`` -> ``g5``; raises ValueError for something that is not an ml.* instance type."""
    match = INSTANCE_TYPE.match(instance_type)
    if not match:
        raise ValueError(f"not a SageMaker instance type like ml.m5.large (got {instance_type!r})")
    return match.group(1)


def family_attributes(family: str) -> str:
    """The attribute letters after the generation number: ``m6gd`` -> ``gd``, ``g4dn`` -> ``dn``, ``m5`` -> ``""``."""
    match = _FAMILY_PARTS.match(family)
    return match.group(3) if match else ""


def has_instance_storage(instance_type: str) -> bool:
    """True when the instance type has local NVMe storage, so its endpoint config must not name a volume key and
    its variant takes no volume size. A token is not known to have any."""
    return not is_token(instance_type) and instance_family(instance_type) in NVME_INSTANCE_FAMILIES


def is_burstable(instance_type: str | None) -> bool:
    """True for the burstable ``ml.t*`` families, which Application Auto Scaling cannot scale."""
    return isinstance(instance_type, str) and re.match(r"^ml\.t[0-9]", instance_type) is not None
