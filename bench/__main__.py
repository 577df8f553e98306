"""`python -m bench` (or `make bench`): run every benchmark at full size and print its figures.

One benchmark alone: ``python -m bench.bench_ingest --help`` (each names its options).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from bench._common import machine

print(f"machine: {machine()}")
for script in sorted(Path(__file__).parent.glob("bench_*.py")):
    print(f"== {script.stem}", flush=True)
    sys.argv = [script.name]
    runpy.run_module(f"bench.{script.stem}", run_name="__main__")
