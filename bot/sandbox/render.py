"""Block Kit and Slack mrkdwn as plain text, the way a person reads them in Slack:
what the demo prints for every card, post and view (a modal with its fields and
buttons, the App Home), and the README's pictures of them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.sandbox.transcript import WIDTH

EMOJI = {
    "white_check_mark": "✔",
    "x": "✖",
    "warning": "⚠",
    "no_entry": "⛔",
    "telephone_receiver": "☎",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "large_green_circle": "●",
    "grey_question": "?",
    "heavy_minus_sign": "–",
    "bell": "🔔",
    "eyes": "👀",
}
_DATE = re.compile(r"<!date\^[^>|]*\|([^>]*)>")  # Slack shows the reader's time; we show UTC
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?://|mailto:)[^>|]*)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def mrkdwn_to_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as a person reads it: mentions by name, no markup characters."""
    names = names or {}

    def mention(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "!":
            return "@" + (label or target)
        prefix = "@" if sigil == "@" else "#"
        return prefix + (names.get(target) or label or target)

    def link(match: re.Match[str]) -> str:
        url, label = match.groups()
        return f"{label} ({url})" if label else url

    text = _DATE.sub(r"\1", text)
    text = _MENTION.sub(mention, text)
    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = text.replace("`", "")
    return html.unescape(text)


def _text_of(obj: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    if not obj:
        return ""
    text = str(obj.get("text") or "")
    return mrkdwn_to_text(text, names) if obj.get("type") == "mrkdwn" else html.unescape(text)


def _field(obj: Mapping[str, Any], names: Mapping[str, str]) -> str:
    label, _, value = _text_of(obj, names).partition("\n")
    return f"{label}: {value.replace(chr(10), ' ')}" if value else label


def render_blocks(
    blocks: Iterable[Mapping[str, Any]],
    names: Mapping[str, str],
    values: Mapping[str, str] | None = None,
) -> list[str]:
    """Block Kit blocks as plain lines: headers, sections, fields, context, buttons, and
    a modal's inputs (with `values`, by block_id, as the person filled them in)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "input":
            lines += _input(block, names, (values or {}).get(block.get("block_id", "")))
            continue
        if kind == "header":
            title = _text_of(block.get("text"), names)
            lines += [title, "═" * min(len(title), WIDTH)]
        elif kind == "section":
            if block.get("text"):
                lines += _text_of(block["text"], names).split("\n")
            lines += [_field(f, names) for f in block.get("fields") or []]
        elif kind == "context":
            parts = [_text_of(e, names) for e in block.get("elements") or [] if e.get("text")]
            lines.append("(" + " ".join(parts) + ")")
        elif kind == "actions":
            buttons = [
                f"[ {_text_of(e.get('text'), names)} ]"
                for e in block.get("elements") or []
                if e.get("type") == "button"
            ]
            lines.append("  ".join(buttons))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "rich_text":
            lines.append("(rich text)")
    return lines


def _input(block: Mapping[str, Any], names: Mapping[str, str], value: str | None) -> list[str]:
    element = block.get("element") or {}
    label = _text_of(block.get("label"), names)
    optional = " (optional)" if block.get("optional") else ""
    conversation = element.get("initial_conversation")
    if value is None and conversation:
        value = f"<#{conversation}>"
    if value is None and element.get("initial_value"):
        value = element["initial_value"]
    if value is None:  # empty: the placeholder shows, greyed out (here in ⟨ ⟩)
        placeholder = _text_of(element.get("placeholder"), names)
        shown = f"⟨{placeholder}⟩" if placeholder else " " * 20
    else:
        shown = mrkdwn_to_text(value, names)
    if element.get("type", "").endswith("_select"):
        shown += " ▾"
    lines = [f"{label}{optional}: [ {shown} ]"]
    hint = _text_of(block.get("hint"), names)
    return lines + ([f"   ({hint})"] if hint else [])


def render_view(
    view: Mapping[str, Any], names: Mapping[str, str], values: Mapping[str, str] | None = None
) -> list[str]:
    """A modal or an App Home as a person sees it: the title, the blocks, the buttons."""
    lines: list[str] = []
    title = _text_of(view.get("title"), names)
    if title:
        lines += [f"┤ {title} ├", ""]
    lines += render_blocks(view.get("blocks") or [], names, values)
    buttons = [
        f"[ {_text_of(view.get(name), names)} ]" for name in ("close", "submit") if view.get(name)
    ]
    if buttons:
        lines += ["", "  ".join(buttons)]
    return lines


def render_message(message: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """A message (text + blocks) as Slack would show it: the blocks, else the text."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, names)
    return mrkdwn_to_text(str(message.get("text") or ""), names).split("\n")
