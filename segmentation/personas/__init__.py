"""Named personas derived deterministically from segment profiles.

- :mod:`segmentation.personas.catalogue`: the data (persona names,
  descriptions and actions, the role vocabulary), in the shape of a
  ``--personas`` JSON file. Change a persona's text there.
- :mod:`segmentation.personas.rules`: the logic (z-score levels, matching,
  greedy assignment, generic names, user overrides). Change how a persona
  is picked there.
"""

from segmentation.personas.catalogue import PERSONA_RULES, ROLES
from segmentation.personas.rules import (
    HIGH,
    RULES,
    Persona,
    derive_personas,
    load_overrides,
    role_of,
    zscore_levels,
)

# The names this package had as one module; the rest is in its two modules.
__all__ = [
    "HIGH",
    "PERSONA_RULES",
    "ROLES",
    "RULES",
    "Persona",
    "derive_personas",
    "load_overrides",
    "role_of",
    "zscore_levels",
]
