"""`storytrace ingest` end to end: progress, summary, exit codes, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from storytrace.cli import app
from storytrace.store import SQLiteStore

runner = CliRunner()

STORY = (
    "Dock workers at the port of Harrowgate walked off the job on Tuesday after talks "
    "over night-shift pay collapsed, the Harbour Workers Union said.\n\n"
    "Union secretary Lena Varga said 1,200 members had joined the strike and that "
    "cranes would stay idle until the port authority returned to the table."
)
OTHER = (
    "The Brindle county council voted 7 to 2 on Monday to close the old ferry pier, "
    "citing repair costs of 4.5 million euros.\n\n"
    "Councillor Tomas Reyes said the vote was painful but that the pier had become unsafe."
)


def ingest(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *args])
    return result.exit_code, result.output


def test_ingest_reports_counts_and_is_idempotent(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(STORY)
    (tmp_path / "in" / "b.txt").write_text(OTHER)
    store = tmp_path / "store.sqlite"
    code, output = ingest(str(tmp_path / "in"), "--store", str(store), "--json")
    assert code == 0, output
    assert json.loads(output) | {"failures": []} == {
        "read": 2, "stored": 2, "duplicates": 0, "failed": 0, "failures": []}
    code, output = ingest(str(tmp_path / "in"), "--store", str(store), "--json")
    assert code == 0
    assert json.loads(output)["duplicates"] == 2
    assert SQLiteStore(store).count() == 2


def test_bad_inputs_fail_one_by_one_and_exit_1(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    good = tmp_path / "good.txt"
    good.write_text(STORY)
    assert ingest(str(good), "--store", str(store))[0] == 0

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    lines = tmp_path / "docs.jsonl"
    lines.write_text(json.dumps({"id": "x", "text": OTHER}) + "\n{not json\n")
    code, output = ingest(str(empty), str(binary), str(lines), str(tmp_path / "missing.txt"),
                          "--store", str(store), "--json")
    assert code == 1
    summary = json.loads(output)
    assert summary["stored"] == 1
    failed = {f["input"]: f["reason"] for f in summary["failures"]}
    assert str(empty) in failed and str(binary) in failed
    assert f"{lines}:2" in failed
    assert any("missing.txt" in k for k in failed)
    # what was stored before is still there, untouched
    with SQLiteStore(store) as db:
        assert db.count() == 2
        assert db.integrity_check() == "ok"


def test_unusable_store_exits_2_and_names_it(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    store.write_text("not a database " * 200)
    (tmp_path / "a.txt").write_text(STORY)
    result = runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--store", str(store)])
    assert result.exit_code == 2
    assert "notes.sqlite" in result.output


def test_field_mapping_reads_other_json_names(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"uid": "u1", "content": STORY, "headline": "Port strike"}) + "\n")
    store = tmp_path / "store.sqlite"
    code, output = ingest(str(docs), "--store", str(store), "--field", "id=uid",
                          "--field", "text=content", "--field", "title=headline")
    assert code == 0, output
    (article,) = SQLiteStore(store).find("u1")
    assert article.title == "Port strike"


def test_bad_field_spec_is_a_usage_error(tmp_path: Path) -> None:
    code, output = ingest(str(tmp_path), "--field", "colour=red", "--store",
                          str(tmp_path / "s.sqlite"))
    assert code == 2
    assert "--field" in output
