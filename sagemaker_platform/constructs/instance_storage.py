"""Which SageMaker hosting instance families carry local NVMe instance storage.

Why it matters: an endpoint config that names a volume KMS key (``KmsKeyId``) fails to create when any variant
runs on an instance type with local storage, because those volumes are encrypted by the instance's hardware
module and there is no EBS volume to encrypt; for the same reason ``VolumeSizeInGB`` does not apply to them.

The list is explicit (not a guess from the name) so that a family missing here fails loudly at deploy time
instead of silently losing its volume key. Justification per family:

- Developer Guide, hosting and KMS notes: "d" families (m5d, c5d, r5d ...) and g5 come with NVMe SSDs, get no
  EBS storage volume, and cannot take a volume KMS key (guide L173623-173630, L241126-241130, L241316-241322).
- Developer Guide, Studio instance-type table (instance storage column, L20770-21160): ml.m5d.*, ml.g4dn.*,
  ml.g5.*, ml.p3dn.24xlarge, ml.p4d.24xlarge and ml.p4de.24xlarge list "N x ... NVMe SSD".
- Amazon EC2 instance-store volume table (the page the guide's KMS note points to): c5d, r5d, the Graviton
  "gd" families (c6gd, m6gd, r6gd, c7gd, m7gd, r7gd), g6, g6e, p5, p5e, p5en, trn1 and trn1n all ship NVMe
  instance-store SSDs. ml.inf1, ml.inf2 and the non-"d" general/compute/memory families are EBS-only and
  keep the key.
"""

from __future__ import annotations

import re

NVME_INSTANCE_FAMILIES: frozenset[str] = frozenset({
    # Developer Guide (hosting notes and the instance table)
    "m5d", "c5d", "r5d", "g4dn", "g5", "p3dn", "p4d", "p4de",
    # EC2 instance-store table
    "c6gd", "m6gd", "r6gd", "c7gd", "m7gd", "r7gd", "g6", "g6e", "p5", "p5e", "p5en", "trn1", "trn1n",
})

_INSTANCE_TYPE = re.compile(r"^ml\.([a-z0-9-]+)\.[a-z0-9]+$")


def instance_family(instance_type: str) -> str:
    """``ml.g5.2xlarge`` -> ``g5``; raises ValueError for something that is not an ml.* instance type."""
    match = _INSTANCE_TYPE.match(instance_type)
    if not match:
        raise ValueError(f"not a SageMaker instance type like ml.m5.large (got {instance_type!r})")
    return match.group(1)


def has_instance_storage(instance_type: str) -> bool:
    """True when the instance type has local NVMe storage, so its endpoint config must not name a volume key."""
    return instance_family(instance_type) in NVME_INSTANCE_FAMILIES
