# ruff: noqa: E501  (fixture prose: one sentence per line)
"""Fictional versions with planted changes, written for storytrace's diff tests.

Each case is an original, a reworded version of it with changes planted in
it, and the list of what was planted: ``(status, kind, text in A, text in B)``
where a text is a fragment the fact's wording must contain.
"""

from __future__ import annotations

from datetime import UTC, datetime

CASES = [
    {
        "name": "ferry",
        "published": datetime(2026, 5, 14, 9, 0, tzinfo=UTC),
        "a": """\
The Lakeland Ferry Company will cut its winter timetable by 40 sailings a week from November 3, the company said on Tuesday.
Chief executive Maren Oduya said fuel costs had risen by 18 percent since March.
"We cannot keep running half-empty boats across the lake in January," Oduya told reporters in Vesterholm.
The union representing 220 deck crew said it would challenge the plan.
Union secretary Piet Lanvers said the cuts would strand commuters on the northern shore.
The regional council will debate the timetable on May 20.
""",
        "b": """\
Lakeland Ferry Company plans to drop 55 sailings a week from its winter schedule starting November 3, it announced on Tuesday.
According to chief executive Maren Oduya, fuel costs have climbed 18 percent since March.
"We cannot keep running half-empty boats across the lake in January," Piet Lanvers told reporters in Vesterholm.
The union, which represents 220 deck crew, vowed to fight the plan.
Union secretary Piet Lanvers warned that commuters on the northern shore would be stranded.
The regional council is due to debate the timetable on May 27.
The company also plans to sell two of its older vessels for about 3 million euros.
""",
        "planted": [
            ("conflict", "number", "40 sailings", "55 sailings"),
            ("conflict", "speaker", "cannot keep running", "cannot keep running"),
            ("conflict", "date", "May 20", "May 27"),
            ("only_b", "number", None, "3 million euros"),
        ],
    },
    {
        "name": "mine",
        "published": datetime(2026, 6, 2, 7, 30, tzinfo=UTC),
        "a": """\
Rescuers pulled 14 miners alive from the flooded Kordavik copper mine on Monday, two days after water broke into a lower gallery.
Mine operator Nordkam said 3 workers were still missing.
"The pumps have lowered the water by more than two metres overnight," rescue chief Ilse Marwen said.
The mine employs about 600 people and produced 45,000 tonnes of copper last year.
Labour inspector Jonas Feldt said his office had ordered an inquiry.
""",
        "b": """\
Fourteen miners were rescued alive from the flooded Kordavik copper mine on Monday, two days after water poured into a lower gallery.
Three workers remain unaccounted for, operator Nordkam said.
"The pumps have lowered the water by more than two metres overnight," rescue chief Ilse Marwen said.
Around 600 people work at the mine, which produced 52,000 tonnes of copper last year.
Labour inspector Jonas Feldt said his office had ordered an inquiry, to report by July 15.
The flooding began on Saturday evening during a shift change.
""",
        "planted": [
            ("conflict", "number", "45,000 tonnes", "52,000 tonnes"),
            ("only_b", "date", None, "July 15"),
            ("only_b", "date", None, "Saturday"),
        ],
    },
]
