"""The doctor's runner: checks at once, each within its timeout, all within the budget."""

from __future__ import annotations

import threading
import time

from bot.doctor.report import Status, as_text, failed, passed, redact
from bot.doctor.runner import Check, run_checks

FOREVER = threading.Event()  # never set: a check waiting on it hangs like a black hole


def hangs(context) -> None:
    FOREVER.wait()


def test_a_hanging_check_is_reported_after_its_timeout_and_the_others_still_run():
    checks = [
        Check("a", "First", lambda c: passed("fine")),
        Check("b", "Hangs", hangs),
        Check("c", "Needs the hang", lambda c: passed("never"), needs=("b",)),
        Check("d", "Needs the first", lambda c: passed("ran"), needs=("a",)),
    ]
    started = time.monotonic()
    results = run_checks(checks, None, timeout=0.3, budget=5)
    took = time.monotonic() - started

    assert took < 1.5  # all at once: the hang costs its timeout, once
    assert [r.status for r in results] == [
        Status.PASSED,
        Status.FAILED,
        Status.SKIPPED,
        Status.PASSED,
    ]
    assert results[1].detail == "no answer within 0.3 s"
    assert "Hangs" in results[2].detail


def test_the_budget_bounds_the_whole_run_even_along_a_chain():
    chain = [Check("a", "A", lambda c: (time.sleep(0.4), passed("a"))[1])]
    chain.append(Check("b", "B", lambda c: (time.sleep(0.4), passed("b"))[1], needs=("a",)))
    chain.append(Check("c", "C", lambda c: (time.sleep(0.4), passed("c"))[1], needs=("b",)))
    started = time.monotonic()
    results = run_checks(chain, None, timeout=1, budget=0.6)

    assert time.monotonic() - started < 1.0
    assert results[0].status is Status.PASSED
    assert results[2].status is Status.FAILED and "0.6 s were up" in results[2].detail


def test_a_check_that_does_not_apply_says_why_without_waiting_for_what_it_needs():
    ran = []
    checks = [
        Check("a", "Failing", lambda c: failed("no")),
        Check("b", "Off", lambda c: ran.append("b") or passed("ran"), ("a",), lambda c: "off here"),
        Check("c", "On", lambda c: ran.append("c") or passed("ran"), ("a",), lambda c: None),
    ]
    results = run_checks(checks, None, timeout=1, budget=2)

    assert [(r.status, r.detail) for r in results[1:]] == [
        (Status.SKIPPED, "off here"),
        (Status.SKIPPED, "not checked: needs “Failing” to pass first"),
    ]
    assert ran == []


def test_a_check_that_raises_fails_alone():
    def broken(context):
        raise KeyError("secret-looking-detail")

    (result,) = run_checks([Check("x", "Broken", broken)], None, timeout=1, budget=2)
    assert result.status is Status.FAILED
    assert "KeyError" in result.detail and "secret-looking-detail" not in result.detail


def test_text_output_has_one_line_per_check_with_the_fix_and_never_a_secret():
    checks = [
        Check("a", "Good", lambda c: passed("ok")),
        Check("b", "Bad", lambda c: failed("refused token xoxb-123456", "Set X.")),
    ]
    results = run_checks(checks, None, timeout=1, budget=2)
    text = redact(as_text(results, 0.2), ["xoxb-123456"])

    assert text.splitlines() == [
        "✔ Good: ok",
        "✘ Bad: refused token [redacted] → Set X.",
        "1 of 2 checks failed: Bad (0.2 s). No call was placed.",
    ]
