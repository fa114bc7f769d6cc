"""Where the time goes: summarise py-spy's collapsed stacks (`--format raw`).

    python -m bench.hotspots PROFILE.txt [...]

Each sample is put in two buckets: the thread's role (what it was serving) and the
library it was in, found by walking from the innermost frame outwards to the first
frame of a known library (standard-library frames such as socket.py count for the
library that called them).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

# (role, a frame that marks it), first match from the outermost frame wins.
ROLES = (
    ("dial pool: place the call, report the outcome", "place_and_report"),
    ("start-up recovery", "_recover_stuck"),
    ("Bolt listener: the listener (ack and after-ack work)", "run_ack_function_asynchronously"),
    ("waitress worker: read, verify, dispatch, answer", "(waitress/"),
    ("waitress main loop: accept, poll sockets", "(waitress/"),
)

# (library, a fragment of the frame's file), first match from the innermost frame wins.
LIBRARIES = (
    ("database (SQLAlchemy + SQLite)", ("sqlalchemy/", "sqlite3/")),
    ("logging", ("logging/",)),
    ("phone numbers (phonenumbers)", ("phonenumbers/",)),
    ("Block Kit models (slack_sdk.models)", ("slack_sdk/models/",)),
    ("Slack calls (slack_sdk WebClient/WebhookClient, urllib)", ("slack_sdk/", "urllib/")),
    ("CXone calls (requests, urllib3)", ("requests/", "urllib3/")),
    ("Bolt dispatch and signature check", ("slack_bolt/",)),
    ("waitress HTTP server", ("waitress/",)),
    ("dialbot code", ("(bot/",)),
    ("json", ("json/",)),
)


def _role(frames: list[str]) -> str:
    for role, mark in ROLES:
        if any(mark in frame for frame in frames):
            if role.startswith("waitress main loop") or role.startswith("waitress worker"):
                worker = any("(waitress/task.py)" in f or "WSGITask" in f for f in frames)
                return ROLES[3][0] if worker else ROLES[4][0]
            return role
    return "other (idle pools, timers)"


def _library(frames: list[str]) -> str:
    for frame in reversed(frames):
        for library, fragments in LIBRARIES:
            if any(fragment in frame for fragment in fragments):
                return library
    return "other (threading, queues, the standard library)"


def read(paths: list[Path]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks.append((stack.split(";"), int(count)))
    return stacks


def summarise(paths: list[Path], top: int = 15) -> str:
    stacks = read(paths)
    total = sum(count for _, count in stacks) or 1
    roles, libraries, leaves = Counter(), Counter(), Counter()
    for frames, count in stacks:
        roles[_role(frames)] += count
        libraries[_library(frames)] += count
        leaves[frames[-1]] += count

    def block(title: str, counter: Counter, limit: int | None = None) -> list[str]:
        lines = [f"{title}:"]
        for name, count in counter.most_common(limit):
            lines.append(f"  {100 * count / total:5.1f}%  {name}")
        return lines

    lines = [f"{total} on-CPU samples from {', '.join(p.name for p in paths)}"]
    lines += block("By thread role", roles)
    lines += block("By library (innermost known frame)", libraries)
    lines += block(f"Top {top} innermost frames (self time)", leaves, top)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print("usage: python -m bench.hotspots PROFILE.txt [...]", file=sys.stderr)
        return 2
    print(summarise(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
