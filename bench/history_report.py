"""The tables of `python -m bench --history N`, and the EXPLAIN plans beside them.

`write()` replaces only the part of bench/RESULTS.md between its own markers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.history import uses_indexes
from bench.report import replace_section

BEGIN = "<!-- history:begin (written by python -m bench --history; edit outside) -->"
END = "<!-- history:end -->"
SAME_AS_EMPTY = 1.2  # ack p99 at 10 clients with N rows, against the empty store
HISTORY_GOAL_MS = 100.0
POSTGRES_RATE_SHARE = 0.9  # PostgreSQL's sustained acks/s against SQLite's
POSTGRES_PRESS_RATIO = 1.5  # PostgreSQL's press p99 at 50 clients against SQLite's


def _ms(cell: dict[str, Any] | None, load_key: str = "load") -> str:
    if not cell or cell.get("p50_ms") is None:
        return "—"
    shown = f"{cell['p50_ms']:.1f} / {cell['p99_ms']:.1f} ms"
    if cell.get("errors"):
        shown += f" ({cell['errors']} failed)"
    if load_key in cell:
        shown += f" (load {cell[load_key]:.1f})"
    return shown


def _met(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def _app_load(figures: dict[str, Any]) -> str:
    app = figures["app"]
    return f"(load {app['load_before']:.1f}→{app['load_after']:.1f})"


def engine_rows(engine: str, figures: dict[str, Any], rows: int) -> list[list[str]]:
    empty, filled = figures.get("empty") or figures["empty/after"], figures["filled"]
    out = []
    failed = [(name, f["app_failed"]) for name, f in (("empty", empty), ("filled", filled))
              if "app_failed" in f]  # fmt: skip
    for name, reason in failed:
        out.append([f"**The app phase on the {name} store failed**: {reason}"] + ["—"] * 5)
    if not failed:
        out += _app_rows(empty, filled)
    out += _read_rows(empty, filled, rows)
    return out


def _app_rows(empty: dict[str, Any], filled: dict[str, Any]) -> list[list[str]]:
    out = []
    for kind, what in (("dial", "/dial ack"), ("press", "Dial press ack")):
        for clients, e_cell in empty["app"]["ack"][kind].items():
            f_cell = filled["app"]["ack"][kind][clients]
            ratio = f_cell["p99_ms"] / e_cell["p99_ms"] if e_cell["p99_ms"] else None
            goal = clients == "10"
            out.append(
                [
                    f"{what} p50 / p99, {clients} clients",
                    f"p99 ≤ ×{SAME_AS_EMPTY} of empty" if goal else "—",
                    _ms(e_cell) + " " + _app_load(empty),
                    _ms(f_cell) + " " + _app_load(filled),
                    f"×{ratio:.2f}" if ratio else "—",
                    _met(ratio is not None and ratio <= SAME_AS_EMPTY) if goal else "—",
                ]
            )
    e_rate, f_rate = empty["app"]["sustained"], filled["app"]["sustained"]
    out.append(
        [
            f"Sustained /dial acks/s, {e_rate['clients']} clients",
            "—",
            f"{e_rate['acks_per_s']:,.0f}/s {_app_load(empty)}",
            f"{f_rate['acks_per_s']:,.0f}/s {_app_load(filled)}",
            f"×{f_rate['acks_per_s'] / e_rate['acks_per_s']:.2f}",
            "—",
        ]
    )
    return out


def _read_rows(empty: dict[str, Any], filled: dict[str, Any], rows: int) -> list[list[str]]:
    out = []
    reads = (
        ("rate_limit", "Rate-limit read (confirmations in the last minute), in process", None),
        (
            "history_user",
            "`dialbot history --user U --limit 20`: query + table, in process",
            HISTORY_GOAL_MS,
        ),
        ("home_linked", "App Home render, linked person (reads + Block Kit)", None),
        ("home_admin", "App Home render, admin (+ team dials, link count)", None),
    )
    for key, what, goal_ms in reads:
        e_cell, f_cell = empty["reads"][key], filled["reads"][key]
        out.append(
            [
                what,
                f"p99 < {goal_ms:.0f} ms" if goal_ms else "—",
                _ms(e_cell),
                _ms(f_cell),
                f"×{f_cell['p99_ms'] / e_cell['p99_ms']:.2f}" if e_cell["p99_ms"] else "—",
                _met(f_cell["p99_ms"] < goal_ms) if goal_ms else "—",
            ]
        )
    e_cli, f_cli = empty["cli_history"], filled["cli_history"]
    out.append(
        [
            "`dialbot history --user U --limit 20` as a process (Python start-up included), p50",
            "—",
            f"{e_cli['p50_ms']:,.0f} ms (load {e_cli['load']:.1f})",
            f"{f_cli['p50_ms']:,.0f} ms (load {f_cli['load']:.1f})",
            f"×{f_cli['p50_ms'] / e_cli['p50_ms']:.2f}",
            "—",
        ]
    )
    plans = filled.get("plans", {})
    every = all(uses_indexes(plan) for plan in plans.values())
    out.append(
        [
            f"Hot query plans use indexes ({len(plans)} queries, plans below)",
            "no full scan",
            "—",
            "every one" if every else "not all",
            "—",
            _met(every),
        ]
    )
    out.append(
        [f"Filling {rows:,} rows (bulk)", "—", "—", f"{filled.get('fill_seconds', 0):.0f} s"]
        + ["—", "—"]
    )
    return out


def cross_engine_rows(results: dict[str, Any]) -> list[list[str]]:
    by_engine = results["by_engine"]
    if "PostgreSQL" not in by_engine:
        return []
    out = []
    for store_key, shown in (("empty", "empty store"), ("filled", f"{results['rows']:,} rows")):
        sqlite = _figures(by_engine["SQLite"], store_key).get("app")
        postgres = _figures(by_engine["PostgreSQL"], store_key).get("app")
        if not sqlite or not postgres:
            out.append([f"{shown}: an app phase failed (above)"] + ["—"] * 5)
            continue
        s_rate, p_rate = sqlite["sustained"]["acks_per_s"], postgres["sustained"]["acks_per_s"]
        share = p_rate / s_rate if s_rate else 0
        out.append(
            [
                f"Sustained /dial acks/s, {shown}",
                f"PostgreSQL ≥ {POSTGRES_RATE_SHARE:.0%} of SQLite",
                f"{s_rate:,.0f}/s",
                f"{p_rate:,.0f}/s",
                f"{share:.0%}",
                _met(share >= POSTGRES_RATE_SHARE),
            ]
        )
        s_press = sqlite["ack"]["press"].get("50", {}).get("p99_ms")
        p_press = postgres["ack"]["press"].get("50", {}).get("p99_ms")
        if s_press and p_press:
            ratio = p_press / s_press
            out.append(
                [
                    f"Dial press ack p99, 50 clients, {shown}",
                    f"PostgreSQL ≤ ×{POSTGRES_PRESS_RATIO} of SQLite",
                    f"{s_press:.1f} ms",
                    f"{p_press:.1f} ms",
                    f"×{ratio:.2f}",
                    _met(ratio <= POSTGRES_PRESS_RATIO),
                ]
            )
    return out


def before_after_rows(results: dict[str, Any]) -> list[list[str]]:
    out = []
    for engine, figures in results["by_engine"].items():
        if "empty/before" not in figures:
            continue
        before, after = figures["empty/before"].get("app"), figures["empty/after"].get("app")
        if not before or not after:
            out.append([f"{engine}: an app phase failed", "—", "—", "—"])
            continue
        for kind, what in (("dial", "/dial ack"), ("press", "Dial press ack")):
            for clients in after["ack"][kind]:
                b, a = before["ack"][kind][clients], after["ack"][kind][clients]
                out.append(
                    [
                        f"{engine}: {what} p50 / p99, {clients} clients",
                        _ms(b) + f" (load {before['load_before']:.1f})",
                        _ms(a) + f" (load {after['load_before']:.1f})",
                        f"×{b['p99_ms'] / a['p99_ms']:.2f}" if a["p99_ms"] else "—",
                    ]
                )
        b_rate, a_rate = before["sustained"]["acks_per_s"], after["sustained"]["acks_per_s"]
        out.append(
            [
                f"{engine}: sustained /dial acks/s, {after['sustained']['clients']} clients",
                f"{b_rate:,.0f}/s",
                f"{a_rate:,.0f}/s",
                f"×{a_rate / b_rate:.2f}" if b_rate else "—",
            ]
        )
    return out


def _figures(engine_figures: dict[str, Any], key: str) -> dict[str, Any]:
    return engine_figures.get(key) or engine_figures[f"{key}/after"]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    m, rows = results["machine"], results["rows"]
    parts = [
        BEGIN,
        "",
        f"**Machine:** {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), Python {m['python']}; "
        f"{m['date']}.  ",
        f"**Command:** `{results['command']}` ({results['wall_seconds']:.0f} s wall).  ",
        f"**Load average** (1 min, `/proc/loadavg`) beside each figure: before→after the "
        f"app's phase for the HTTP rows. Ack rows: median of {results['sizes']['repeats']} "
        "runs; in-process reads: p50 / p99 of "
        f"{results['sizes']['reads']} calls.",
        "",
    ]
    for engine, figures in results["by_engine"].items():
        parts += [
            f"**{engine}**",
            "",
            _table(
                ["Figure", "Goal", "empty store", f"{rows:,} rows", "rows ÷ empty", "Goal met"],
                engine_rows(engine, figures, rows),
            ),
            "",
        ]
    cross = cross_engine_rows(results)
    if cross:
        parts += [
            "**PostgreSQL against SQLite, same run**",
            "",
            _table(["Figure", "Goal", "SQLite", "PostgreSQL", "ratio", "Goal met"], cross),
            "",
        ]
    before_after = before_after_rows(results)
    if before_after:
        parts += [
            f"**Before → after** (`{results.get('before_app')}` against this tree, empty "
            "stores, same run)",
            "",
            _table(["Figure", "before", "after", "before ÷ after"], before_after),
            "",
        ]
    for engine, figures in results["by_engine"].items():
        plans = figures["filled"].get("plans", {})
        if not plans:
            continue
        parts += [f"<details><summary>{engine} plans at {rows:,} rows</summary>", ""]
        for name, plan in plans.items():
            parts += [f"{name}:", "", "```", plan, "```", ""]
        parts += ["</details>", ""]
    parts.append(END)
    return "\n".join(parts)


def write(path: Path, results: dict[str, Any]) -> str:
    text = markdown(results)
    replace_section(path, BEGIN, END, text)
    return text
