"""Counts for the reliability tests (a module of its own so tests can import it)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("STORYTRACE_RELIABILITY_SCALE", "1")))


def scaled(ci_count: int) -> int:
    """``ci_count`` in CI, times ``STORYTRACE_RELIABILITY_SCALE`` locally."""
    return ci_count * SCALE


# deadline=None: hypothesis's per-example deadline would fail slow-but-bounded
# examples at random; the tests check their own time bounds instead.
settings.register_profile(
    "reliability",
    max_examples=scaled(40),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


def news_corpus(n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` small articles as JSON records: pairs of versions of ``n // 2`` stories.

    Each pair is an original and a copy on another site with one number
    changed, so a scan puts them into one story; every text is unique.
    """
    import random

    rng = random.Random(seed)
    words = ["council", "river", "bridge", "budget", "school", "hospital", "market", "storm",
             "police", "court", "museum", "harbour", "railway", "library", "festival", "election"]
    names = ["Anna Berg", "Tomas Ruiz", "Leila Haddad", "Chen Wei", "Omar Farouk", "Mia Novak",
             "Ivan Petrov", "Sara Lind"]
    places = ["Lisbon", "Oslo", "Leeds", "Quito", "Perth", "Graz", "Turku", "Cork"]
    records = []
    for k in range(n // 2):
        a, b, c = rng.sample(words, 3)
        who, where = rng.choice(names), rng.choice(places)
        num = rng.randint(10, 9999)
        text = " ".join([
            f"{where} {a} officials approved a plan worth {num} euros on Tuesday, story {k}.",
            f"{who} said the {b} work would start in spring and finish before the {c} season.",
            f"Residents asked about the {a} and the {b}; {who} promised {num % 97} public "
            "meetings.",
            f"The vote in {where} passed after a long debate about the {c} and its costs.",
        ])
        records.append({"id": f"s{k}a", "text": text, "title": f"{where} approves {a} plan {k}",
                        "url": f"https://herald.example/{k}", "source": "herald.example"})
        records.append({"id": f"s{k}b",
                        "text": text.replace(f"{num % 97} public", f"{num % 97 + 1} public"),
                        "title": f"{where} {a} plan approved {k}",
                        "url": f"https://farm.example/{k}", "source": "farm.example"})
    return records
