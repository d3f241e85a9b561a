"""Which SageMaker hosting instance families carry local NVMe instance storage (kept for 0.1 imports).

The list and its sources live in :mod:`sagemaker_platform.rules.instances`, shared with the config model and the
compliance rules.
"""

from __future__ import annotations

from sagemaker_platform.rules.instances import NVME_INSTANCE_FAMILIES, has_instance_storage, instance_family

__all__ = ["NVME_INSTANCE_FAMILIES", "has_instance_storage", "instance_family"]
