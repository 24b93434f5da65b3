"""``python -m benchmarks`` (what ``make bench`` runs): the whole suite, see ``benchmarks.harness.run``."""

import sys

from benchmarks.harness.run import main

sys.exit(main())
