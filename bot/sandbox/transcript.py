"""The demo's transcript: sections, messages framed as Slack shows them, raw lines."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable

WIDTH = 92


class Transcript:
    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout

    def say(self, text: str = "", indent: int = 0) -> None:
        pad = " " * indent
        if not text:
            print(file=self.out, flush=True)
            return
        for line in textwrap.wrap(
            text, WIDTH - indent, subsequent_indent="  ", break_on_hyphens=False
        ) or [""]:
            print(pad + line, file=self.out, flush=True)

    def section(self, title: str) -> None:
        self.say()
        self.say(f"── {title} " + "─" * max(3, WIDTH - len(title) - 4))

    def box(self, lines: Iterable[str], indent: int = 3) -> None:
        """A message as it appears in Slack, framed on the left."""
        for line in lines:
            wrapped = (
                textwrap.wrap(line, WIDTH - indent - 2, break_on_hyphens=False)
                if line.strip()
                else [""]
            )
            for part in wrapped:
                print(" " * indent + "│ " + part, file=self.out, flush=True)

    def raw(self, lines: Iterable[str], indent: int = 5) -> None:
        for line in lines:
            print(" " * indent + line, file=self.out, flush=True)
