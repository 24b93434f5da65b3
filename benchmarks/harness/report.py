"""Turn the raw results into the one printed table and the JSON document.

Ratios come from paired measurements: in every round, a row's worker also measures its baseline,
alternating batches (``measure.measure_paired``). The reported ratio is the median over rounds of each
round's median per-batch-pair ratio; the absolute numbers are medians over rounds too. Baseline rows are also
measured on their own, which gives their line in the table.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional

from benchmarks.harness.registry import (
    IMPORT_MAX_X_SDK,
    IMPORT_TARGET_ROWS,
    ORDER,
    STALL_P99_MAX_X_SDK,
    THROUGHPUT_MIN_X_SDK,
    TRAINING_MAX_X_SDK_OVERHEAD,
    WORKLOADS,
)

Json = Dict[str, Any]

_METRICS = ("wall_ns", "thread_cpu_ns", "process_cpu_ns")
EVENTS_PER_ITERATION = (1, 10, 100)


def aggregate_timing(rounds: List[Dict[str, Json]]) -> Dict[str, Json]:
    """Fold per-round worker results into one entry per workload (medians, ratios, target checks)."""
    rows: Dict[str, Json] = {}
    for name in ORDER:
        spec = WORKLOADS[name]
        per_round = [r[name] for r in rounds if name in r]
        if not per_round:
            continue  # not selected (--only)
        ok = [r for r in per_round if "stats" in r]
        row: Json = {
            "operation": spec.operation,
            "variant": spec.variant,
            "baseline": spec.baseline,
            "rounds": len(ok),
        }
        if not ok:
            errors = [r.get("error", "not run") for r in per_round] or ["not run"]
            row["error"] = errors[0]
            rows[name] = row
            continue
        for metric in _METRICS:
            row[metric] = statistics.median(r["stats"][metric] for r in ok)
        row["info"] = ok[-1].get("info", {})
        if spec.baseline:
            for metric in _METRICS:
                row[f"x_{metric}"] = statistics.median(r["ratios"][metric] for r in ok)
            row["baseline_alongside"] = {m: statistics.median(r["baseline_stats"][m] for r in ok) for m in _METRICS}
        row["targets"] = [
            {
                "metric": t.metric,
                "max_ratio": t.ratio,
                "ratio": row.get(f"x_{t.metric}"),
                "met": row.get(f"x_{t.metric}") is not None and row[f"x_{t.metric}"] <= t.ratio,
            }
            for t in spec.targets
        ]
        rows[name] = row
    return rows


def baseline_scale(rows: Dict[str, Json], baseline: str) -> Optional[float]:
    """Caller time of ``baseline``: median of its own line and of every time it was measured alongside a row.

    The absolute speed of a shared virtual machine drifts (the same SDK span measured 24 us and 45 us in two
    runs an hour apart); the paired ratios do not. Pooling every measurement of the baseline made in this run
    gives the most stable scale to turn ratios back into microseconds.
    """
    samples = [float(rows[baseline]["wall_ns"])] if "wall_ns" in rows.get(baseline, {}) else []
    samples += [
        float(row["baseline_alongside"]["wall_ns"])
        for row in rows.values()
        if row.get("baseline") == baseline and "baseline_alongside" in row
    ]
    return statistics.median(samples) if samples else None


def _normalized_ns(rows: Dict[str, Json], name: str) -> Optional[float]:
    """Caller time of ``name`` on one consistent scale: its paired ratio x its baseline's pooled time."""
    row = rows.get(name, {})
    if "wall_ns" not in row:
        return None
    baseline = row.get("baseline")
    if not baseline:
        return baseline_scale(rows, name)
    scale = baseline_scale(rows, baseline)
    if row.get("x_wall_ns") is None or scale is None:
        return float(row["wall_ns"])
    return float(row["x_wall_ns"]) * scale


def training_loop(rows: Dict[str, Json]) -> List[Json]:
    """Overhead per training iteration: one timed_span plus k events, for each exporter set-up and the SDK.

    Caller time, each row's ratio scaled by its baseline's pooled time (see ``baseline_scale``).
    """
    pairs = [("raw OTel SDK", "sdk.span.memory", "sdk.event")]
    pairs += [
        (WORKLOADS[f"ol.span.{v}"].variant, f"ol.span.{v}", f"ol.event.{v}")
        for v in ("none", "disabled", "logger", "file", "otel_memory", "otel_otlp")
    ]
    result: List[Json] = []
    for label, span_name, event_name in pairs:
        span_ns = _normalized_ns(rows, span_name)
        event_ns = _normalized_ns(rows, event_name)
        if span_ns is None or event_ns is None:
            continue
        result.append(
            {
                "setup": label,
                "us_per_iteration": {str(k): (span_ns + k * event_ns) / 1000 for k in EVENTS_PER_ITERATION},
            }
        )
    return result


def _us(ns: Optional[float]) -> str:
    return "-" if ns is None else f"{ns / 1000:.2f}"


def _x(ratio: Optional[float]) -> str:
    return "-" if ratio is None else f"{ratio:.3f}x"


def _target_text(row: Json) -> str:
    parts = []
    for t in row.get("targets", []):
        label = "caller" if t["metric"] == "wall_ns" else "CPU"
        verdict = "ok" if t["met"] else "MISSED"
        parts.append(f"{label}<={t['max_ratio']}x {verdict}")
    flushed = row.get("info", {}).get("flushed_per_call")
    if flushed is not None:
        parts.append("flushed/call " + ("ok" if flushed else "MISSED"))
    return "; ".join(parts)


def _table(header: List[str], body: List[List[str]]) -> List[str]:
    """Return the lines of a table; none for an empty body (a section that measured nothing, e.g. ``--only``)."""
    if not body:
        return []
    widths = [max(len(header[i]), *(len(r[i]) for r in body)) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in body]
    return out


def render(doc: Json) -> str:
    """The printed table (also pasted into docs/performance.md)."""
    out: List[str] = []
    m = doc["machine"]
    out.append(f"OneLogger benchmarks  {doc['started']}  {m['cpu']} x{m['nproc']}  Python {m['python']}  {doc['mode']}")
    out.append("Per operation, medians. caller = wall time of the calling thread (targets apply to it); caller CPU =")
    out.append("its CPU time; proc CPU = CPU of all threads incl. background exporters (flushed every batch).")
    out.append("base us / x base = the baseline measured alongside in the same process (alternating batches) and the")
    out.append("median ratio to it. Baseline rows are also measured alone (their own line).")
    out.append("")
    body = []
    for name in ORDER:
        row = doc["timing"].get(name)
        if row is None:
            continue
        if "error" in row:
            error = row["error"][:70]
            body.append([WORKLOADS[name].operation, WORKLOADS[name].variant, "n/a", *[""] * 7, error])
            continue
        alongside = row.get("baseline_alongside", {})
        body.append(
            [
                row["operation"],
                row["variant"],
                _us(row["wall_ns"]),
                _us(alongside.get("wall_ns")),
                _x(row.get("x_wall_ns")),
                _us(row["thread_cpu_ns"]),
                _x(row.get("x_thread_cpu_ns")),
                _us(row["process_cpu_ns"]),
                _x(row.get("x_process_cpu_ns")),
                row["baseline"] or "(baseline)",
                _target_text(row),
            ]
        )
    header = ["op", "variant", "caller us", "base us", "x base", "caller CPU us", "x base", "proc CPU us", "x base"]
    out += _table([*header, "baseline", "target"], body)

    out.append("")
    body = []
    for name, row in doc.get("memory", {}).items():
        if "error" in row:
            body.append([name, "n/a", "", "", "", row["error"][:60]])
            continue
        target = row.get("target")
        verdict = "" if target is None else (f"<={target} MB " + ("ok" if row["rss_growth_mb"] <= target else "MISSED"))
        body.append(
            [
                name,
                f"{row['events']:,}",
                f"{row['rss_growth_mb']:.1f}",
                f"{row['peak_growth_mb']:.1f}",
                f"{row['seconds'] * 1e6 / max(1, row['events']):.2f}",
                verdict,
            ]
        )
    header = ["memory: one open span", "events", "RSS growth MB", "peak growth MB", "us/event", "target"]
    out += _table(header, body)

    out.append("")
    body = []
    for name, row in doc.get("import", {}).items():
        if "error" in row:
            body.append([name, row["label"], "n/a", "", "", row["error"][:60]])
            continue
        base = doc["import"].get("import.sdk", {}).get("seconds")
        ratio = _x(row["seconds"] / base) if base else "-"
        must_not = name in ("import.timed_span", "import.core_full", "import.cli")
        verdicts = []
        if name in IMPORT_TARGET_ROWS and base:
            verdicts.append(f"<={IMPORT_MAX_X_SDK}x " + _ok(row["seconds"] / base <= IMPORT_MAX_X_SDK))
        if must_not:
            verdicts.append("no otel: " + _ok(not row["opentelemetry_imported"]))
        verdict = "; ".join(verdicts)
        body.append(
            [name, row["label"], f"{row['seconds'] * 1000:.1f}", ratio, str(row["opentelemetry_imported"]), verdict]
        )
    out += _table(["import (fresh interpreter)", "modules", "ms", "xSDK", "imports otel", "target"], body)

    throughput = doc.get("throughput", {})
    if throughput:
        out.append("")
        body = []
        for name, row in throughput.items():
            if "error" in row:
                body.append([name, "n/a", "", "", "", row["error"][:60]])
                continue
            base = throughput.get("throughput.sdk", {}).get("spans_per_second")
            ratio = _x(row["x_sdk"]) if "x_sdk" in row else ("1.000x" if name == "throughput.sdk" else "-")
            verdict = spread = ""
            if "x_sdk" in row:
                verdict = f">={THROUGHPUT_MIN_X_SDK}x " + _ok(row["x_sdk"] >= THROUGHPUT_MIN_X_SDK)
                spread = f"{row['x_sdk_min']:.2f}x-{row['x_sdk_max']:.2f}x"
            elif base and name == "throughput.onelogger":  # a document written before pairs were measured
                ratio = _x(row["spans_per_second"] / base)
            runs = row.get("runs", [row["spans_per_second"]])
            body.append(
                [
                    name,
                    f"{row['spans_per_second']:,.0f}",
                    f"{min(runs):,.0f}-{max(runs):,.0f}",
                    ratio,
                    spread,
                    str(row["lost"]),
                    verdict,
                    row["note"],
                ]
            )
        repeats = next((r.get("repeats") for r in throughput.values() if "repeats" in r), 1)
        header = ["collector (zero loss)", "spans/s", "range", "xSDK", "pair range", "lost", "target", "how (median)"]
        out += _table(header, body)
        out.append(
            f"(median of {repeats} alternating repeats per kind; xSDK = median of the per-pair ratios; "
            "a pace search per repeat)"
        )
    out += _stall_table(doc.get("stall"))
    out += _pytorch_table(doc.get("pytorch"))

    loop = doc.get("training_loop", [])
    if loop:
        out.append("")
        body = [[r["setup"], *(f"{r['us_per_iteration'][str(k)]:.1f}" for k in EVENTS_PER_ITERATION)] for r in loop]
        header = ["composed loop: 1 span + k events (caller)", *(f"k={k} us" for k in EVENTS_PER_ITERATION)]
        out += _table(header, body)
    return "\n".join(out)


def _ok(met: bool) -> str:
    return "ok" if met else "MISSED"


def _stall_table(stall: Optional[Json]) -> List[str]:
    if not stall:
        return []
    title = "caller stall: span+event step, exporter saturated"
    if "error" in stall:
        return [
            "",
            *_table([title, "p50 us", "p99 us", "max us", "target"], [["n/a", "", "", "", stall["error"][:60]]]),
        ]
    body = []
    for kind, label in (("sdk", "raw OTel SDK, BSP+OTLP"), ("onelogger", "OneLogger, OTelExporter OTLP")):
        row = stall[kind]
        target = ""
        if kind == "onelogger":
            target = f"p99<={STALL_P99_MAX_X_SDK}x {_ok(stall['x_p99'] <= STALL_P99_MAX_X_SDK)} ({stall['x_p99']:.2f}x)"
            target += f"; max {stall['x_max']:.2f}x"
        body.append([label, f"{row['p50_us']:.1f}", f"{row['p99_us']:.1f}", f"{row['max_us']:.0f}", target])
    header = [title, "p50 us", "p99 us", "max us", "target (x SDK, median of per-round ratios)"]
    return ["", *_table(header, body)]


def _pytorch_table(torch_row: Optional[Json]) -> List[str]:
    if not torch_row:
        return []
    title = "PyTorch CPU training loop (1 span + 10 events / iteration)"
    if "error" in torch_row:
        # In full, not cut to a cell: the reason says how to get the row (e.g. the make target of its environment).
        return ["", title, "-" * len(title), f"n/a: {torch_row['error']}"]
    body = []
    cpu, wall = torch_row["cpu_us_per_iteration"], torch_row["wall_us_per_iteration"]
    overhead, wall_overhead = torch_row["overhead_pct"], torch_row["wall_overhead_pct"]
    ratio = torch_row.get("x_sdk_overhead")
    full_gcs = torch_row.get("full_collections_per_1000_iterations", {})  # absent in results of older runs
    gc_us = torch_row.get("full_collection_us_per_iteration", {})
    for way, label in (("none", "no telemetry"), ("sdk", "raw OTel SDK, BSP+OTLP"), ("onelogger", "OneLogger, OTLP")):
        target = ""
        if way == "onelogger":
            met = ratio is not None and ratio <= TRAINING_MAX_X_SDK_OVERHEAD
            shown = "-" if ratio is None else f"{ratio:.2f}x"
            target = f"CPU overhead <={TRAINING_MAX_X_SDK_OVERHEAD}x SDK's {_ok(met)} ({shown})"
        pct = "-" if way == "none" else f"{overhead[way]:+.1f}%"
        wall_pct = "-" if way == "none" else f"{wall_overhead[way]:+.1f}%"
        gcs = "-" if way not in full_gcs else f"{full_gcs[way]:.2f}"
        gc_time = "-" if way not in gc_us else f"{gc_us[way]:.1f}"
        body.append([label, f"{cpu[way]:.0f}", pct, f"{wall[way]:.0f}", wall_pct, gcs, gc_time, target])
    header = [title, "proc CPU us/it", "overhead", "loop wall us/it", "overhead", "full GCs/1000 it", "full GC us/it"]
    header.append("target")
    out = ["", *_table(header, body)]
    dropped = {
        "raw OTel SDK spans": torch_row.get("sdk_spans_dropped"),
        "OneLogger calls": torch_row.get("onelogger_calls_dropped"),
    }
    lost = ", ".join(f"{n} {what}" for what, n in dropped.items() if n)
    if lost:  # a dropped span or call is work a way did not do: its overhead is understated
        out.append(f"dropped (overhead understated): {lost}")
    return out


DOCS_START = "<!-- bench-table:start -->"
DOCS_END = "<!-- bench-table:end -->"


def update_docs(path: Path, doc: Json) -> bool:
    """Replace the table between the bench-table markers of ``path`` with this run's table and machine."""
    text = path.read_text()
    start, end = text.find(DOCS_START), text.find(DOCS_END)
    if start < 0 or end < start:
        return False
    m = doc["machine"]
    block = (
        f"{DOCS_START}\n"
        f"Run of {doc['started']} ({doc['mode']}, {doc['seconds']} s): {m['cpu']}, {m['nproc']} cores, "
        f"Python {m['python']}, {m['platform']}.\n\n```text\n{doc['table']}\n```\n"
    )
    path.write_text(text[:start] + block + text[end:])
    return True
