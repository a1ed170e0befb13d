"""The persona catalogue: names, descriptions and actions, as data.

This module holds no logic; :mod:`segmentation.personas.rules` decides which
entry fits which segment. Change a name, a description or an action here.

``PERSONA_RULES`` has the shape of the ``"rules"`` list of a ``--personas``
JSON file, so an entry can be copied into such a file and edited there::

    {"rules": [{"name": "Weekend Treaters",
                "when": {"spending": "high", "visits": "low"},
                "description": "Rare visitors who spend a lot when they come.",
                "actions": ["Time offers for the weekend"]}],
     "segments": {"0": {"name": "Our Best Customers"}}}

``"when"`` maps a *role* (a key of :data:`ROLES`) or a column-name fragment
to a *level*: ``high``, ``low``, ``very_high``, ``very_low`` (these score
``|z|``, so the clearest match wins) or ``not_high``, ``not_low``,
``not_very_high``, ``not_very_low``, ``average`` (constraints that score
nothing). Entries are tried as a whole, not in order; a user's rule
outranks a built-in one at equal fit, and ``"segments"`` overrides the text
of one segment after naming.
"""

from __future__ import annotations

__all__ = ["PERSONA_RULES", "ROLES", "WORDS"]

# Role -> name fragments (matched against the lower-cased column name with
# non-alphanumerics removed). Order matters: the first role that matches wins,
# so "spent" (monetary) is tested before "spend" (spending score). "age" is
# matched as a word instead (see rules.role_of), since it hides in
# "average", "usage" and "page".
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
    "age": (),  # matched by word in rules.role_of
    "tenure": (
        "tenure",
        "membership",
        "monthsascustomer",
        "yearsascustomer",
        "customersince",
    ),
    "visits": ("visit", "session"),
}

# Words for each role: (label, higher phrase, lower phrase), used in the
# traits of a description ("older (Age 55.6 vs 38.9)").
WORDS: dict[str, tuple[str, str, str]] = {
    "age": ("age", "older", "younger"),
    "income": ("income", "higher income", "lower income"),
    "spending": ("spending", "spend more", "spend less"),
    "recency": ("recency", "last bought long ago", "bought recently"),
    "frequency": ("frequency", "buy often", "buy rarely"),
    "monetary": ("monetary value", "spend a lot in total", "spend little in total"),
    "tenure": ("tenure", "long-standing customers", "recent customers"),
    "visits": ("visits", "visit often", "visit rarely"),
}

# The built-in persona types. Their order matters only when two rules score
# exactly the same on a segment: the earlier one wins.
PERSONA_RULES: tuple[dict, ...] = (
    {
        "name": "Champions",
        "when": {"recency": "low", "frequency": "high", "monetary": "high"},
        "description": "Recent, frequent, high-value buyers: the best customers.",
        "actions": [
            "Reward them with loyalty perks and early access",
            "Ask for reviews and referrals",
            "Upsell premium and new products",
        ],
    },
    {
        "name": "At-Risk Big Spenders",
        "when": {"recency": "high", "monetary": "high"},
        "description": "Valuable customers who have not bought for a while.",
        "actions": [
            "Win them back with personalised offers",
            "Ask what changed, with a short survey",
            "Prioritise them in retention campaigns",
        ],
    },
    {
        "name": "Lapsed Customers",
        "when": {"recency": "high", "frequency": "low"},
        "description": "Infrequent buyers whose last purchase was long ago.",
        "actions": [
            "Send a low-cost reactivation campaign",
            "Remind them of what they bought before",
            "Stop expensive outreach if they do not respond",
        ],
    },
    {
        "name": "Loyal Regulars",
        "when": {"frequency": "high", "recency": "not_high"},
        "description": "Customers who buy often and recently.",
        "actions": [
            "Offer a loyalty programme or subscription",
            "Cross-sell related categories",
        ],
    },
    {
        "name": "Promising Newcomers",
        "when": {"recency": "low", "frequency": "low"},
        "description": "Customers who bought recently but not yet often.",
        "actions": [
            "Onboard them with a welcome series",
            "Give an incentive for the second purchase",
        ],
    },
    {
        "name": "Big Spenders",
        "when": {"monetary": "very_high"},
        "description": "Customers with a very high total spend.",
        "actions": [
            "Offer premium service and exclusive products",
            "Keep them engaged with personal account management",
        ],
    },
    {
        "name": "Bargain Hunters",
        "when": {"frequency": "high", "monetary": "low"},
        "description": "Frequent buyers of low-value baskets.",
        "actions": [
            "Promote bundles to raise basket size",
            "Use targeted discounts rather than blanket ones",
        ],
    },
    {
        "name": "Premium Spenders",
        "when": {"income": "high", "spending": "high"},
        "description": "High earners who spend freely: the most valuable segment.",
        "actions": [
            "Offer premium products, VIP events and loyalty perks",
            "Invest in retention: personal service and early access",
            "Upsell and cross-sell higher-margin lines",
        ],
    },
    {
        "name": "Wealthy Minimalists",
        "when": {"income": "high", "spending": "low"},
        "description": "High earners who spend little: untapped potential.",
        "actions": [
            "Find out why they hold back, with surveys or interviews",
            "Target them with quality- and value-focused premium offers",
            "Test personalised recommendations to convert intent",
        ],
    },
    {
        "name": "Young Impulsive Buyers",
        "when": {"age": "low", "spending": "high", "income": "not_high"},
        "description": "Young customers who spend more than their income suggests.",
        "actions": [
            "Engage them on social media and with trend-led launches",
            "Offer buy-now-pay-later and limited-time deals",
            "Build loyalty early with a points scheme",
        ],
    },
    {
        "name": "Frugal Millennials",
        "when": {"income": "low", "spending": "low", "age": "not_very_high"},
        "description": "Lower-income customers who spend carefully.",
        "actions": [
            "Promote value ranges, discounts and bundles",
            "Communicate price guarantees and savings",
            "Keep acquisition costs low for this segment",
        ],
    },
    {
        "name": "Frugal Seniors",
        "when": {"income": "low", "spending": "low", "age": "very_high"},
        "description": "Older, lower-income customers who spend carefully.",
        "actions": [
            "Promote value ranges and senior discounts",
            "Use traditional channels such as mail and in-store events",
        ],
    },
    {
        "name": "Conservative Elders",
        "when": {"age": "high", "spending": "not_high"},
        "description": "Older customers with steady, moderate spending.",
        "actions": [
            "Emphasise quality, reliability and service",
            "Reach them through traditional channels and in-store events",
            "Reward their loyalty with simple, predictable offers",
        ],
    },
    {
        "name": "Affluent VIPs",
        "when": {"income": "very_high"},
        "description": "Customers with much higher incomes than the rest.",
        "actions": [
            "Offer luxury lines and a VIP membership",
            "Provide personal shopping or concierge service",
        ],
    },
    {
        "name": "Young Professionals",
        "when": {"age": "low", "income": "high"},
        "description": "Younger customers with above-average incomes.",
        "actions": [
            "Promote convenience, quality and new launches",
            "Use digital channels and app-based offers",
        ],
    },
    {
        "name": "Budget-Conscious Youth",
        "when": {"age": "low", "income": "low", "spending": "not_high"},
        "description": "Younger customers on lower incomes.",
        "actions": [
            "Offer student and entry-level pricing",
            "Engage them through social media",
        ],
    },
    {
        "name": "Budget-Conscious Customers",
        "when": {"income": "low", "spending": "not_high"},
        "description": "Lower-income customers who watch their budget.",
        "actions": [
            "Promote value ranges, discounts and bundles",
            "Communicate price guarantees and savings",
        ],
    },
    {
        "name": "Traditional Seniors",
        "when": {"age": "high"},
        "description": "Older customers.",
        "actions": [
            "Emphasise service, trust and reliability",
            "Use traditional channels such as mail and in-store events",
        ],
    },
    {
        "name": "Young Adults",
        "when": {"age": "low"},
        "description": "Younger customers with otherwise typical habits.",
        "actions": [
            "Reach them on mobile and social channels",
            "Test trend-led products and introductory offers",
        ],
    },
    {
        "name": "Comfortable Earners",
        "when": {"income": "high"},
        "description": "Customers with above-average incomes.",
        "actions": [
            "Promote premium ranges and bundles",
            "Test higher price points with targeted offers",
        ],
    },
    {
        "name": "Enthusiastic Shoppers",
        "when": {"spending": "high"},
        "description": "Customers who spend more than most.",
        "actions": [
            "Reward them with a points scheme",
            "Recommend new arrivals and complementary products",
        ],
    },
    {
        "name": "Reluctant Shoppers",
        "when": {"spending": "low"},
        "description": "Customers who spend less than most.",
        "actions": [
            "Find out what holds them back, with a short survey",
            "Test entry-level offers to start a habit",
        ],
    },
    {
        "name": "Long-Standing Loyalists",
        "when": {"tenure": "high"},
        "description": "Customers who have been with us the longest.",
        "actions": [
            "Thank them with anniversary rewards",
            "Invite them to a loyalty tier or advisory panel",
        ],
    },
    {
        "name": "Newcomers",
        "when": {"tenure": "low"},
        "description": "Customers who joined recently.",
        "actions": [
            "Onboard them with a welcome series",
            "Check satisfaction early to prevent churn",
        ],
    },
    {
        "name": "Frequent Visitors",
        "when": {"visits": "high"},
        "description": "Customers who visit often.",
        "actions": [
            "Convert visits into purchases with timely offers",
            "Reward visits in the loyalty scheme",
        ],
    },
    {
        "name": "Occasional Visitors",
        "when": {"visits": "low"},
        "description": "Customers who rarely visit.",
        "actions": [
            "Remind them with targeted campaigns",
            "Give a reason to return, such as an event",
        ],
    },
)
