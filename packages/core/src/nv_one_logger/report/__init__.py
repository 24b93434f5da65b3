"""``one-logger report``: one self-contained HTML page about a run (needs ``nv-one-logger-core[report]``).

``render_report(digest_files(paths))`` returns the page: a timeline of phases per rank, iteration time per rank,
the per-rank table with the lagging ranks, charts of numeric event values (``loss``) and the errors in time
order. The charts are drawn by plotly, whose JavaScript is inlined, so the file opens without a network.
Importing this package imports plotly; the base install (pydantic and wrapt) does not need it.
"""

from nv_one_logger.report.page import render_report

__all__ = ["render_report"]
