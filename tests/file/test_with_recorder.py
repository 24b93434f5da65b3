"""The FileExporter inside a DefaultRecorder: a failing file never hurts the application or other exporters."""

from typing import List

from nv_one_logger.core.event import Event
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter, JsonRecord
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.records import TelemetryDataErrorRecord, read_records, rebuild


class CapturingExporter(BaseJsonExporter):
    def __init__(self) -> None:
        super().__init__(merge_start_stop=False)
        self.records: List[JsonRecord] = []

    def _write(self, json_dict: JsonRecord) -> None:
        self.records.append(json_dict)


def _run(recorder: DefaultRecorder, iterations: int) -> None:
    app = recorder.start("application")
    for i in range(iterations):
        it = recorder.start("iteration", parent_span=app)
        recorder.event(it, _event(i))
        recorder.stop(it)
    recorder.error(app, "handled", ValueError("x"))
    recorder.stop(app)


def _event(i):
    return Event.create("loss", {"i": i})


def test_disk_full_exporter_does_not_stop_the_others(tmp_path):
    full = FileExporter("/dev/full")
    good = FileExporter(tmp_path / "good.jsonl")
    capture = CapturingExporter()
    recorder = DefaultRecorder([full, good, capture])
    _run(recorder, iterations=10)  # must not raise
    recorder.close()
    assert [r["type"] for r in capture.records].count("event") == 10
    result = rebuild(read_records(tmp_path / "good.jsonl"))
    assert len(result.spans) == 11 and not result.open_spans
    assert not any(isinstance(r, TelemetryDataErrorRecord) for r in read_records(tmp_path / "good.jsonl"))
    slots = {id(slot.exporter): slot for slot in recorder.exporter_slots}
    assert slots[id(full)].disabled
    assert not slots[id(good)].disabled and not slots[id(capture)].disabled


def test_deleted_file_is_recreated_and_the_gap_is_recorded_in_it(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = FileExporter(path, reopen_check_interval_seconds=0)
    recorder = DefaultRecorder([exporter])
    app = recorder.start("application")
    recorder.event(app, _event(0))
    path.unlink()
    recorder.event(app, _event(1))
    recorder.stop(app)
    recorder.close()
    records = list(read_records(path))
    errors = [r for r in records if isinstance(r, TelemetryDataErrorRecord)]
    assert len(errors) == 1 and errors[0].error_type == "incomplete_telemetry_data"
    assert [r.count for r in records] == sorted(r.count for r in records)
    assert records[0].count > 1  # the first records went down with the deleted file
