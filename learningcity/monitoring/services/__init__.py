"""Every change of state in monitoring. One concern per module; import from here."""

from learningcity.monitoring.services.plans import (
    blueprint_create,
    population_set,
    populations_set,
    target_set,
)
from learningcity.monitoring.services.refresh import refresh

__all__ = [
    "blueprint_create",
    "population_set",
    "populations_set",
    "refresh",
    "target_set",
]
