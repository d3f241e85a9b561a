"""Studio's built-in idle shutdown (``AppLifecycleManagement.IdleSettings``): its bounds and the platform defaults.

The domain (and the config's ``domain.idle_shutdown`` section) set the timeout users get and the range they may
choose from; the API takes 60-525,600 minutes for each, and the timeout must lie inside the range.
"""

from __future__ import annotations

from sagemaker_platform.rules.core import RuleError

IDLE_MINUTES_MIN = 60
IDLE_MINUTES_MAX = 525_600
# The platform's defaults: two hours idle, users may pick between one and eight.
DEFAULT_IDLE_TIMEOUT_MINUTES = 120
DEFAULT_MIN_IDLE_TIMEOUT_MINUTES = 60
DEFAULT_MAX_IDLE_TIMEOUT_MINUTES = 480


def check_idle_shutdown(
    idle_timeout_minutes: int, min_idle_timeout_minutes: int, max_idle_timeout_minutes: int
) -> None:
    """Each value within the API's bounds, and the timeout between the minimum and the maximum."""
    values = {
        "idle_timeout_minutes": idle_timeout_minutes,
        "min_idle_timeout_minutes": min_idle_timeout_minutes,
        "max_idle_timeout_minutes": max_idle_timeout_minutes,
    }
    for name, value in values.items():
        if not IDLE_MINUTES_MIN <= value <= IDLE_MINUTES_MAX:
            raise RuleError(name, f"must be {IDLE_MINUTES_MIN}-{IDLE_MINUTES_MAX} minutes", value)
    if not min_idle_timeout_minutes <= idle_timeout_minutes <= max_idle_timeout_minutes:
        raise RuleError(
            "idle_timeout_minutes",
            f"must lie between min_idle_timeout_minutes ({min_idle_timeout_minutes}) and max_idle_timeout_minutes "
            f"({max_idle_timeout_minutes})",
            idle_timeout_minutes,
        )
