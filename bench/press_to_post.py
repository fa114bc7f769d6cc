"""Dial press → CXone POST for two checkouts' `python app.py`, alternating, on one set of
stand-ins: `python -m bench.press_to_post --before /path/to/other/app.py [--rounds 2]`.

Issue 11 posts the channel message as CXone is asked (so the channel reads "is calling"
while it is true); this measures whether that post costs the dial any time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.run import FULL, OUR_APP, Bench, OurApp, ProcessStandIns, bench_users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.press_to_post")
    parser.add_argument("--before", type=Path, required=True, help="the other app.py")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--presses", type=int, default=60)
    args = parser.parse_args(argv)
    sizes = replace(FULL, overhead_presses=args.presses)
    stand_ins = ProcessStandIns(bench_users(max(max(sizes.concurrency), sizes.sustained_clients)))
    figures: dict[str, list[dict]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="dialbot-press-") as work:
            for round_ in range(args.rounds):
                for name, script in (("before", args.before), ("this checkout", OUR_APP)):
                    workdir = Path(work) / f"{round_}-{len(figures.get(name, []))}-{name[:4]}"
                    workdir.mkdir()
                    bench = Bench(sizes, stand_ins, workdir, _log, our_app=script)
                    target = bench.start(OurApp, script)
                    try:
                        bench.press_to_post(target)
                    finally:
                        target.app.stop()
                    figures.setdefault(name, []).append(bench.results["overhead"][target.name])
    finally:
        stand_ins.close()
    for name, rows in figures.items():
        cells = ", ".join(f"{row['p50_ms']} / {row['p99_ms']} ms" for row in rows)
        print(f"{name}: p50 / p99 per round: {cells}")
    return 0


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
