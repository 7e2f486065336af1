"""The build benchmark prints per-stage times read from the manifest the build wrote."""

from __future__ import annotations

import json

from llmrec.bench.build import format_stages, stage_seconds


def test_stage_times_come_from_the_manifest_with_the_total_last(tmp_path):
    timings = {"total": 845.5, "load": 10.2, "embed": 367.0, "evaluate": 61.9}
    (tmp_path / "manifest.json").write_text(json.dumps({"timings": timings, "models": ["bpr"]}))
    stages = stage_seconds(tmp_path)
    assert stages == timings
    lines = format_stages(stages).splitlines()
    assert [line.split()[0] for line in lines] == ["load", "embed", "evaluate", "total"]
    assert lines[1].split()[1:] == ["6:07", "(", "367.0", "s)"]
    assert lines[-1].split()[1] == "14:05"


def test_cpu_seconds_are_printed_beside_the_wall_seconds_when_recorded(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"timings": {"train": 90.0, "total": 100.0}, "cpu_timings": {"train": 45.5, "total": 50.25}}))
    wall, cpu = stage_seconds(tmp_path), stage_seconds(tmp_path, "cpu_timings")
    assert cpu == {"train": 45.5, "total": 50.25}
    lines = format_stages(wall, cpu).splitlines()
    assert lines[0].split()[-3:] == ["45.5", "CPU", "s"]
    assert lines[1].split()[-3:] == ["50.2", "CPU", "s"]      # total, rounded to one decimal
    # a manifest from before CPU seconds were recorded prints wall seconds only
    assert "CPU" not in format_stages(wall, stage_seconds(tmp_path, "absent"))
