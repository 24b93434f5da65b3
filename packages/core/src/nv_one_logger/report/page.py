"""Assemble the report: one HTML file with plotly's JavaScript inlined, so it opens offline (no CDN, no server).

The page is static: the charts are plotly figures (``figures``), the tables are plain HTML. Everything that comes
from the record files (span names, messages, paths) is escaped, since a record file is data, not markup.
"""

from __future__ import annotations

import html
from typing import List, Optional, Tuple

import plotly.offline

from nv_one_logger.cli._format import format_duration, iso_time, time_span, unlisted_segments_note
from nv_one_logger.records.digest import ErrorEntry, RunDigest
from nv_one_logger.records.ranks import DEFAULT_K, MIN_RANKS, PhaseByRank, phases_by_rank
from nv_one_logger.report.figures import Chart, iteration_name, iteration_times, numbers, timeline

MAX_RANK_COLUMNS = 16

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { text-align: left; background: #f4f4f4; }
th:first-child, td:first-child, td.text { text-align: left; }
td.lagging { background: #fdd; font-weight: bold; }
tr.telemetry td { background: #fff4e0; }
p.note { color: #666; font-size: 0.9em; }
.summary { color: #444; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _chart(section_id: str, title: str, chart: Chart) -> str:
    body = chart.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"{section_id}-chart",
        config={"displaylogo": False, "responsive": True},
    )
    notes = "".join(f'<p class="note">{_e(note)}</p>' for note in chart.notes)
    return f'<section id="{section_id}"><h2>{_e(title)}</h2>{body}{notes}</section>'


def _straggler_table(phases: List[PhaseByRank], k: float) -> str:
    if not phases:
        return '<section id="stragglers"><h2>Per rank</h2><p>No stopped spans.</p></section>'
    ranks = sorted({rank for phase in phases for rank in phase.totals})
    wide = len(ranks) <= MAX_RANK_COLUMNS
    head = ["phase", *([str(r) for r in ranks] if wide else []), "min", "median", "max", "lagging ranks"]
    rows = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for phase in phases:
        cells = [f'<td class="text">{_e(phase.name)}</td>']
        if wide:
            for rank in ranks:
                value = phase.totals.get(rank)
                css = ' class="lagging"' if rank in phase.lagging else ""
                cells.append(f"<td{css}>{_e(format_duration(value)) if value is not None else '-'}</td>")
        for value in (phase.min_seconds, phase.median_seconds, phase.max_seconds):
            cells.append(f"<td>{_e(format_duration(value))}</td>")
        lagging = ", ".join(f"{rank} ({format_duration(phase.totals[rank])})" for rank in phase.lagging)
        css = "text lagging" if phase.lagging else "text"
        cells.append(f'<td class="{css}">{_e(lagging or "-")}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    names = sorted({str(rank) for phase in phases for rank in phase.lagging})
    verdict = f"Lagging ranks: {', '.join(names)}" if names else "Lagging ranks: none"
    rule = (
        f"Duration of a phase on a rank = total time of its stopped spans of that name. A rank lags when its "
        f"duration is above median + {k:g} &times; max(1.4826 &times; MAD, 5% of the median) over the ranks "
        f"(MAD: median absolute deviation; {MIN_RANKS} or more ranks needed)."
    )
    return (
        f'<section id="stragglers"><h2>Per rank: phase durations and stragglers</h2>'
        f'<p id="lagging-verdict"><strong>{_e(verdict)}</strong></p>'
        f'<table id="straggler-table">{"".join(rows)}</table><p class="note">{rule}</p></section>'
    )


def _error_rows(kind: str, entries: List[ErrorEntry], css: str, t0: float) -> List[Tuple[float, str]]:
    return [
        (
            entry.seconds,
            f'<tr class="{css}"><td class="text">{_e(iso_time(entry.seconds))}</td><td>{entry.seconds - t0:.3f} s</td>'
            f'<td class="text">{_e(entry.rank)}</td><td class="text">{_e(kind)}</td>'
            f'<td class="text">{_e(entry.where)}</td><td class="text">{_e(entry.message)}</td>'
            f'<td class="text">{_e(entry.source)}</td></tr>',
        )
        for entry in entries
    ]


def _errors(digest: RunDigest) -> str:
    t0 = digest.first_seconds or 0.0
    rows = _error_rows("application error", digest.errors, "application", t0)
    rows += _error_rows("telemetry data error", digest.telemetry_errors, "telemetry", t0)
    rows.sort(key=lambda row: row[0])
    counts = f"{digest.error_total} application error(s), {digest.telemetry_error_total} telemetry data error(s)" + (
        " &mdash; the telemetry of this run is incomplete" if digest.telemetry_error_total else ""
    )
    not_listed = digest.error_total - len(digest.errors) + digest.telemetry_error_total - len(digest.telemetry_errors)
    more = f'<p class="note">The earliest are listed; {not_listed} more are not.</p>' if not_listed else ""
    head = "".join(f"<th>{h}</th>" for h in ("time (UTC)", "since start", "rank", "kind", "where", "message", "record"))
    table = f'<table id="error-table"><tr>{head}</tr>{"".join(row for _, row in rows)}</table>' if rows else ""
    return f'<section id="errors"><h2>Errors in time order</h2><p>{counts}</p>{table}{more}</section>'


def _header(digest: RunDigest) -> str:
    facts = [
        f"{len(digest.paths)} file(s)",
        f"{digest.record_count:,} records",
        f"{len(digest.ranks)} rank(s)",
        f"{len(digest.writers)} process(es)",
    ]
    if digest.first_seconds is not None and digest.last_seconds is not None:
        facts.append(time_span(digest.first_seconds, digest.last_seconds))
    notes = []
    if digest.open_spans:
        notes.append(f"{len(digest.open_spans)} span(s) still open at the end of the data (not in the durations)")
    if digest.torn_lines or digest.foreign_lines:
        notes.append(f"{digest.torn_lines} torn record(s) and {digest.foreign_lines} foreign JSON object(s) skipped")
    if digest.problem_total:
        notes.append(f"{digest.problem_total} record(s) without their span in the data")
    if digest.unlisted_segments:
        notes.append(unlisted_segments_note(digest.unlisted_segments))
    files = ", ".join(digest.paths[:8]) + (f" and {len(digest.paths) - 8} more" if len(digest.paths) > 8 else "")
    return (
        f'<h1>OneLogger run report</h1><p class="summary">{_e(", ".join(facts))}</p>'
        f'<p class="note">Files: {_e(files)}</p>' + "".join(f'<p class="note">Note: {_e(n)}</p>' for n in notes)
    )


def render_report(digest: RunDigest, *, k: float = DEFAULT_K, title: Optional[str] = None) -> str:
    """Return the whole report as one HTML document (about 5 MB, most of it plotly's JavaScript)."""
    parts = [_header(digest)]
    parts.append(_chart("timeline", "Timeline", timeline(digest)))
    iteration = iteration_name(digest)
    if iteration is not None:
        parts.append(_chart("iterations", "Iteration time per rank", iteration_times(digest, iteration)))
    else:
        parts.append('<section id="iterations"><p class="note">No iteration spans in the data.</p></section>')
    parts.append(_straggler_table(phases_by_rank(digest.durations(), k), k))
    for index, (name, chart) in enumerate(numbers(digest)):
        parts.append(_chart(f"numbers-{index}", f"Event values: {name}", chart))
    parts.append(_errors(digest))
    page_title = title or "OneLogger run report"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(page_title)}</title><style>{_STYLE}</style>"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script></head>'
        f"<body>{''.join(parts)}</body></html>"
    )
