"""`python -m bench`: measure dialbot against the tutorial-style app, in one run.

Both apps run as processes of their own against the same CXone sandbox and Slack
stand-in; the load generator is this process. See bench/RESULTS.md for what each
figure means and the last recorded run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench import home, report
from bench.apps import (
    OUR_APP,
    SIGNING_SECRET,
    TUTORIAL_APP,
    AppProcess,
    postgres_database,
    start_app,
    start_profiler,
    stop_profiler,
)
from bench.load import Connection, Sample, percentile, run_batches, run_for
from bench.stand_ins import ProcessStandIns, StandIns, ThreadStandIns
from bench.targets import OurApp, Target, TutorialApp

KINDS = ("dial", "press")


@dataclass(frozen=True)
class Sizes:
    repeats: int
    concurrency: tuple[int, ...]
    per_client: dict[int, int]  # requests each client sends, by concurrency
    tutorial_slow_per_client: dict[int, int]  # the same when each answer takes >= 3 s
    tutorial_slow_repeats: int
    slow_latency: float  # seconds CXone waits before answering a dial
    calls: int  # calls for CXone requests per placed call
    cold_burst: int  # first calls arriving at once on a cold start
    sustained_clients: int
    sustained_seconds: float
    overhead_presses: int
    modal_clients: int  # dial modal submissions at once
    home_dials: int  # dials in the table when the App Home is rendered
    home_renders: int


FULL = Sizes(
    repeats=3,
    concurrency=(1, 10, 50),
    per_client={1: 40, 10: 10, 50: 4},
    tutorial_slow_per_client={1: 2, 10: 1, 50: 1},
    # Each tutorial-style answer waits out CXone, so repeats add minutes and nothing
    # else: the figure is set by the sleep and the thread count.
    tutorial_slow_repeats=1,
    slow_latency=3.0,
    calls=1000,
    cold_burst=100,
    sustained_clients=16,
    sustained_seconds=5.0,
    overhead_presses=50,
    modal_clients=10,
    home_dials=10_000,
    home_renders=300,
)

# Every row at a size that takes seconds: for the smoke test, so the benchmark cannot rot.
QUICK = Sizes(
    repeats=1,
    concurrency=(1, 10, 50),
    per_client={1: 3, 10: 1, 50: 1},
    tutorial_slow_per_client={1: 1, 10: 1, 50: 1},
    tutorial_slow_repeats=1,
    slow_latency=0.2,
    calls=30,
    cold_burst=20,
    sustained_clients=2,
    sustained_seconds=0.5,
    overhead_presses=5,
    modal_clients=10,
    home_dials=200,
    home_renders=10,
)


def bench_users(count: int) -> list[tuple[str, str]]:
    return [(f"U0BENCH{i:03d}", f"agent-b{i:03d}") for i in range(count)]


@dataclass
class Cell:
    """One ack-latency measurement: p50/p99 per repetition (seconds)."""

    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    samples: int = 0
    errors: int = 0

    def add(self, samples: list[Sample]) -> None:
        good = [s.latency for s in samples if s.status == 200]
        self.samples += len(samples)
        self.errors += len(samples) - len(good)
        if good:
            self.p50.append(percentile(good, 0.50))
            self.p99.append(percentile(good, 0.99))

    def as_dict(self) -> dict[str, Any]:
        return {
            "p50_ms": _ms(statistics.median(self.p50)) if self.p50 else None,
            "p99_ms": _ms(statistics.median(self.p99)) if self.p99 else None,
            "p50_runs_ms": [_ms(v) for v in self.p50],
            "p99_runs_ms": [_ms(v) for v in self.p99],
            "samples": self.samples,
            "errors": self.errors,
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def wait_until(what: str, predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class Bench:
    def __init__(
        self,
        sizes: Sizes,
        stand_ins: StandIns,
        workdir: Path,
        log,
        *,
        profile_dir: Path | None = None,
        database_url: str | None = None,
        our_app: Path = OUR_APP,
    ) -> None:
        self.our_app = our_app
        self.sizes = sizes
        self.database_url = database_url
        self.profile_dir = profile_dir
        self.stand_ins = stand_ins
        self.workdir = workdir
        self.users = bench_users(max(max(sizes.concurrency), sizes.sustained_clients))
        self.user_ids = [user for user, _ in self.users]
        self.log = log
        self.results: dict[str, Any] = {"ack": {}, "per_call": {}, "overhead": {}}
        self.results["modal_ack"] = {}
        self.results["sustained"] = {}
        self.results["rss_kib"] = {}
        self.dials_sent = 0  # Dial presses sent since the sandbox's records were reset

    # ---- helpers -----------------------------------------------------------------

    def start(self, target_class: type[Target], script: Path) -> Target:
        app = start_app(
            target_class.name,
            script,
            self.stand_ins,
            self.workdir,
            self.users,
            database_url=self.database_url,
        )
        return target_class(app, self.stand_ins)

    @contextlib.contextmanager
    def profiled(self, target: Target, phase: str) -> Iterator[None]:
        """With --profile: py-spy samples the app process during this phase."""
        if self.profile_dir is None:
            yield
            return
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        output = self.profile_dir / f"{target.name}-{phase}.txt"
        profiler = start_profiler(target.app.pid, output)
        time.sleep(0.5)  # attached before the load starts
        try:
            yield
        finally:
            stop_profiler(profiler)
            self.results.setdefault("profiles", []).append(str(output))

    def reset_records(self) -> None:
        """Start counting afresh, once every dial pressed so far has reached CXone."""
        self.settle(self.dials_sent)
        self.stand_ins.reset()
        self.dials_sent = 0

    def settle(self, expected_dials: int, timeout: float = 120.0) -> None:
        """Wait until CXone has seen `expected_dials` dials since the last reset."""
        wait_until(
            f"{expected_dials} dials to reach the sandbox",
            lambda: self.stand_ins.counters().dial_requests >= expected_dials,
            timeout,
        )

    def _users(self, clients: int) -> list[str]:
        return [self.user_ids[i % len(self.user_ids)] for i in range(clients)]

    # ---- the phases --------------------------------------------------------------

    def cold_start_and_calls(self, target: Target) -> None:
        """100 first calls at once on a fresh process, then on to 1,000 calls."""
        sizes = self.sizes
        self.reset_records()
        burst = target.presses(self._users(sizes.cold_burst), 1)
        before = self.stand_ins.counters()
        # One connection per call, closed after its answer: needed when HttpServer kept
        # waitress's 99-connection limit, kept so the figure compares with those runs.
        run_batches(
            target.app.events_url,
            SIGNING_SECRET,
            [[p.body for p in b] for b in burst],
            keep_alive=False,
        )
        self.dials_sent += sizes.cold_burst
        self.settle(self.dials_sent)
        wait_until(
            "the burst's calls to be placed",
            lambda: self.stand_ins.counters().placed >= sizes.cold_burst,
            60,
        )
        after_burst = self.stand_ins.counters()
        self.results["cold_start"] = {
            "calls": sizes.cold_burst,
            "token_requests_before_first_call": before.token_requests,
            "token_requests": after_burst.token_requests,
            "placed": after_burst.placed,
        }
        self.log(f"  cold start: {after_burst.token_requests} token request(s)")
        clients = 10
        rest = sizes.calls - sizes.cold_burst
        users = self._users(clients)
        batches = target.presses(users, rest // clients)
        leftover = rest - clients * (rest // clients)
        if leftover:
            batches[0].extend(target.presses(users[:1], leftover)[0])
        run_batches(target.app.events_url, SIGNING_SECRET, [[p.body for p in b] for b in batches])
        self.dials_sent += rest
        self.record_per_call(target)

    def calls_inline(self, target: Target) -> None:
        """The tutorial-style app places a call on every /dial: a burst, then the rest."""
        sizes = self.sizes
        self.reset_records()
        burst = [[target.dial_body(user)] for user in self._users(sizes.cold_burst)]
        run_batches(target.app.events_url, SIGNING_SECRET, burst, keep_alive=False)
        counters = self.stand_ins.counters()
        self.results["cold_start_tutorial"] = {
            "calls": sizes.cold_burst,
            "token_requests": counters.token_requests,
            "placed": counters.placed,
        }
        clients = 10
        per_client, leftover = divmod(sizes.calls - sizes.cold_burst, clients)
        batches = [
            [target.dial_body(u) for _ in range(per_client + (1 if i < leftover else 0))]
            for i, u in enumerate(self._users(clients))
        ]
        run_batches(target.app.events_url, SIGNING_SECRET, batches)
        self.dials_sent += sizes.calls
        self.record_per_call(target)

    def record_per_call(self, target: Target) -> None:
        calls = self.sizes.calls
        self.settle(self.dials_sent)
        wait_until(
            f"{calls} calls to be placed",
            lambda: self.stand_ins.counters().placed >= calls,
            120,
        )
        counters = self.stand_ins.counters()
        self.results["per_call"][target.name] = {
            "calls": calls,
            "token_requests": counters.token_requests,
            "dial_requests": counters.dial_requests,
            "placed": counters.placed,
            "requests_per_call": round(counters.cxone_requests / counters.placed, 4),
        }
        self.log(
            f"  {target.name}: {counters.cxone_requests} CXone requests for {counters.placed} calls"
        )

    def ack_latency(
        self, target: Target, latency: float, label: str, repeats: int, per_client: dict[int, int]
    ) -> None:
        """p50/p99 of the ack for /dial and Dial presses at each concurrency."""
        self.stand_ins.set_latency(latency)
        cells = self.results["ack"].setdefault(target.name, {}).setdefault(label, {})
        for kind in KINDS:
            by_concurrency = cells.setdefault(kind, {})
            for clients in self.sizes.concurrency:
                cell = Cell()
                for _ in range(repeats):
                    cell.add(self.one_ack_run(target, kind, clients, per_client[clients]))
                by_concurrency[str(clients)] = cell.as_dict()
                shown = by_concurrency[str(clients)]
                self.log(
                    f"  {target.name} {kind:5} CXone {label:>4} {clients:2} clients: "
                    f"p50 {shown['p50_ms']} ms, p99 {shown['p99_ms']} ms"
                )

    def one_ack_run(self, target: Target, kind: str, clients: int, count: int) -> list[Sample]:
        users = self._users(clients)
        if kind == "dial":
            batches = [[target.dial_body(user) for _ in range(count)] for user in users]
        else:
            batches = [[p.body for p in row] for row in target.presses(users, count)]
            self.dials_sent += clients * count
        runs = run_batches(target.app.events_url, SIGNING_SECRET, batches)
        return [sample for samples in runs for sample in samples]

    def modal_ack(self, target: OurApp, latency: float, label: str) -> None:
        """p50/p99 of the ack of a dial modal submission (the checks, the claim and the
        "Dialing…" view; the call follows on the dial pool) at `modal_clients` at once."""
        self.stand_ins.set_latency(latency)
        clients = self.sizes.modal_clients
        per_client = self.sizes.per_client.get(clients, 10)
        cell = Cell()
        for _ in range(self.sizes.repeats):
            batches = target.modal_submissions(self._users(clients), per_client)
            runs = run_batches(target.app.events_url, SIGNING_SECRET, batches)
            # An answer other than "Dialing…" (a refusal) counts as a failure, like a 500.
            cell.add(
                [s if _updated_to_dialing(s) else replace(s, status=0) for r in runs for s in r]
            )
            self.dials_sent += clients * per_client
        self.results["modal_ack"].setdefault(label, {})[str(clients)] = shown = cell.as_dict()
        self.log(
            f"  {target.name} modal submit CXone {label:>4} {clients:2} clients: "
            f"p50 {shown['p50_ms']} ms, p99 {shown['p99_ms']} ms"
        )

    def home_render(self) -> None:
        """The App Home's render in this process, with `home_dials` dials in the table."""
        figures = home.measure(self.sizes.home_dials, self.sizes.home_renders)
        self.results["home"] = figures
        for persona in ("linked", "admin", "supervisor"):
            self.log(
                f"  App Home render, {persona}: p50 {figures[persona]['p50_ms']} ms, "
                f"p99 {figures[persona]['p99_ms']} ms"
            )

    def press_to_post(self, target: Target) -> None:
        """Time from sending a Dial press to CXone receiving the POST, one press at a time."""
        self.stand_ins.set_latency(0.0)
        self.reset_records()
        presses = target.presses(self.user_ids[:1], self.sizes.overhead_presses)[0]
        sent: dict[str, float] = {}
        connection = Connection(target.app.events_url, SIGNING_SECRET)
        for press in presses:
            sample = connection.post(press.body)
            sent[press.request_id] = sample.sent
            self.dials_sent += 1
            self.settle(self.dials_sent, timeout=30)
        connection.close()
        seen = {d.request_id: d.received for d in self.stand_ins.dials()}
        gaps = [seen[rid] - at for rid, at in sent.items() if rid in seen]
        self.results["overhead"][target.name] = {
            "presses": len(presses),
            "matched": len(gaps),
            "p50_ms": _ms(percentile(gaps, 0.50)),
            "p99_ms": _ms(percentile(gaps, 0.99)),
        }
        self.log(
            f"  {target.name} press -> CXone POST: p50 "
            f"{self.results['overhead'][target.name]['p50_ms']} ms"
        )

    def sustained(self, target: Target) -> None:
        """Closed-loop /dial acks per second."""
        self.stand_ins.set_latency(0.0)
        sizes = self.sizes
        rates, errors, counted = [], 0, 0
        users = self._users(sizes.sustained_clients)
        for _ in range(sizes.repeats):
            samples, elapsed = run_for(
                target.app.events_url,
                SIGNING_SECRET,
                sizes.sustained_clients,
                sizes.sustained_seconds,
                lambda client, _n: target.dial_body(users[client]),
            )
            ok = sum(1 for s in samples if s.status == 200)
            errors += len(samples) - ok
            counted += len(samples)
            rates.append(ok / elapsed)
        self.results["sustained"][target.name] = {
            "clients": sizes.sustained_clients,
            "seconds": sizes.sustained_seconds,
            "acks_per_s": round(statistics.median(rates), 1),
            "runs": [round(r, 1) for r in rates],
            "samples": counted,
            "errors": errors,
        }
        self.log(f"  {target.name} sustained /dial: {statistics.median(rates):.0f} acks/s")

    def peak_rss(self, name: str, app: AppProcess) -> None:
        self.results["rss_kib"][name] = app.peak_rss_kib()

    # ---- the whole run -----------------------------------------------------------

    def run_views(self) -> dict[str, Any]:
        """The dial modal's submit ack and the App Home's render (`--only views`), with
        /dial and the Dial press at the same concurrency beside them, in the same run."""
        sizes = self.sizes
        slow = f"{sizes.slow_latency:g} s"
        self.results["latency_labels"] = ["0 s", slow]
        self.log("dialbot (python app.py): the dial modal, and /dial and the press beside it")
        ours = self.start(OurApp, self.our_app)
        beside = replace(sizes, concurrency=(sizes.modal_clients,))
        try:
            for latency, label in ((0.0, "0 s"), (sizes.slow_latency, slow)):
                self.sizes = beside
                self.ack_latency(ours, latency, label, sizes.repeats, sizes.per_client)
                self.sizes = sizes
                self.modal_ack(ours, latency, label)
            self.stand_ins.set_latency(0.0)
        finally:
            ours.app.stop()
        self.log("the App Home, in process (bench/home.py):")
        self.home_render()
        return self.results

    def run(self) -> dict[str, Any]:
        sizes = self.sizes
        slow = f"{sizes.slow_latency:g} s"
        self.results["latency_labels"] = ["0 s", slow]

        self.log("dialbot (python app.py):")
        ours = self.start(OurApp, self.our_app)
        try:
            self.cold_start_and_calls(ours)
            with self.profiled(ours, "acks-cxone-0s"):
                self.ack_latency(ours, 0.0, "0 s", sizes.repeats, sizes.per_client)
            self.modal_ack(ours, 0.0, "0 s")
            self.press_to_post(ours)
            with self.profiled(ours, "sustained"):
                self.sustained(ours)
            with self.profiled(ours, f"acks-cxone-{slow.replace(' ', '')}"):
                self.ack_latency(ours, sizes.slow_latency, slow, sizes.repeats, sizes.per_client)
            self.modal_ack(ours, sizes.slow_latency, slow)
            # Calls still queued behind the slow CXone now go through at once.
            self.stand_ins.set_latency(0.0)
            self.peak_rss("dialbot app", ours.app)
        finally:
            ours.app.stop()

        self.log("the App Home, in process (bench/home.py):")
        self.home_render()

        self.log("tutorial-style (bench/tutorial_style.py):")
        tutorial = self.start(TutorialApp, TUTORIAL_APP)
        try:
            self.calls_inline(tutorial)
            self.ack_latency(tutorial, 0.0, "0 s", sizes.repeats, sizes.per_client)
            self.press_to_post(tutorial)
            self.sustained(tutorial)
            self.ack_latency(
                tutorial,
                sizes.slow_latency,
                slow,
                sizes.tutorial_slow_repeats,
                sizes.tutorial_slow_per_client,
            )
            self.stand_ins.set_latency(0.0)
            self.peak_rss("tutorial-style app", tutorial.app)
        finally:
            tutorial.app.stop()

        stand_ins_rss = self.stand_ins.peak_rss_kib()
        if stand_ins_rss is not None:
            self.results["rss_kib"]["stand-ins (CXone + Slack)"] = stand_ins_rss
        self.results["rss_kib"]["load generator"] = resource.getrusage(
            resource.RUSAGE_SELF
        ).ru_maxrss
        return self.results


def _updated_to_dialing(sample: Sample) -> bool:
    """The ack Slack needs: the modal updated to its "Dialing…" view."""
    try:
        answer = json.loads(sample.body)
    except ValueError:
        return False
    return answer.get("response_action") == "update" and "Dialing" in json.dumps(answer)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark dialbot against the tutorial-style app on local stand-ins.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="every figure at a tiny size (seconds; for tests)"
    )
    parser.add_argument(
        "--stand-ins",
        choices=("process", "thread"),
        default="process",
        help="run the CXone and Slack stand-ins in a process of their own (default) "
        "or in threads of this one",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="Markdown file to write the table into (default bench/RESULTS.md for a full "
        "run; a --quick run writes none unless asked)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument(
        "--app",
        type=Path,
        default=OUR_APP,
        help="the dialbot app.py to measure (default: this checkout's); a copy with a "
        "change in it gives a before/after comparison on the same machine",
    )
    parser.add_argument(
        "--postgres",
        metavar="USER@HOST:PORT",
        help="run dialbot on a fresh PostgreSQL database on this server (created and "
        "dropped by the run) instead of SQLite in a temporary directory",
    )
    parser.add_argument(
        "--only",
        choices=("views",),
        help="views: only the dial modal's submit ack and the App Home's render (about a "
        "minute; prints their rows, writes RESULTS.md only with --results)",
    )
    parser.add_argument(
        "--history",
        type=int,
        metavar="N",
        help="instead of the comparison: dialbot on SQLite and PostgreSQL with an empty "
        "store beside one of N finished requests (bench/history.py); --app is then the "
        "before-tree measured beside this one, --postgres the server",
    )
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="with --history: run the four stores' apps at once and take turns between "
        "them, round after round, so load drift cannot favour one (bench/history_interleaved.py)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample dialbot's process with py-spy during the ack and sustained phases "
        "and write collapsed stacks to DIR (pip install py-spy; the figures are then "
        "slowed by the sampling)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    command = " ".join([".venv/bin/python -m bench", *argv]).strip()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if args.history is not None:
        return history_main(args, command, log)
    started = time.perf_counter()
    users = bench_users(max(max(sizes.concurrency), sizes.sustained_clients))
    stand_ins: StandIns = (ProcessStandIns if args.stand_ins == "process" else ThreadStandIns)(
        users
    )
    try:
        with contextlib.ExitStack() as stack:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="dialbot-bench-"))
            database_url = None
            if args.postgres:
                database_url = stack.enter_context(postgres_database(args.postgres))
            bench = Bench(
                sizes,
                stand_ins,
                Path(workdir),
                log,
                profile_dir=args.profile,
                database_url=database_url,
                our_app=args.app,
            )
            results = bench.run_views() if args.only == "views" else bench.run()
    finally:
        stand_ins.close()
    results["sizes"] = asdict(sizes)
    results["machine"] = report.machine()
    results["command"] = command
    results["stand_ins"] = args.stand_ins
    results["database"] = "PostgreSQL" if args.postgres else "SQLite"
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    results["rows"] = report.rows(results)

    if args.only == "views":
        results["rows"] = report.view_rows(results)
    table = report.table(results)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    target = args.results or (None if args.quick or args.only else report.RESULTS_PATH)
    if target is not None:
        report.write_results(target, results, table)
        log(f"wrote {target}")
    return 0


def history_main(args: argparse.Namespace, command: str, log) -> int:
    """`--history N`: the store at scale (bench/history.py), tables in RESULTS.md."""
    from bench import history, history_report

    if args.interleave:
        return interleaved_main(args, command, log)
    started = time.perf_counter()
    before = args.app if args.app != OUR_APP else None
    results = history.run(
        args.history,
        quick=args.quick,
        server=args.postgres,
        before_app=before,
        app=OUR_APP,
        log=log,
    )
    results["machine"] = report.machine()
    results["command"] = command
    results["before_app"] = str(before) if before else None
    results["sizes"] = asdict(history.QUICK if args.quick else history.FULL)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:  # first: the figures survive a failure to render them
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    text = history_report.markdown(results)
    print(text)
    target = args.results or (None if args.quick else report.RESULTS_PATH)
    if target is not None:
        history_report.write(target, results)
        log(f"wrote {target}")
    return 0


def interleaved_main(args: argparse.Namespace, command: str, log) -> int:
    from bench import history_interleaved

    results = history_interleaved.run(
        args.history, quick=args.quick, server=args.postgres, app=OUR_APP, log=log
    )
    results["command"] = command
    results["machine"] = report.machine()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    text = history_interleaved.markdown(results, command)
    print(text)
    target = args.results or (None if args.quick else report.RESULTS_PATH)
    if target is not None:
        begin, end = text.splitlines()[0], text.splitlines()[-1]
        report.replace_section(target, begin, end, text)
        log(f"wrote {target}")
    return 0
