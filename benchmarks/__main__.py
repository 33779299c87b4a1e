"""``python -m benchmarks`` (from the repository root): see run.py."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the benchmark modules import each other by their plain names
    sys.path.insert(0, str(HERE))

from run import main  # noqa: E402

sys.exit(main())
