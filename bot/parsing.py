"""Turn the text after `/dial` into a typed command, or a UsageError naming what was wrong.

Grammar (INTERFACE.md):
    /dial                                 (opens the dial modal)
    /dial <number> [as @agent] [contact <contactId>]
    /dial link @user [<cxoneAgentId>]    (admins; without an id, by the user's email)
    /dial unlink @user                    (admins)
    /dial whois [@user]
    /dial help

Slack sends user-typed `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`; real `<…>` sequences are
Slack's own markup (mentions, links, channels, broadcasts). Every field we return is
limited to a small character set, so none of them can carry live markup or control
characters; every sentence we write quotes user text through `quote_for_slack`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_COMMAND_LENGTH = 500
MAX_ID_LENGTH = 64

_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,31})(?:\|([^<>]*))?>")
_PLAIN_MENTION = re.compile(r"@([A-Za-z0-9._-]{1,80})")
_MENTION_LABEL = re.compile(r"[\w.' -]{1,80}")
_TEL_LINK = re.compile(r"<tel:([^|<>]*)(?:\|[^<>]*)?>", re.IGNORECASE)
_TOKEN = re.compile(r"<[^<>]*>|[^\s<]+|<")
_CONTACT_ID = re.compile(r"[A-Za-z0-9_.:;-]{1,64}")
_AGENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_WORD = re.compile(r"[^\W\d_]+")
_BROADCAST_NAMES = frozenset({"channel", "here", "everyone"})
# Besides digits and ASCII letters (vanity numbers, "x12", "tel:"), what a typed phone
# number may contain; phonenumbers understands all of these.
_NUMBER_PUNCTUATION = frozenset("+＋()（）[]［］.-‐‑‒–—―−－/／~～:;#*,=")
_EXTENSION_WORDS = frozenset({"x", "ext", "ext.", "extn", "extn.", "extension"})
_KEYWORDS = ("as", "contact")

_EXAMPLE = "`/dial +1 415 555 0123 as @alice contact C-77`"
_LINK_EXAMPLE = "`/dial link @alice 12345`"

USAGE = (
    "How to use /dial:\n"
    "• `/dial NUMBER [as @agent] [contact CONTACT_ID]` — place a call (you confirm it first)\n"
    "• `/dial link @user [AGENT_ID]` — link a Slack user to a CXone agent; without an id, "
    "to the one active agent with their email (admins)\n"
    "• `/dial unlink @user` — remove that link (admins)\n"
    "• `/dial whois [@user]` — show which CXone agent a person is linked to\n"
    "• `/dial help` — show this\n"
    f"Example: {_EXAMPLE}"
)


@dataclass(frozen=True)
class UserRef:
    user_id: str | None
    name: str | None


@dataclass(frozen=True)
class DialCommand:
    number: str
    agent: UserRef | None
    contact_id: str | None


@dataclass(frozen=True)
class LinkCommand:
    user: UserRef
    agent_id: str | None  # None: the agent whose email is the user's Slack email


@dataclass(frozen=True)
class UnlinkCommand:
    user: UserRef


@dataclass(frozen=True)
class WhoisCommand:
    user: UserRef | None


@dataclass(frozen=True)
class HelpCommand:
    pass


@dataclass(frozen=True)
class OpenModalCommand:
    """`/dial` with nothing after it: the dial modal."""


@dataclass(frozen=True)
class UsageError:
    problem: str


Command = DialCommand | LinkCommand | UnlinkCommand | WhoisCommand | HelpCommand | OpenModalCommand


def strip_control_chars(text: str) -> str:
    """Control and line/paragraph separators become spaces; invisible format chars go."""
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cf", "Cs", "Cn"):
            continue
        out.append(" ")  # Cc, Zl, Zp, and other separators
    return "".join(out)


def quote_for_slack(text: str, limit: int = 80) -> str:
    """User text made safe to show inside a Slack message.

    Control characters are stripped, whitespace collapsed, the result trimmed to
    `limit` characters (ending in "…"), and `&`, `<`, `>` escaped so nothing typed
    can become a mention, link or broadcast.
    """
    if limit < 1:
        return ""
    text = text if isinstance(text, str) else str(text)
    cut = len(text) > limit * 8
    text = " ".join(strip_control_chars(text[: limit * 8]).split())
    if cut or len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_command(text: str) -> Command | UsageError:
    """Parse the text of a `/dial` command. Never raises."""
    try:
        return _parse(text)
    except Exception:  # a parser bug must not become a 500 for Slack
        return UsageError("I couldn't read that command; check it against the usage below.")


def _parse(text: object) -> Command | UsageError:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_COMMAND_LENGTH:
        return UsageError(
            f"That command is too long ({len(text):,} characters); a /dial command fits in "
            f"{MAX_COMMAND_LENGTH}. Type just the number, and `as @agent` or `contact ID` "
            "if you need them."
        )
    if not text.strip():
        return OpenModalCommand()
    tokens = _TOKEN.findall(strip_control_chars(text))
    if not tokens:  # only control or invisible characters: say how to use it
        return HelpCommand()
    head = tokens[0].lower()
    if head == "help":
        return HelpCommand()
    if head == "link":
        return _parse_link(tokens[1:])
    if head == "unlink":
        return _parse_unlink(tokens[1:])
    if head == "whois":
        return _parse_whois(tokens[1:])
    if head in _KEYWORDS:
        return UsageError(
            f"The phone number is missing: write it right after /dial, like {_EXAMPLE}."
        )
    if _WORD.fullmatch(tokens[0]) and head not in _EXTENSION_WORDS:
        return UsageError(
            f"I don't know the command “{_show(tokens[0], 30)}”. Start with a phone number, "
            "or use one of: link, unlink, whois, help."
        )
    if head.startswith(("@", "<@")):
        return UsageError(f"Put the phone number first and the agent after `as`, like {_EXAMPLE}.")
    return _parse_dial(tokens)


def _parse_dial(tokens: list[str]) -> DialCommand | UsageError:
    index = 0
    number_parts: list[str] = []
    while index < len(tokens) and tokens[index].lower() not in _KEYWORDS:
        part = _number_part(tokens[index])
        if isinstance(part, UsageError):
            return part
        number_parts.append(part)
        index += 1
    number = " ".join(number_parts)
    if not any(unicodedata.category(ch) == "Nd" for ch in number):
        return UsageError(
            f"“{_show(number, 40)}” has no digits; type the phone number, like +1 415 555 0123."
        )

    agent: UserRef | None = None
    contact_id: str | None = None
    seen: set[str] = set()
    while index < len(tokens):
        keyword = tokens[index].lower()
        if keyword not in _KEYWORDS:
            return UsageError(
                f"I didn't understand “{_show(tokens[index], 40)}”. After the number only "
                "`as @agent` and `contact ID` may follow, like " + _EXAMPLE + "."
            )
        if keyword in seen:
            return UsageError(f"`{keyword}` appears twice; give it once.")
        seen.add(keyword)
        value = tokens[index + 1] if index + 1 < len(tokens) else None
        if keyword == "as":
            if value is None or value.lower() in _KEYWORDS:
                return UsageError("`as` needs the agent after it, like `as @alice`.")
            mention = _mention(value)
            if isinstance(mention, UsageError):
                return mention
            if mention is None:
                return UsageError(
                    f"After `as`, name the agent with @, like `as @alice` "
                    f"(“{_show(value, 40)}” isn't a mention)."
                )
            agent = mention
        else:
            if value is None or value.lower() in _KEYWORDS:
                return UsageError("`contact` needs a contact id after it, like `contact C-77`.")
            contact = parse_contact_id(value)
            if isinstance(contact, UsageError):
                return contact
            contact_id = contact
        index += 2
    return DialCommand(number=number, agent=agent, contact_id=contact_id)


def parse_contact_id(text: str) -> str | UsageError:
    """A CXone contact id as typed (after `contact`, or in the dial modal's field)."""
    if not _CONTACT_ID.fullmatch(text):
        return UsageError(
            f"“{_show(text, 40)}” isn't a contact id I can send: use up to "
            f"{MAX_ID_LENGTH} letters, digits and - _ . : ;"
        )
    return text


def _number_part(token: str) -> str | UsageError:
    """One token of the phone number, or the reason it can't be part of one."""
    markup = _markup_problem(token)
    if markup:
        tel = _TEL_LINK.fullmatch(token)
        if tel and all(_number_char(ch) for ch in tel.group(1)):
            return tel.group(1)
        return UsageError(markup)
    if token.startswith("@"):
        return UsageError("Put `as` before the agent, like " + _EXAMPLE + ".")
    if not all(_number_char(ch) for ch in token):
        return UsageError(
            f"“{_show(token, 40)}” has characters a phone number can't have; "
            "use digits, spaces and + ( ) . -"
        )
    if _has_letters(token) and not _has_digits(token) and token.lower() not in _EXTENSION_WORDS:
        return UsageError(
            f"I didn't understand “{_show(token, 40)}” in the number. Put only the number, "
            "then `as @agent` or `contact ID`, like " + _EXAMPLE + "."
        )
    return token


def _parse_link(args: list[str]) -> LinkCommand | UsageError:
    if not args:
        return UsageError(f"`link` needs a person and their CXone agent id, like {_LINK_EXAMPLE}.")
    user = _required_mention(args[0], f"Name the person with @, like {_LINK_EXAMPLE}")
    if isinstance(user, UsageError):
        return user
    if len(args) < 2:
        return LinkCommand(user=user, agent_id=None)
    agent_id = args[1]
    if not _AGENT_ID.fullmatch(agent_id):
        inner = agent_id.removeprefix("&lt;").removesuffix("&gt;")
        hint = " (type it without the angle brackets)" if _AGENT_ID.fullmatch(inner) else ""
        return UsageError(
            f"“{_show(agent_id, 40)}” isn't a CXone agent id{hint}: use 1–{MAX_ID_LENGTH} "
            "letters, digits and - _ ."
        )
    if len(args) > 2:
        return UsageError(
            f"`link` takes a person and one agent id; I didn't understand “{_show(args[2], 40)}”."
        )
    return LinkCommand(user=user, agent_id=agent_id)


def _parse_unlink(args: list[str]) -> UnlinkCommand | UsageError:
    if not args:
        return UsageError("`unlink` needs the person to unlink, like `/dial unlink @alice`.")
    user = _required_mention(args[0], "Name the person with @, like `/dial unlink @alice`")
    if isinstance(user, UsageError):
        return user
    if len(args) > 1:
        return UsageError(f"`unlink` takes one person; I didn't understand “{_show(args[1], 40)}”.")
    return UnlinkCommand(user=user)


def _parse_whois(args: list[str]) -> WhoisCommand | UsageError:
    if not args:
        return WhoisCommand(user=None)
    user = _required_mention(
        args[0], "Name the person with @, like `/dial whois @alice`, or leave it out for yourself"
    )
    if isinstance(user, UsageError):
        return user
    if len(args) > 1:
        return UsageError(
            f"`whois` takes at most one person; I didn't understand “{_show(args[1], 40)}”."
        )
    return WhoisCommand(user=user)


def _required_mention(token: str, advice: str) -> UserRef | UsageError:
    mention = _mention(token)
    if mention is None:
        return UsageError(f"{advice} (“{_show(token, 40)}” isn't a mention).")
    return mention


def _mention(token: str) -> UserRef | UsageError | None:
    """A user mention in either form; None if the token isn't one."""
    escaped = _MENTION.fullmatch(token)
    if escaped:
        label = " ".join(strip_control_chars(escaped.group(2) or "").split())
        name = label.lower() if _MENTION_LABEL.fullmatch(label) else None
        return UserRef(user_id=escaped.group(1), name=name)
    plain = _PLAIN_MENTION.fullmatch(token)
    if plain:
        name = plain.group(1).lower()
        if name in _BROADCAST_NAMES:
            return UsageError(f"@{name} isn't one person; name one user, like @alice.")
        return UserRef(user_id=None, name=name)
    if token.startswith("<!"):
        return UsageError(_markup_problem(token) or "")
    return None


def _markup_problem(token: str) -> str | None:
    """What a piece of Slack markup is, when it stands where we expected something else."""
    if not token.startswith("<"):
        return None
    if token.startswith("<!"):
        return "@channel, @here and @everyone can't be dialed or linked; name one person."
    if token.startswith("<#"):
        return "That's a channel, not a phone number or a person."
    if token.startswith("<@"):
        return "Put the mention after `as`, like " + _EXAMPLE + "."
    if token.lower().startswith("<tel:"):
        return "I couldn't read that phone link; type the digits, like +1 415 555 0123."
    return "That looks like a link, not a phone number; type the digits, like +1 415 555 0123."


def _number_char(ch: str) -> bool:
    return (
        ch in _NUMBER_PUNCTUATION
        or (ch.isascii() and ch.isalpha())
        or unicodedata.category(ch) == "Nd"
    )


def _has_letters(token: str) -> bool:
    return any(ch.isalpha() for ch in token)


def _has_digits(token: str) -> bool:
    return any(unicodedata.category(ch) == "Nd" for ch in token)


def _show(token: str, limit: int) -> str:
    """Quote text that came from Slack: undo Slack's own escaping, then escape once."""
    unescaped = token.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return quote_for_slack(unescaped, limit)
