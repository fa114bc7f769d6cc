"""Runs the checks at once, each within its timeout and all within the overall budget.

Every check runs on a daemon thread of its own, so one that hangs (a black-holed
host) is reported as such when its time is up and never holds the process at exit.
A check that needs others waits for them and is skipped unless they all passed; one
whose `applies` gives a reason it does not apply is skipped at once with that reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from bot import messages
from bot.doctor.report import CheckResult, Finding, Status, failed, skipped

CHECK_TIMEOUT_SECONDS = 5.0  # each check; its remote calls get this as their timeout
BUDGET_SECONDS = 13.0  # the whole run: under 15 s with start-up and printing


@dataclass(frozen=True)
class Check:
    key: str
    name: str
    run: Callable[[Any], Finding]  # given the doctor's context
    needs: tuple[str, ...] = ()
    # Given the context: None when the check applies, else why not (said as the skip).
    applies: Callable[[Any], str | None] | None = None


def run_checks(
    checks: Sequence[Check],
    context: Any,
    *,
    timeout: float = CHECK_TIMEOUT_SECONDS,
    budget: float = BUDGET_SECONDS,
) -> list[CheckResult]:
    """Every check's result, in the order given, within `budget` seconds."""
    deadline = time.monotonic() + budget
    futures: dict[str, Future[CheckResult]] = {check.key: Future() for check in checks}
    names = {check.key: check.name for check in checks}
    for check in checks:
        thread = threading.Thread(
            target=_run_one,
            args=(check, context, futures, names, timeout, deadline),
            name=f"doctor-{check.key}",
            daemon=True,
        )
        thread.start()
    results = []
    for check in checks:
        try:
            results.append(futures[check.key].result(timeout=max(0, deadline - time.monotonic())))
        except FutureTimeout:
            finding = failed(messages.doctor_budget_spent(budget), messages.DOCTOR_BUDGET_FIX)
            results.append(_result(check, finding, budget))
    return results


def _run_one(
    check: Check,
    context: Any,
    futures: dict[str, Future[CheckResult]],
    names: dict[str, str],
    timeout: float,
    deadline: float,
) -> None:
    reason = check.applies(context) if check.applies is not None else None
    if reason is not None:
        futures[check.key].set_result(_result(check, skipped(reason), 0.0))
        return
    for needed in check.needs:
        try:
            result = futures[needed].result(timeout=max(0, deadline - time.monotonic()))
        except FutureTimeout:
            return  # the run's budget is spent: the runner reports this check
        if result.status is not Status.PASSED:
            finding = skipped(messages.doctor_needs(names[needed]))
            futures[check.key].set_result(_result(check, finding, 0.0))
            return
    started = time.monotonic()
    finding = _within(check, context, timeout)
    futures[check.key].set_result(_result(check, finding, time.monotonic() - started))


def _within(check: Check, context: Any, timeout: float) -> Finding:
    """The check's finding, or a failure when it has not answered in `timeout` seconds."""
    answer: Future[Finding] = Future()

    def work() -> None:
        try:
            answer.set_result(check.run(context))
        except Exception as error:  # a check's own bug must not hide the others
            answer.set_result(failed(messages.doctor_check_crashed(type(error).__name__)))

    threading.Thread(target=work, name=f"doctor-{check.key}-call", daemon=True).start()
    try:
        return answer.result(timeout=timeout)
    except FutureTimeout:
        return failed(messages.doctor_no_answer(timeout), messages.DOCTOR_NO_ANSWER_FIX)


def _result(check: Check, finding: Finding, seconds: float) -> CheckResult:
    return CheckResult(check.key, check.name, finding.status, finding.detail, finding.fix, seconds)
