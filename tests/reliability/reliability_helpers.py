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

    Each story is made of its own pseudo-words (so stories share little but
    function words), and each pair is an original and a copy on another
    site with one number changed, so a scan puts the two into one story.
    """
    import random

    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "do", "fa", "gu", "shi",
                 "bre", "tor", "lan", "mes", "vik", "sol", "dar"]
    records = []
    for k in range(n // 2):
        def word() -> str:
            return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))

        name = f"{word().title()} {word().title()}"
        place = word().title()
        num = rng.randint(10, 9999)
        sentences = [
            f"In {place} the {word()} {word()} of the {word()} met on Tuesday, {name} said.",
            *(" ".join(word() for _ in range(9)).capitalize() + "." for _ in range(3)),
            f"{name} promised {num} {word()} for the {word()} {word()} by spring.",
        ]
        text = " ".join(sentences)
        records.append({"id": f"s{k}a", "text": text, "title": f"{place} {word()} {k}",
                        "url": f"https://herald.example/{k}", "source": "herald.example"})
        records.append({"id": f"s{k}b", "text": text.replace(f"{num} ", f"{num + 1} "),
                        "title": f"{place} {word()} {k}",
                        "url": f"https://farm.example/{k}", "source": "farm.example"})
    return records
