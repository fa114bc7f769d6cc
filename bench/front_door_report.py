"""The front-door benchmark's table: one column per server, one row per attack."""

from __future__ import annotations

from typing import Any

SLACK_DEADLINE_MS = 3000.0


def holds(step: dict[str, Any]) -> bool:
    """Every signed ack of the step came within Slack's 3 s."""
    signed = step["signed"]
    within = signed.get("n", 0) > 0 and signed["p99_ms"] < SLACK_DEADLINE_MS
    return within and not step["signed_failed"]


def saturated(previous: dict[str, Any], step: dict[str, Any]) -> bool:
    """Doubling the flood no longer raised the rate the app answered it at."""
    return step["forged_answered_per_s"] < 1.1 * previous["forged_answered_per_s"]


def _spread(cell: dict[str, Any], failed: int = 0) -> str:
    if not cell.get("n"):
        return "—"
    shown = f"{cell['p50_ms']:,.0f} / {cell['max_ms']:,.0f} ms"
    return shown + (f" ({failed} probes unanswered)" if failed else "")


def _held(entry: dict[str, Any], kind: str) -> str:
    during = entry["held"]["during"]
    return _spread(during[kind], during["failed"])


def _dropped(entry: dict[str, Any]) -> str:
    held = entry["held"]["held"]
    if not held["dropped"]:
        return f"none dropped ({held['opened']:,} opened)"
    return (
        f"after {held['median_life_s']} s median, {held['max_life_s']} s max "
        f"({held['opened']:,} opened, {held['dropped']:,} dropped)"
    )


def _after(entry: dict[str, Any]) -> str:
    after = entry["held"]["after"]
    if after["failed"]:
        return "**no**"
    return f"yes (/dial {after['dial']['max_ms']:.0f} ms)"


def _flood(step: dict[str, Any]) -> str:
    signed = step["signed"]
    if not signed.get("n"):
        return f"no signed ack ({step['signed_failed']} failed)"
    shown = f"{signed['p50_ms']:,.0f} / {signed['p99_ms']:,.0f} ms"
    shown += f" (forged answered {step['forged_answered_per_s']:,}/s"
    shown += f", {step['signed_failed']} signed failed)" if step["signed_failed"] else ")"
    return shown


def _limit(flood: dict[str, Any]) -> str:
    steps = flood["steps"]
    broke = [s for s in steps if not holds(s)]
    held = [s for s in steps if holds(s)]
    if broke:
        first = broke[0]
        best = max((s["target_per_s"] for s in held), default=0)
        why = f"signed p99 {first['signed']['p99_ms']:,.0f} ms" if first["signed"].get("n") else ""
        return f"held at {best:,}/s; at {first['target_per_s']:,}/s {why or 'no signed ack'}"
    top = max(steps, key=lambda s: s["forged_answered_per_s"])
    text = (
        f"every rate tried, up to {steps[-1]['target_per_s']:,}/s on at most "
        f"{top['connections']:,} connections: the app answered at most "
        f"{top['forged_answered_per_s']:,} forged/s (at {top['target_per_s']:,}/s), "
        f"signed p99 {top['signed']['p99_ms']:,.0f} ms there"
    )
    crowded = flood.get("crowded")
    if crowded:
        signed = crowded["signed"]
        text += (
            f"; at {crowded['target_per_s']:,}/s on {crowded['connections']:,} connections "
            f"signed p50 / p99 {signed.get('p50_ms', 0):,.0f} / {signed.get('p99_ms', 0):,.0f} ms"
            f" ({crowded['signed_failed']} failed)"
        )
    return text


def _bodies(cell: dict[str, Any]) -> str:
    statuses = ", ".join(sorted(set(cell["statuses"])))
    shown = (
        f"{cell['count']} × {cell['mb']} MB: {statuses} in {cell['seconds']:.2f} s, "
        f"peak RSS +{cell['rss_growth_mb']:,.1f} MB"
    )
    return shown if cell["served_after"] else shown + ", **not serving after**"


def table(results: dict[str, Any]) -> str:
    servers = results["servers"]
    names = list(servers)
    entries = list(servers.values())
    plan = results["plan"]
    first = next(iter(servers.values()))
    rate = first["flood"]["signed_rate_per_s"]
    ours = next((e for n, e in servers.items() if n.startswith("dialbot")), None)
    held = f"{plan['idle']:,} idle + {plan['slow']:,} slow-header connections held"
    rows: list[tuple[str, list[str]]] = [
        (
            f"{held}: signed /dial p50 / max (fresh connection; a probe waits at most "
            f"{plan['probe_timeout']:.0f} s)",
            [_held(e, "dial") for e in servers.values()],
        ),
        (f"{held}: GET /healthz p50 / max", [_held(e, "healthz") for e in servers.values()]),
        ("Held connections dropped by the server", [_dropped(e) for e in servers.values()]),
        ("Serves once they are gone", [_after(e) for e in servers.values()]),
    ]
    for i, multiple in enumerate(plan["flood_multiples"]):
        label = (
            f"Signed /dial ack p50 / p99, forged flood at {multiple}× the signed rate "
            f"({multiple * rate:,.0f}/s)"
        )
        rows.append((label, [_flood(e["flood"]["steps"][i]) for e in entries]))
    if ours is not None:
        rows.append(
            (
                "Forged flood rate one process holds with signed acks < 3 s",
                [_limit(e["flood"]) if e is ours else "—" for e in entries],
            )
        )
    rows.append(
        (
            "Unsigned bodies at once, Content-Length",
            [_bodies(e["bodies"]) for e in servers.values()],
        )
    )
    rows.append(
        (
            "Unsigned bodies at once, chunked",
            [_bodies(e["bodies_chunked"]) for e in servers.values()],
        )
    )
    machine = results["machine"]
    lines = [
        f"**Machine:** {machine['cores']} cores, Python {machine['python']}, "
        f"load average {results['load_average'][0]:.1f} at the start (the machine is shared).  ",
        f"**Date:** {machine['date']}.  ",
        f"**Command:** `{results['command']}` ({results['wall_seconds']:.0f} s wall).  ",
        f"**Signed rate:** {rate:,.0f} /dial acks/s, 16 clients closed loop, on the first server.",
        "",
        "| Attack | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---" for _ in names) + " |",
    ]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(lines) + "\n"
