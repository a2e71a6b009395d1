"""The benchmark harness runs end to end in its small version (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_prints_every_table(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    env = {**os.environ, "STORYTRACE_BENCH_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for title in ("Fingerprint stages", "MinHash, text to LSH bucket", "Match one new article"):
        assert title in run.stdout
    results = json.loads(out.read_text())
    assert {"datasketch", "rensa", "storytrace"} <= set(results["minhash"])
    # The estimates agree with exact Jaccard, whoever computes them.
    assert all(err < 0.05 for err in results["minhash"]["accuracy"].values())
    for size in ("500", "2000"):
        found, asked = map(int, results["store"][size]["found_original"].split("/"))
        assert found >= 0.9 * asked  # each query's original is among its verified matches
    assert (tmp_path / "growth.png").stat().st_size > 0


def test_ingest_bench_reads_pages_again_without_storing_them(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest_repeat.py"), "--articles", "120",
         "--sites", "3", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT / "bench",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    runs = json.loads(run.stdout.splitlines()[-1])
    assert [r["stored"] for r in runs.values()] == [60, 0, 60]
    assert runs["read again"]["duplicates"] == 60
