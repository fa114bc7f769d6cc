"""What one check found, and the doctor's output: one line per check, or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from bot import messages


class Status(StrEnum):
    PASSED = "pass"
    FAILED = "fail"
    SKIPPED = "skip"  # not configured, or a check it needs did not pass


MARKS = {Status.PASSED: "✔", Status.FAILED: "✘", Status.SKIPPED: "–"}


@dataclass(frozen=True)
class Finding:
    """A check's answer: what it found, and for a failure what to do about it."""

    status: Status
    detail: str
    fix: str = ""


def passed(detail: str) -> Finding:
    return Finding(Status.PASSED, detail)


def failed(detail: str, fix: str = "") -> Finding:
    return Finding(Status.FAILED, detail, fix)


def skipped(detail: str) -> Finding:
    return Finding(Status.SKIPPED, detail)


@dataclass(frozen=True)
class CheckResult:
    key: str
    name: str
    status: Status
    detail: str
    fix: str
    seconds: float


def all_passed(results: Iterable[CheckResult]) -> bool:
    return all(result.status is not Status.FAILED for result in results)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret in it replaced by [redacted] (longest first)."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def as_text(results: list[CheckResult], seconds: float) -> str:
    lines = []
    for result in results:
        line = f"{MARKS[result.status]} {result.name}: {result.detail}"
        if result.fix:
            line += f" {messages.DOCTOR_FIX_PREFIX} {result.fix}"
        lines.append(line)
    failures = [r.name for r in results if r.status is Status.FAILED]
    lines.append(messages.doctor_summary(len(results), failures, seconds))
    return "\n".join(lines)


def _as_dict(result: CheckResult) -> dict[str, object]:
    return {**asdict(result), "status": str(result.status), "seconds": round(result.seconds, 3)}


def as_json(results: list[CheckResult], seconds: float) -> str:
    return json.dumps(
        {
            "ok": all_passed(results),
            "seconds": round(seconds, 3),
            "checks": [
                {
                    **asdict(result),
                    "status": str(result.status),
                    "seconds": round(result.seconds, 3),
                }
                for result in results
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
