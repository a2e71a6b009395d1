# ruff: noqa: E501  (fixture prose: one sentence per line, as articles are split)
"""Tiny fictional news stories for the matching tests (written for this project)."""

from __future__ import annotations

from pathlib import Path

from storytrace.evaluate import split_sentences
from storytrace.model import Article, article_id

FLOOD = """\
Heavy rain flooded the river town of Marrowby on Tuesday, forcing 340 residents from their homes.
Mayor Elsa Varnholt said the Brisk River rose more than two metres overnight and breached the old levee near the mill.
"We have never seen water this high in the market square," Varnholt told reporters at the town hall.
Emergency crews from the Northfield Rescue Service evacuated a care home and two schools by boat.
The regional weather office expects another 40 millimetres of rain before Thursday.
Varnholt said temporary shelters at the sports hall can hold about 500 people.
"""

# The same report reworded sentence by sentence, in the same order.
FLOOD_REWRITE = """\
Torrential downpours submerged Marrowby, a small riverside town, on Tuesday and drove 340 people out of their houses.
The Brisk River climbed over two metres during the night and broke through the aging levee beside the mill, according to Mayor Elsa Varnholt.
Speaking at the town hall, Varnholt said the market square had never been under so much water.
Rescue teams of the Northfield Rescue Service used boats to move residents of a care home and pupils of two schools.
Forecasters at the regional weather office predict a further 40 millimetres of rainfall ahead of Thursday.
According to the mayor, makeshift shelters in the sports hall have room for roughly 500 people.
"""

# The flood again three weeks later: the same town, mayor, river and levee,
# and a lead that tells of its own Tuesday (written for this test).
FLOOD_AGAIN = """\
The Brisk River flooded Marrowby again on Tuesday, forcing 120 residents from their homes.
Mayor Elsa Varnholt said the repaired levee near the mill held, but water came over the road bridge.
Emergency crews from the Northfield Rescue Service moved patients of the care home to the sports hall.
The regional weather office said the ground was still saturated.
"""

# A follow-up of the first flood: its lead looks back at that Tuesday.
FLOOD_FOLLOWUP = """\
Marrowby began clearing mud from the market square on Friday, three days after the Brisk River burst its levee on Tuesday.
Mayor Elsa Varnholt said 300 of the 340 residents forced from their homes could return by the weekend.
Engineers from the Northfield Rescue Service said the old levee near the mill would be rebuilt.
"""

BAKERY = """\
A family bakery in the coastal village of Pellinor won the national bread prize on Saturday.
Owner Tomas Quillfeather said the winning sourdough uses a starter kept alive since 1962.
Judges from the Guild of Master Bakers praised the loaf's crust and its open crumb.
The prize carries a cash award of 5,000 euros and a year of supplies from a local mill.
Quillfeather said he would spend the money on a new oven and an apprentice.
"""

# Lines a content-farm template puts around every story it copies.
TEMPLATE = (
    "Subscribe to our newsletter for the latest headlines delivered every morning.",
    "All rights reserved by Daily Harbor Wire and its content partners worldwide.",
)


def article(body: str, *, url: str | None = None, title: str | None = None) -> Article:
    """An Article built the way the evaluation builds one."""
    return Article(
        id=article_id(body, url),
        body=body,
        url=url,
        title=title,
        sentences=tuple(split_sentences(body)),
    )


def templated(body: str, url: str) -> Article:
    """A repost with two template lines left in (as if normalization missed them)."""
    text = TEMPLATE[0] + "\n" + body + TEMPLATE[1] + "\n"
    return article(text, url=url)


# ../shared/seeds beside the project checkout (tests that read it skip without it).
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
