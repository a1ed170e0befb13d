"""Named personas derived deterministically from segment profiles.

How a name is chosen
--------------------
1. Each feature is mapped to a *role* by its name (``"Annual Income (k$)"`` ->
   income, ``"days_since_last_order"`` -> recency, ...; see :data:`ROLES`).
   Features with no role are still used, by their own name.
2. A segment's z-score on a feature is *high* at or above :data:`HIGH`
   (+0.4 SD), *low* at or below -0.4 SD, and *very high/low* beyond 1 SD.
3. :data:`RULES` are persona types written as conditions on roles ("income
   high and spending low" -> Wealthy Minimalists). A rule scores the sum of
   ``|z|`` over its high/low conditions. Segment-rule pairs are assigned
   greedily from the highest score, each rule to at most one segment, so the
   clearest match gets a name first and names never repeat.
4. A segment no rule fits gets a generic name from its strongest traits:
   "High <feature>, Low <feature>" (or "Average Customers").
5. Names that would still collide get the next strongest trait appended.

Nothing depends on cluster numbering or on the Mall column names: only on the
z-score pattern and on the role each column name maps to. User overrides
(JSON) can add rules that take precedence, or set the text of a segment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segmentation.io import DataError
from segmentation.profiles import SegmentProfiles

__all__ = [
    "HIGH",
    "ROLES",
    "RULES",
    "Persona",
    "derive_personas",
    "load_overrides",
    "role_of",
]

# z-score (in population SDs) at which a segment counts as high / low on a
# feature, and "very" high / low.
HIGH = 0.4
VERY = 1.0

# Role -> name fragments (matched against the lower-cased column name with
# non-alphanumerics removed). Order matters: the first role that matches wins,
# so "spent" (monetary) is tested before "spend" (spending score).
ROLES: dict[str, tuple[str, ...]] = {
    "recency": (
        "recency",
        "dayssince",
        "lastpurchase",
        "lastorder",
        "lastvisit",
        "dayslast",
    ),
    "frequency": (
        "frequency",
        "numorders",
        "orders",
        "purchases",
        "transactions",
        "numpurchase",
    ),
    "monetary": (
        "monetary",
        "spent",
        "revenue",
        "amount",
        "sales",
        "value",
        "clv",
        "ltv",
    ),
    "spending": ("spending", "spend"),
    "income": ("income", "salary", "earning", "wage"),
    "age": (),  # matched by word in role_of
    "tenure": (
        "tenure",
        "membership",
        "monthsascustomer",
        "yearsascustomer",
        "customersince",
    ),
    "visits": ("visit", "session"),
}

# Words for each role: (label, higher phrase, lower phrase).
_WORDS: dict[str, tuple[str, str, str]] = {
    "age": ("age", "older", "younger"),
    "income": ("income", "higher income", "lower income"),
    "spending": ("spending", "spend more", "spend less"),
    "recency": ("recency", "last bought long ago", "bought recently"),
    "frequency": ("frequency", "buy often", "buy rarely"),
    "monetary": ("monetary value", "spend a lot in total", "spend little in total"),
    "tenure": ("tenure", "long-standing customers", "recent customers"),
    "visits": ("visits", "visit often", "visit rarely"),
}


@dataclass(frozen=True)
class _Rule:
    name: str
    when: tuple[tuple[str, str], ...]  # (role or column fragment, level)
    description: str
    actions: tuple[str, ...]
    source: str = "builtin"


def _rule(name: str, when: dict[str, str], description: str, *actions: str) -> _Rule:
    return _Rule(name, tuple(when.items()), description, tuple(actions))


# Built-in persona types. Levels: high, low, very_high, very_low (these score
# |z|) and not_high, not_low, average (constraints that score nothing).
RULES: tuple[_Rule, ...] = (
    _rule(
        "Champions",
        {"recency": "low", "frequency": "high", "monetary": "high"},
        "Recent, frequent, high-value buyers: the best customers.",
        "Reward them with loyalty perks and early access",
        "Ask for reviews and referrals",
        "Upsell premium and new products",
    ),
    _rule(
        "At-Risk Big Spenders",
        {"recency": "high", "monetary": "high"},
        "Valuable customers who have not bought for a while.",
        "Win them back with personalised offers",
        "Ask what changed, with a short survey",
        "Prioritise them in retention campaigns",
    ),
    _rule(
        "Lapsed Customers",
        {"recency": "high", "frequency": "low"},
        "Infrequent buyers whose last purchase was long ago.",
        "Send a low-cost reactivation campaign",
        "Remind them of what they bought before",
        "Stop expensive outreach if they do not respond",
    ),
    _rule(
        "Loyal Regulars",
        {"frequency": "high", "recency": "not_high"},
        "Customers who buy often and recently.",
        "Offer a loyalty programme or subscription",
        "Cross-sell related categories",
    ),
    _rule(
        "Promising Newcomers",
        {"recency": "low", "frequency": "low"},
        "Customers who bought recently but not yet often.",
        "Onboard them with a welcome series",
        "Give an incentive for the second purchase",
    ),
    _rule(
        "Big Spenders",
        {"monetary": "very_high"},
        "Customers with a very high total spend.",
        "Offer premium service and exclusive products",
        "Keep them engaged with personal account management",
    ),
    _rule(
        "Bargain Hunters",
        {"frequency": "high", "monetary": "low"},
        "Frequent buyers of low-value baskets.",
        "Promote bundles to raise basket size",
        "Use targeted discounts rather than blanket ones",
    ),
    _rule(
        "Premium Spenders",
        {"income": "high", "spending": "high"},
        "High earners who spend freely: the most valuable segment.",
        "Offer premium products, VIP events and loyalty perks",
        "Invest in retention: personal service and early access",
        "Upsell and cross-sell higher-margin lines",
    ),
    _rule(
        "Wealthy Minimalists",
        {"income": "high", "spending": "low"},
        "High earners who spend little: untapped potential.",
        "Find out why they hold back, with surveys or interviews",
        "Target them with quality- and value-focused premium offers",
        "Test personalised recommendations to convert intent",
    ),
    _rule(
        "Young Impulsive Buyers",
        {"age": "low", "spending": "high", "income": "not_high"},
        "Young customers who spend more than their income suggests.",
        "Engage them on social media and with trend-led launches",
        "Offer buy-now-pay-later and limited-time deals",
        "Build loyalty early with a points scheme",
    ),
    _rule(
        "Frugal Millennials",
        {"income": "low", "spending": "low", "age": "not_very_high"},
        "Lower-income customers who spend carefully.",
        "Promote value ranges, discounts and bundles",
        "Communicate price guarantees and savings",
        "Keep acquisition costs low for this segment",
    ),
    _rule(
        "Frugal Seniors",
        {"income": "low", "spending": "low", "age": "very_high"},
        "Older, lower-income customers who spend carefully.",
        "Promote value ranges and senior discounts",
        "Use traditional channels such as mail and in-store events",
    ),
    _rule(
        "Conservative Elders",
        {"age": "high", "spending": "not_high"},
        "Older customers with steady, moderate spending.",
        "Emphasise quality, reliability and service",
        "Reach them through traditional channels and in-store events",
        "Reward their loyalty with simple, predictable offers",
    ),
    _rule(
        "Affluent VIPs",
        {"income": "very_high"},
        "Customers with much higher incomes than the rest.",
        "Offer luxury lines and a VIP membership",
        "Provide personal shopping or concierge service",
    ),
    _rule(
        "Young Professionals",
        {"age": "low", "income": "high"},
        "Younger customers with above-average incomes.",
        "Promote convenience, quality and new launches",
        "Use digital channels and app-based offers",
    ),
    _rule(
        "Budget-Conscious Youth",
        {"age": "low", "income": "low", "spending": "not_high"},
        "Younger customers on lower incomes.",
        "Offer student and entry-level pricing",
        "Engage them through social media",
    ),
    _rule(
        "Budget-Conscious Customers",
        {"income": "low", "spending": "not_high"},
        "Lower-income customers who watch their budget.",
        "Promote value ranges, discounts and bundles",
        "Communicate price guarantees and savings",
    ),
    _rule(
        "Traditional Seniors",
        {"age": "high"},
        "Older customers.",
        "Emphasise service, trust and reliability",
        "Use traditional channels such as mail and in-store events",
    ),
    _rule(
        "Young Adults",
        {"age": "low"},
        "Younger customers with otherwise typical habits.",
        "Reach them on mobile and social channels",
        "Test trend-led products and introductory offers",
    ),
    _rule(
        "Comfortable Earners",
        {"income": "high"},
        "Customers with above-average incomes.",
        "Promote premium ranges and bundles",
        "Test higher price points with targeted offers",
    ),
    _rule(
        "Enthusiastic Shoppers",
        {"spending": "high"},
        "Customers who spend more than most.",
        "Reward them with a points scheme",
        "Recommend new arrivals and complementary products",
    ),
    _rule(
        "Reluctant Shoppers",
        {"spending": "low"},
        "Customers who spend less than most.",
        "Find out what holds them back, with a short survey",
        "Test entry-level offers to start a habit",
    ),
    _rule(
        "Long-Standing Loyalists",
        {"tenure": "high"},
        "Customers who have been with us the longest.",
        "Thank them with anniversary rewards",
        "Invite them to a loyalty tier or advisory panel",
    ),
    _rule(
        "Newcomers",
        {"tenure": "low"},
        "Customers who joined recently.",
        "Onboard them with a welcome series",
        "Check satisfaction early to prevent churn",
    ),
    _rule(
        "Frequent Visitors",
        {"visits": "high"},
        "Customers who visit often.",
        "Convert visits into purchases with timely offers",
        "Reward visits in the loyalty scheme",
    ),
    _rule(
        "Occasional Visitors",
        {"visits": "low"},
        "Customers who rarely visit.",
        "Remind them with targeted campaigns",
        "Give a reason to return, such as an event",
    ),
)


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
_LEVELS = (
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
    rule: _Rule, zrow: Mapping[str, float], roles: Mapping[str, str]
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
    words = _WORDS.get(role)
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
        bad = [lv for lv in when.values() if lv not in _LEVELS]
        if bad:
            raise DataError(
                f"{where}: unknown level {bad[0]!r}; use one of {', '.join(_LEVELS)}"
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
    user_rules = tuple(
        _Rule(
            str(r["name"]),
            tuple((str(k), str(v)) for k, v in r["when"].items()),
            str(r.get("description", "")),
            tuple(str(a) for a in r.get("actions", ())),
            "user",
        )
        for r in data.get("rules", [])
    )
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
    chosen: dict[int, _Rule] = {}
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
