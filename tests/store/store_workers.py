"""Code run in child processes (multiprocessing "spawn") by test_store_processes."""

from __future__ import annotations

import threading
import traceback

from bot.store import DialState, Store


def claim_from_threads(url, request_id, threads, ready, go, results) -> None:
    """Open the store, then have `threads` threads try to confirm the same request at
    the moment `go` is set; put the list of their answers on `results`."""
    try:
        store = Store.open(url, upgrade=False)
        answers: list[bool] = []
        errors: list[str] = []
        warmed = threading.Barrier(threads + 1)

        def claim() -> None:
            try:
                store.get_request(request_id)  # opens this thread's pooled connection
                warmed.wait()
                go.wait()
                answers.append(store.transition(request_id, DialState.PENDING, DialState.DIALING))
            except Exception:
                errors.append(traceback.format_exc())

        workers = [threading.Thread(target=claim) for _ in range(threads)]
        for worker in workers:
            worker.start()
        warmed.wait()
        ready.put("ready")
        for worker in workers:
            worker.join()
        store.close()
        results.put(("errors", errors) if errors else ("answers", answers))
    except Exception:
        ready.put("failed")
        results.put(("errors", [traceback.format_exc()]))


def open_and_upgrade(url, ready, go, results) -> None:
    try:
        ready.put("ready")
        go.wait()
        store = Store.open(url)
        store.close()
        results.put(("ok", store.schema_upgrade))
    except Exception:
        results.put(("errors", [traceback.format_exc()]))
