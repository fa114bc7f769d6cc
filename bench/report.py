"""The benchmark's table: every figure beside its goal and the tutorial-style figure.

`write_results()` replaces only the part of bench/RESULTS.md between the markers, so
the hand-written method and profile notes around it survive a new run.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN = "<!-- bench:begin (written by python -m bench; edit outside these markers) -->"
END = "<!-- bench:end -->"

ACK_GOAL_MS = 100.0
PER_CALL_GOAL = 1.01
OVERHEAD_GOAL_MS = 20.0
ACKS_PER_S_GOAL = 200.0
RSS_GOAL_MB = 120.0
HOME_RENDER_GOAL_MS = 50.0


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _latency(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("p50_ms") is None:
        return "—"
    shown = f"{cell['p50_ms']:.1f} / {cell['p99_ms']:.1f} ms"
    if cell.get("errors"):
        shown += f" ({cell['errors']} failed)"
    return shown


def _ratio(tutorial: float | None, ours: float | None) -> str:
    if not tutorial or not ours:
        return "—"
    return f"×{tutorial / ours:,.1f}"


def _mb(kib: int | None) -> float | None:
    return None if kib is None else kib * 1024 / 1e6


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure: what, goal, dialbot, tutorial-style, ratio, whether the goal is met."""
    out: list[dict[str, Any]] = []
    ack = results["ack"]
    ours_ack, tutorial_ack = ack.get("dialbot", {}), ack.get("tutorial-style", {})
    for label in results["latency_labels"]:
        for kind, what in (("dial", "/dial ack"), ("press", "Dial press ack")):
            for clients, ours in ours_ack.get(label, {}).get(kind, {}).items():
                tutorial = tutorial_ack.get(label, {}).get(kind, {}).get(clients)
                p99 = ours.get("p99_ms")
                out.append(
                    {
                        "id": f"ack/{kind}/{label}/{clients}",
                        "figure": f"{what} p50 / p99, {clients} concurrent, "
                        f"CXone answers after {label}",
                        "goal": f"p99 < {ACK_GOAL_MS:.0f} ms",
                        "dialbot": _latency(ours),
                        "tutorial": _latency(tutorial),
                        "ratio": _ratio(tutorial and tutorial.get("p99_ms"), p99),
                        "met": p99 is not None and p99 < ACK_GOAL_MS and not ours.get("errors"),
                        "value": p99,
                    }
                )
    out += _modal_and_home_rows(results)
    per_call = results["per_call"]
    ours, tutorial = per_call.get("dialbot"), per_call.get("tutorial-style")

    def per_call_cell(figures: dict[str, Any] | None) -> str:
        if not figures:
            return "—"
        return (
            f"{figures['requests_per_call']:.3f} ({figures['token_requests']} token + "
            f"{figures['dial_requests']} dial for {figures['placed']} calls)"
        )

    out.append(
        {
            "id": "per_call",
            "figure": f"CXone requests per placed call, {ours['calls'] if ours else '?'} calls",
            "goal": f"≤ {PER_CALL_GOAL}",
            "dialbot": per_call_cell(ours),
            "tutorial": per_call_cell(tutorial),
            "ratio": _ratio(
                tutorial and tutorial["requests_per_call"], ours and ours["requests_per_call"]
            ),
            "met": bool(ours) and ours["requests_per_call"] <= PER_CALL_GOAL,
            "value": ours and ours["requests_per_call"],
        }
    )
    cold = results.get("cold_start", {})
    cold_tutorial = results.get("cold_start_tutorial", {})
    out.append(
        {
            "id": "cold_start",
            "figure": f"Token requests when {cold.get('calls', '?')} first calls arrive at "
            "once on a cold start",
            "goal": "1",
            "dialbot": f"{cold.get('token_requests')} ({cold.get('placed')} calls placed)",
            "tutorial": f"{cold_tutorial.get('token_requests')} "
            f"({cold_tutorial.get('placed')} calls placed)"
            if cold_tutorial
            else "—",
            "ratio": _ratio(cold_tutorial.get("token_requests"), cold.get("token_requests")),
            "met": cold.get("token_requests") == 1,
            "value": cold.get("token_requests"),
        }
    )
    overhead = results["overhead"]
    ours, tutorial = overhead.get("dialbot"), overhead.get("tutorial-style")
    out.append(
        {
            "id": "overhead",
            "figure": "Dial press → CXone POST p50 / p99, loopback, one press at a time",
            "goal": f"p50 < {OVERHEAD_GOAL_MS:.0f} ms",
            "dialbot": _latency(ours),
            "tutorial": _latency(tutorial),
            "ratio": _ratio(tutorial and tutorial["p50_ms"], ours and ours["p50_ms"]),
            "met": bool(ours) and ours["p50_ms"] < OVERHEAD_GOAL_MS,
            "value": ours and ours["p50_ms"],
        }
    )
    sustained = results["sustained"]
    ours, tutorial = sustained.get("dialbot"), sustained.get("tutorial-style")

    def rate(figures: dict[str, Any] | None) -> str:
        if not figures:
            return "—"
        shown = f"{figures['acks_per_s']:,.0f}/s"
        return shown + (f" ({figures['errors']} failed)" if figures["errors"] else "")

    out.append(
        {
            "id": "sustained",
            "figure": f"Sustained /dial acks per second, {ours['clients'] if ours else '?'} "
            f"clients closed-loop for {ours['seconds'] if ours else '?'} s, CXone at 0 s",
            "goal": f"≥ {ACKS_PER_S_GOAL:.0f}/s",
            "dialbot": rate(ours),
            "tutorial": rate(tutorial),
            "ratio": _ratio(ours and ours["acks_per_s"], tutorial and tutorial["acks_per_s"]),
            "met": bool(ours) and ours["acks_per_s"] >= ACKS_PER_S_GOAL and not ours["errors"],
            "value": ours and ours["acks_per_s"],
        }
    )
    rss = results["rss_kib"]
    ours_mb, tutorial_mb = _mb(rss.get("dialbot app")), _mb(rss.get("tutorial-style app"))
    out.append(
        {
            "id": "rss/app",
            "figure": "Peak RSS (VmHWM) of the app process at the end of the run",
            "goal": f"< {RSS_GOAL_MB:.0f} MB",
            "dialbot": f"{ours_mb:.1f} MB" if ours_mb else "—",
            "tutorial": f"{tutorial_mb:.1f} MB" if tutorial_mb else "—",
            "ratio": _ratio(tutorial_mb, ours_mb),
            "met": ours_mb is not None and ours_mb < RSS_GOAL_MB,
            "value": ours_mb,
        }
    )
    for name, kib in rss.items():
        if name in ("dialbot app", "tutorial-style app"):
            continue
        out.append(
            {
                "id": f"rss/{name}",
                "figure": f"Peak RSS of the {name} process (shared by both apps' runs)",
                "goal": "—",
                "dialbot": f"{_mb(kib):.1f} MB" if kib else "—",
                "tutorial": "",
                "ratio": "",
                "met": None,
                "value": _mb(kib),
            }
        )
    return out


def view_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a `--only views` run: the /dial and press acks it measured beside the
    modal's, then the modal's and the home's."""
    ack_rows = [row for row in rows(results) if row["id"].startswith("ack/")]
    return ack_rows + _modal_and_home_rows(results)


def _modal_and_home_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The dial modal's submission ack (over HTTP) and the App Home's render (in process):
    dialbot only, the tutorial-style app has neither."""
    out = []
    for label in results["latency_labels"]:
        for clients, cell in results.get("modal_ack", {}).get(label, {}).items():
            p99 = cell.get("p99_ms")
            out.append(
                {
                    "id": f"modal_ack/{label}/{clients}",
                    "figure": f"Dial modal submit ack p50 / p99, {clients} concurrent, "
                    f"CXone answers after {label}",
                    "goal": f"p99 < {ACK_GOAL_MS:.0f} ms",
                    "dialbot": _latency(cell),
                    "tutorial": "(no modal)",
                    "ratio": "—",
                    "met": p99 is not None and p99 < ACK_GOAL_MS and not cell.get("errors"),
                    "value": p99,
                }
            )
    figures = results.get("home")
    for persona in ("linked", "admin", "supervisor") if figures else ():
        cell = figures[persona]
        cpu = f" (CPU {cell['cpu_p50_ms']:.1f} / {cell['cpu_p99_ms']:.1f} ms)"
        out.append(
            {
                "id": f"home/{persona}",
                "figure": f"App Home render p50 / p99 ({persona} person), "
                f"{figures['dials']:,} dials in the table, in process",
                "goal": f"p99 < {HOME_RENDER_GOAL_MS:.0f} ms",
                "dialbot": _latency(cell) + cpu,
                "tutorial": "(no home)",
                "ratio": "—",
                "met": cell["p99_ms"] < HOME_RENDER_GOAL_MS,
                "value": cell["p99_ms"],
            }
        )
    return out


def _met(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def table(results: dict[str, Any]) -> str:
    lines = [
        "| Figure | Goal | dialbot | tutorial-style | tutorial ÷ dialbot | Goal met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {row['figure']} | {row['goal']} | {row['dialbot']} | {row['tutorial']} "
            f"| {row['ratio']} | {_met(row['met'])} |"
        )
    return "\n".join(lines)


def section(results: dict[str, Any], table_text: str) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    return "\n".join(
        [
            BEGIN,
            "",
            f"**Machine:** {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), "
            f"Python {m['python']}, {m['platform']}.  ",
            f"**Date:** {m['date']}.  ",
            f"**Command:** `{results['command']}` ({results['wall_seconds']:.0f} s wall; "
            f"{results.get('database', 'SQLite')}; stand-ins in "
            f"{'their own process' if results['stand_ins'] == 'process' else 'load-generator threads'}).  ",  # noqa: E501
            f"**Repetitions:** latency rows are the median of {sizes['repeats']} runs "
            f"({sizes['tutorial_slow_repeats']} for the tutorial-style app with a slow CXone); "
            f"the sustained rate is the median of {sizes['repeats']} runs of "
            f"{sizes['sustained_seconds']:g} s.",
            "",
            table_text,
            "",
            END,
        ]
    )


def write_results(path: Path, results: dict[str, Any], table_text: str) -> None:
    replace_section(path, BEGIN, END, section(results, table_text), "# Benchmark results\n\n")


def replace_section(path: Path, begin: str, end: str, text: str, heading: str = "") -> None:
    """Put `text` (which starts with `begin` and ends with `end`) in place of the part of
    `path` between those markers; append it (after `heading`, if the file is new) when
    the markers are not there yet. Everything outside the markers is kept."""
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    if begin in old and end in old:
        head, _, rest = old.partition(begin)
        _, _, tail = rest.partition(end)
        path.write_text(head + text + tail, encoding="utf-8")
    elif old:
        path.write_text(old.rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")
    else:
        path.write_text(heading + text + "\n", encoding="utf-8")
