import io
import json
import re

import pytest

from nv_one_logger.cli._reading import reading_progress
from nv_one_logger.records.digest import digest_files
from nv_one_logger.records.files import load_files
from nv_one_logger.records.identity import RankLabel, WriterRanks, rank_from
from nv_one_logger.records.ranks import lag_threshold, phases_by_rank
from nv_one_logger.records.stats import summarize_spans
from tests.support.cli_in_process import run_cli
from tests.support.multirank_run import write_run
from tests.support.record_builders import RecordWriter, write_file


def _by_rank_row(out, name):
    section = out.split("Per rank:", 1)[1]
    (line,) = [line for line in section.splitlines() if line.startswith(name + " ")]
    return re.split(r"\s{2,}", line.strip())


def test_by_rank_names_the_injected_straggler(tmp_path, capsys):
    paths = write_run(tmp_path, ranks=4, straggler=2)
    assert run_cli(["summary", "--by-rank", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert "4 rank(s)" in out.splitlines()[0]
    header = next(line for line in out.split("Per rank:", 1)[1].splitlines() if line.startswith("phase "))
    assert re.split(r"\s{2,}", header.strip()) == [
        "phase", "rank 0", "rank 1", "rank 2", "rank 3", "min", "median", "max", "lagging",
    ]  # fmt: skip
    row = _by_rank_row(out, "training_iteration")
    # 12 iterations of 180 ms on rank 2 against about 100 ms elsewhere
    assert row[3] == "2.16 s"
    assert row[-1] == "rank 2 (2.16 s)"
    assert _by_rank_row(out, "data_loading")[-1] == "-"  # the same on every rank
    assert "Lagging ranks: rank 2" in out


def test_errors_are_listed_in_time_order_with_their_rank(tmp_path, capsys):
    paths = write_run(tmp_path)
    assert run_cli(["summary", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    errors = out.split("Application errors: 2 (in time order)\n", 1)[1].splitlines()[:2]
    assert "rank 3  training_loop: rank 3 lost a shard" in errors[0]  # 0.5 s, read last
    assert "rank 1  training_loop: rank 1 retried a read" in errors[1]  # 1.5 s, read second
    assert "rank 0  incomplete_telemetry_data: exporter dropped 3 records" in out


def test_json_has_the_per_rank_view(tmp_path, capsys):
    paths = write_run(tmp_path, ranks=5, straggler=4)
    assert run_cli(["summary", "--json", *map(str, paths)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ranks"] == [f"rank {r}" for r in range(5)]
    (iterations,) = [p for p in data["by_rank"] if p["name"] == "training_iteration"]
    assert iterations["lagging"] == ["rank 4"]
    assert iterations["counts"] == {f"rank {r}": 12 for r in range(5)}
    assert iterations["max"] == pytest.approx(12 * 0.18)
    assert [e["rank"] for e in data["application_errors"]] == ["rank 3", "rank 1"]


def test_straggler_k_is_a_knob_and_is_checked(tmp_path, capsys):
    paths = write_run(tmp_path)
    assert run_cli(["summary", "--by-rank", "--straggler-k", "1000", *map(str, paths)]) == 0
    assert "Lagging ranks: none" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run_cli(["summary", "--straggler-k", "-1", str(paths[0])])
    assert "must be a positive number" in capsys.readouterr().err


def test_lag_rule():
    assert lag_threshold([1.0, 5.0]) == float("inf")  # two ranks: nobody is "the" slow one
    assert lag_threshold([10.0, 10.0, 10.0, 10.0]) == pytest.approx(10.0 + 3 * 0.5)  # MAD 0: 5 % floor
    noisy = [10.0, 10.2, 9.9, 10.1, 10.05]
    assert max(noisy) < lag_threshold(noisy)
    assert lag_threshold([*noisy, 20.0]) < 20.0
    # one straggler does not drag the median or the MAD along, unlike a mean and standard deviation
    assert lag_threshold([10.0, 10.0, 10.0, 100.0]) == pytest.approx(11.5)


def test_phases_by_rank_from_durations():
    r = [RankLabel(False, i) for i in range(4)]
    phases = phases_by_rank({(r[0], "x"): [1.0], (r[1], "x"): [1.0], (r[2], "x"): [1.0, 2.0], (r[3], "x"): [1.0]})
    (phase,) = phases
    assert phase.lagging == [r[2]]
    assert phase.counts[r[2]] == 2
    assert (phase.min_seconds, phase.median_seconds, phase.max_seconds) == (1.0, 1.0, 3.0)


def test_rank_comes_from_the_attribute_then_the_file_name_else_the_pid():
    assert rank_from("/x/rank7-12.jsonl", {}) == 7
    assert rank_from("/x/rank7-12.jsonl", {"rank": 3}) == 3
    assert rank_from("/x/run_rank_12.jsonl", {}) == 12
    assert rank_from("/x/run.jsonl", {"rank": "5"}) == 5
    assert rank_from("/x/cranky1.jsonl", {}) is None
    assert rank_from("/x/run.jsonl", {"rank": True}) is None
    ranks = WriterRanks()
    assert str(ranks.label("/x/run.jsonl", 42, {})) == "pid 42"
    assert str(ranks.label("/x/run.jsonl.1", 42, {"rank": 1})) == "pid 42"  # decided at the writer's first span
    assert str(ranks.label("/x/rank2.jsonl", 43, {})) == "rank 2"
    assert sorted([RankLabel(True, 1), RankLabel(False, 9)]) == [RankLabel(False, 9), RankLabel(True, 1)]


def test_digest_statistics_match_the_full_rebuild(tmp_path):
    paths = write_run(tmp_path)
    extra = RecordWriter(pid=77)
    extra.start("open", "still_running", 0.0)
    extra.event("nowhere", "tick", 1.0)
    paths.append(write_file(tmp_path / "other.jsonl", extra.records))
    digest = digest_files(paths)
    loaded = load_files(paths)
    assert digest.name_stats() == summarize_spans(loaded.result.spans)
    assert digest.record_count == loaded.record_count
    assert [s.name for s in digest.open_spans] == ["still_running"]
    assert digest.problem_total == len(loaded.result.problems) == 1
    assert {str(rank) for rank in digest.ranks} == {"rank 0", "rank 1", "rank 2", "rank 3", "pid 77"}
    losses = digest.numbers[(RankLabel(False, 2), "training_metrics.loss")]
    assert len(losses.values) == 12


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_shown_on_a_terminal_only(tmp_path):
    paths = write_run(tmp_path)
    assert reading_progress("summary", io.StringIO()) is None
    terminal = _Terminal()
    digest_files(paths, on_progress=reading_progress("summary", terminal))
    text = terminal.getvalue()
    assert text.startswith("\rone-logger summary: reading")
    assert "100.0%" in text and text.endswith("\n")
