"""The rules that pick a persona for each segment from its profile.

The names, descriptions, actions and the role vocabulary are data in
:mod:`segmentation.personas.catalogue`; this module holds the logic only.

How a name is chosen
--------------------
1. Each feature is mapped to a *role* by its name (``"Annual Income (k$)"`` ->
   income, ``"days_since_last_order"`` -> recency, ...; see
   :data:`~segmentation.personas.catalogue.ROLES`). Features with no role are
   still used, by their own name.
2. A segment's z-score on a feature is *high* at or above :data:`HIGH`
   (+0.4 SD), *low* at or below -0.4 SD, and *very high/low* beyond
   :data:`VERY` (1 SD); :data:`LEVELS` lists every level a rule may use.
3. :data:`RULES` are the catalogue's persona types, conditions on roles
   ("income high and spending low" -> Wealthy Minimalists). A rule scores the
   sum of ``|z|`` over its high/low conditions. Segment-rule pairs are
   assigned greedily from the highest score, each rule to at most one
   segment, so the clearest match gets a name first and names never repeat.
4. A segment no rule fits gets a generic name from its strongest traits:
   "High <feature>, Low <feature>" (or "Average Customers").
5. Names that would still collide get the next strongest trait appended.

Nothing depends on cluster numbering or on the Mall column names: only on the
z-score pattern and on the role each column name maps to. User overrides
(JSON, :func:`load_overrides`) can add rules that take precedence, or set the
text of a segment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segmentation.errors import DataError
from segmentation.personas.catalogue import PERSONA_RULES, ROLES, WORDS
from segmentation.profiles import SegmentProfiles

__all__ = [
    "HIGH",
    "LEVELS",
    "RULES",
    "VERY",
    "Persona",
    "Rule",
    "derive_personas",
    "load_overrides",
    "parse_rule",
    "role_of",
    "zscore_levels",
]

# z-score (in population SDs) at which a segment counts as high / low on a
# feature, and "very" high / low.
HIGH = 0.4
VERY = 1.0


@dataclass(frozen=True)
class Rule:
    """A persona type: conditions on roles, and the text of the persona.

    Attributes
    ----------
    name, description : str
    when : tuple of (str, str)
        ``(role or column fragment, level)`` pairs, all of which must hold.
    actions : tuple of str
    source : str
        ``"builtin"`` (from the catalogue) or ``"user"`` (from overrides).
    """

    name: str
    when: tuple[tuple[str, str], ...]
    description: str
    actions: tuple[str, ...]
    source: str = "builtin"


def parse_rule(entry: Mapping, source: str) -> Rule:
    """A :class:`Rule` from a catalogue entry or a user's JSON rule (same shape)."""
    return Rule(
        str(entry["name"]),
        tuple((str(k), str(v)) for k, v in entry["when"].items()),
        str(entry.get("description", "")),
        tuple(str(a) for a in entry.get("actions", ())),
        source,
    )


# The built-in rules, parsed once from the catalogue.
RULES: tuple[Rule, ...] = tuple(parse_rule(r, "builtin") for r in PERSONA_RULES)


@dataclass(frozen=True)
class Persona:
    """A named segment.

    Attributes
    ----------
    segment : int
        The segment number it names.
    name : str
        Short name, distinct within a run.
    description : str
        One sentence with the segment's size and defining traits.
    actions : tuple of str
        Two to four recommended actions.
    traits : tuple of str
        The notable traits, strongest first ("older (Age 55.6 vs 38.9)").
    rule : str
        Where the name came from: ``"builtin"``, ``"user"``, ``"segment"``
        (a user override for this segment) or ``"generic"``.
    """

    segment: int
    name: str
    description: str
    actions: tuple[str, ...]
    traits: tuple[str, ...]
    rule: str

    def to_dict(self) -> dict:
        """JSON-ready ``{"name", "description", "actions"}``."""
        return {
            "name": self.name,
            "description": self.description,
            "actions": list(self.actions),
        }


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def role_of(column: str) -> str | None:
    """The vocabulary role of a column name, or None (e.g. ``"Age"`` -> ``"age"``)."""
    n = _norm(column)
    # "age" is matched as a word, since it hides in "average", "usage", "page".
    words = re.findall(
        r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(column)).lower()
    )
    if (
        "age" in words
        or "years old" in " ".join(words)
        or n in ("yearsold", "ageyears")
    ):
        return "age"
    for role, frags in ROLES.items():
        if any(f in n for f in frags):
            return role
    return None


def _display(column: str) -> str:
    """Drop units in brackets: "Annual Income (k$)" -> "Annual Income"."""
    short = re.sub(r"\s*[\(\[].*?[\)\]]", "", str(column)).strip()
    return short or str(column)


def _meets(z: float, level: str) -> bool:
    return {
        "high": z >= HIGH,
        "low": z <= -HIGH,
        "very_high": z >= VERY,
        "very_low": z <= -VERY,
        "not_high": z < HIGH,
        "not_low": z > -HIGH,
        "not_very_high": z < VERY,
        "not_very_low": z > -VERY,
        "average": abs(z) < HIGH,
    }[level]


_SCORED = ("high", "low", "very_high", "very_low")
LEVELS = (
    "high",
    "low",
    "very_high",
    "very_low",
    "not_high",
    "not_low",
    "not_very_high",
    "not_very_low",
    "average",
)


def _match(
    rule: Rule, zrow: Mapping[str, float], roles: Mapping[str, str]
) -> float | None:
    """Score of a rule on one segment; None if a condition fails."""
    score = 0.0
    for key, level in rule.when:
        col = roles.get(key)
        if col is None:
            # A user rule may name a column by fragment instead of a role.
            hits = [c for c in zrow if _norm(key) and _norm(key) in _norm(c)]
            if len(hits) != 1:
                if level in _SCORED:
                    return None
                # A constraint on something not measured cannot be violated.
                continue
            col = hits[0]
        z = zrow[col]
        if not _meets(z, level):
            return None
        if level in _SCORED:
            score += abs(z)
    return score


def _trait(col: str, z: float, mean: float, pop: float) -> str:
    role = role_of(col)
    words = WORDS.get(role)
    if words is None:
        phrase = f"{'higher' if z > 0 else 'lower'} {_display(col)}"
    else:
        phrase = words[1] if z > 0 else words[2]
    return f"{phrase} ({_display(col)} {mean:.3g} vs {pop:.3g})"


def _generic_name(zrow: Mapping[str, float]) -> str:
    ranked = sorted(zrow.items(), key=lambda kv: -abs(kv[1]))
    hi = [c for c, z in ranked if z >= HIGH]
    lo = [c for c, z in ranked if z <= -HIGH]
    parts = []
    if hi:
        parts.append(f"High {_display(hi[0])}")
    if lo:
        parts.append(f"Low {_display(lo[0])}")
    if len(parts) == 1:
        # Only highs or only lows: the second strongest makes it specific.
        rest = hi[1:] if hi else lo[1:]
        if rest:
            parts.append(f"{'High' if hi else 'Low'} {_display(rest[0])}")
    return ", ".join(parts) if parts else "Average Customers"


def _generic_actions(traits: Sequence[tuple[str, float]]) -> tuple[str, ...]:
    actions = []
    for col, z in traits[:2]:
        if z > 0:
            actions.append(
                f"Find out what drives their high {_display(col)}; target look-alikes"
            )
        else:
            actions.append(
                f"Investigate their low {_display(col)} and test offers to lift it"
            )
    actions.append("Track this segment's size and response to campaigns over time")
    if len(actions) < 2:
        actions.append("Survey a sample of these customers to learn what they need")
    return tuple(actions[:4])


def load_overrides(source: str | Path | Mapping | None) -> dict:
    """Read and check user persona overrides.

    The JSON object may hold:

    - ``"rules"``: a list of ``{"when": {ROLE_OR_COLUMN: LEVEL, ...}, "name":
      ..., "description": ..., "actions": [...]}``; they take precedence
      over the built-in rules. LEVEL is one of high, low, very_high,
      very_low, not_high, not_low, not_very_high, not_very_low, average.
    - ``"segments"``: ``{"<segment number>": {"name": ..., "description": ...,
      "actions": [...]}}``, applied last (any key may be left out).

    Raises
    ------
    DataError
        If the file is missing, not JSON, or shaped differently.
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        data = dict(source)
        where = "persona overrides"
    else:
        path = Path(source)
        where = path.name
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise DataError(f"persona file not found: {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not set(data) <= {"rules", "segments"}:
        raise DataError(
            f'{where} must be a JSON object with keys "rules" and/or "segments"'
        )
    for rule in data.get("rules", []):
        when = rule.get("when") if isinstance(rule, dict) else None
        if not isinstance(when, dict) or not when or "name" not in rule:
            raise DataError(f'{where}: every rule needs a "when" object and a "name"')
        bad = [lv for lv in when.values() if lv not in LEVELS]
        if bad:
            raise DataError(
                f"{where}: unknown level {bad[0]!r}; use one of {', '.join(LEVELS)}"
            )
    segs = data.get("segments", {})
    if not isinstance(segs, dict) or not all(
        isinstance(v, dict) for v in segs.values()
    ):
        raise DataError(f'{where}: "segments" must map segment numbers to objects')
    return data


def derive_personas(
    profiles: SegmentProfiles,
    overrides: str | Path | Mapping | None = None,
) -> tuple[Persona, ...]:
    """Name every segment from its z-scores.

    Parameters
    ----------
    profiles : SegmentProfiles
        Only the clustering features' z-scores are used for naming.
    overrides : path or mapping, optional
        User rules and segment texts; see :func:`load_overrides`.

    Returns
    -------
    tuple of Persona
        One per segment, in segment order, with distinct names.
    """
    data = load_overrides(overrides)
    user_rules = tuple(parse_rule(r, "user") for r in data.get("rules", []))
    rules = user_rules + RULES
    features = list(profiles.features)
    roles: dict[str, str] = {}
    for col in features:
        role = role_of(col)
        if role is not None and role not in roles:
            roles[role] = col
    segments = list(profiles.size.index)
    zrows = {
        s: {c: float(profiles.zscores.loc[s, c]) for c in features} for s in segments
    }

    # Greedy assignment by score; user rules outrank built-ins at equal fit.
    pairs = []
    for s in segments:
        for r_idx, rule in enumerate(rules):
            score = _match(rule, zrows[s], roles)
            if score is not None:
                bonus = 1.0 if rule.source == "user" else 0.0
                pairs.append((-(score + bonus), r_idx, s))
    pairs.sort()
    chosen: dict[int, Rule] = {}
    used: set[int] = set()
    for _, r_idx, s in pairs:
        if s not in chosen and r_idx not in used:
            chosen[s] = rules[r_idx]
            used.add(r_idx)

    personas = []
    taken: set[str] = set()
    seg_over = {str(k): v for k, v in data.get("segments", {}).items()}
    for s in segments:
        zrow = zrows[s]
        ranked = sorted(zrow.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        notable = [(c, z) for c, z in ranked if abs(z) >= HIGH]
        traits = tuple(
            _trait(
                c, z, float(profiles.mean.loc[s, c]), float(profiles.population_mean[c])
            )
            for c, z in notable
        )
        rule = chosen.get(s)
        if rule is not None:
            name, lead, actions, origin = (
                rule.name,
                rule.description,
                rule.actions,
                rule.source,
            )
        else:
            name, lead, origin = _generic_name(zrow), "", "generic"
            actions = _generic_actions(notable)
        if len(actions) < 2:
            actions = tuple(actions) + _generic_actions(notable)[: 2 - len(actions)]
        size, share = int(profiles.size[s]), float(profiles.share[s])
        body = ", ".join(traits[:3]) if traits else "close to average on every feature"
        description = f"{size} customers ({share:.0%}): {body}."
        if lead:
            lead = lead.rstrip(".")
            description = f"{lead} - {size} customers ({share:.0%}): {body}."
        over = seg_over.get(str(s))
        if over:
            name = str(over.get("name", name))
            description = str(over.get("description", description))
            actions = tuple(str(a) for a in over.get("actions", actions))
            origin = "segment"
        name = _distinct(name, notable, taken)
        taken.add(name)
        personas.append(
            Persona(int(s), name, description, tuple(actions)[:4], traits, origin)
        )
    return tuple(personas)


def _distinct(name: str, notable: Sequence[tuple[str, float]], taken: set[str]) -> str:
    """Make ``name`` unique by adding the strongest trait, then a number."""
    if name not in taken:
        return name
    for col, z in notable:
        candidate = f"{name} ({'High' if z > 0 else 'Low'} {_display(col)})"
        if candidate not in taken:
            return candidate
    i = 2
    while f"{name} {i}" in taken:
        i += 1
    return f"{name} {i}"


def zscore_levels(z: np.ndarray) -> np.ndarray:
    """Map z-scores to -2..2 (very low, low, average, high, very high), for plots."""
    z = np.asarray(z, dtype=float)
    return np.select(
        [z <= -VERY, z <= -HIGH, z < HIGH, z < VERY], [-2, -1, 0, 1], default=2
    )
