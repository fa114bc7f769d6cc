"""Phone numbers: what people type -> E.164, the dialing policy, and the one masking rule.

`check_number` refuses with one sentence per reason, naming what to do next. Text typed by
people is only ever echoed through `quote_for_slack` (no markup, no control characters).
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from phonenumbers import (
    CountryCodeSource,
    NumberParseException,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
    shortnumberinfo,
)

from bot.parsing import quote_for_slack, strip_control_chars

MAX_TYPED_LENGTH = 64
MASK = "•"
# What mask_number reads as a phone number; anything else is masked as opaque text.
_LOOKS_INTERNATIONAL = re.compile(r"\+[0-9][0-9 ().-]*")
_EXTENSION_ADVICE = "dial the main number and ask for the extension once connected."


@dataclass(frozen=True)
class PhonePolicy:
    default_region: str = "US"
    allowed_regions: frozenset[str] = frozenset({"US"})


@dataclass(frozen=True)
class AllowedNumber:
    e164: str
    region: str
    display: str  # e.g. "+1 415-555-0123"


@dataclass(frozen=True)
class RefusedNumber:
    typed: str  # what was typed, already safe to show in Slack (see quote_for_slack)
    reason: str


def check_number(typed: str, policy: PhonePolicy) -> AllowedNumber | RefusedNumber:
    """Normalise `typed` to E.164 and apply `policy`. Never raises."""
    try:
        return _check(typed, policy)
    except Exception:  # phonenumbers is trusted, but a crash here must not reach Slack
        shown = quote_for_slack(str(typed), 40)
        return RefusedNumber(shown, f"I couldn't read “{shown}” as a phone number; check it.")


def _check(typed: object, policy: PhonePolicy) -> AllowedNumber | RefusedNumber:
    text = typed if isinstance(typed, str) else ("" if typed is None else str(typed))
    cleaned = " ".join(strip_control_chars(text[: MAX_TYPED_LENGTH * 4]).split())
    shown = quote_for_slack(cleaned, 40)

    def refuse(reason: str) -> RefusedNumber:
        return RefusedNumber(typed=shown, reason=reason)

    if not cleaned:
        return refuse("No phone number given; type one, like +1 415 555 0123.")
    if len(text) > MAX_TYPED_LENGTH * 4 or len(cleaned) > MAX_TYPED_LENGTH:
        return refuse(
            f"That phone number is too long (more than {MAX_TYPED_LENGTH} characters); "
            "type just the number, like +1 415 555 0123."
        )
    default_region = policy.default_region.upper()
    allowed = frozenset(region.upper() for region in policy.allowed_regions)

    if _is_emergency(cleaned, {default_region, *allowed}):
        return refuse(_emergency_reason(shown))
    try:
        number = phonenumbers.parse(cleaned, default_region, keep_raw_input=True)
    except NumberParseException as exc:
        return refuse(_parse_failure_reason(shown, exc, default_region))

    typed_with_country_code = number.country_code_source != CountryCodeSource.FROM_DEFAULT_COUNTRY
    emergency_regions = (
        set(phonenumbers.region_codes_for_country_code(number.country_code))
        if typed_with_country_code
        else {default_region, *allowed}
    )
    national = phonenumbers.national_significant_number(number)
    if _is_emergency(national, emergency_regions) or (
        not phonenumbers.is_valid_number(number)
        and _connects_to_emergency(national, emergency_regions)
    ):
        return refuse(_emergency_reason(shown))
    if number.extension:
        return refuse(f"Extensions aren't supported (“{shown}” has one); {_EXTENSION_ADVICE}")

    if not phonenumbers.is_valid_number(number):
        possible = phonenumbers.is_possible_number_with_reason(number)
        if possible == ValidationResult.TOO_SHORT or shortnumberinfo.is_valid_short_number(number):
            return refuse(
                f"“{shown}” is a short number or service code, not a full phone number; "
                "the bot only dials full numbers, like +1 415 555 0123."
            )
        if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY and not typed_with_country_code:
            return refuse(f"“{shown}” looks like a local number; add the area code.")
        region = phonenumbers.region_code_for_country_code(number.country_code)
        return refuse(
            f"“{shown}” isn't a valid number in {_region_label(region, number.country_code)}; "
            "check the digits."
        )

    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.PREMIUM_RATE:
        return refuse(
            f"“{shown}” is a premium-rate number, which charges the caller; "
            "the bot won't dial those. Call it from a phone if you really need to."
        )
    if kind == PhoneNumberType.SHARED_COST:
        return refuse(
            f"“{shown}” is a shared-cost number, which charges the caller; "
            "the bot won't dial those. Call it from a phone if you really need to."
        )

    region = phonenumbers.region_code_for_number(number) or ""
    if region not in allowed:
        return refuse(
            f"Calls to {_region_label(region, number.country_code)} aren't allowed here: "
            f"this workspace may dial {', '.join(sorted(allowed)) or 'no regions'}. "
            f"Ask an admin to add {region or 'that region'} to DIAL_ALLOWED_REGIONS."
        )
    return AllowedNumber(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        region=region,
        display=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
    )


def mask_number(e164: str) -> str:
    """The one way numbers are shown in channels: "+14155550123" -> "+1 415-•••-0123".

    Shows the country code, the first group of the national number and the last 4
    digits, with every other digit masked; at least 3 digits always stay hidden.
    Never raises; text that isn't a phone number keeps only its last 2 characters.
    """
    if isinstance(e164, str):
        return _mask_cached(e164)
    return _mask_safely(e164)


# The App Home masks ten numbers per render, a report one or two: each is a parse.
@functools.lru_cache(maxsize=4096)
def _mask_cached(e164: str) -> str:
    return _mask_safely(e164)


def _mask_safely(e164: object) -> str:
    try:
        return _mask(e164)
    except Exception:
        return _mask_unreadable(str(e164))


def _mask(e164: object) -> str:
    text = " ".join(strip_control_chars(str(e164)).split())
    if not text:
        return ""
    if not _LOOKS_INTERNATIONAL.fullmatch(text):
        return _mask_unreadable(text)
    try:
        number = phonenumbers.parse(text, None)
    except NumberParseException:
        return _mask_unreadable(text)
    number = copy.copy(number)
    number.extension = None  # never shown, and it would break the grouping below
    national = phonenumbers.national_significant_number(number)
    formatted = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    rest = formatted.removeprefix(prefix).strip()
    if not formatted.startswith(prefix) or "".join(ch for ch in rest if ch.isdigit()) != national:
        rest = national  # unusual formatting: mask the bare digits
    first_group = ""
    for ch in rest:
        if not ch.isdigit():
            break
        first_group += ch
    shown_tail = 4 if len(national) - 4 >= 3 else max(len(national) - 3, 0)
    shown_head = len(first_group)
    if first_group == national or len(national) - shown_head - shown_tail < 3:
        shown_head = 0
    digit_index = 0
    out = []
    for ch in rest:
        if ch.isdigit():
            visible = digit_index < shown_head or digit_index >= len(national) - shown_tail
            out.append(ch if visible else MASK)
            digit_index += 1
        else:
            out.append(ch)
    return f"{prefix} {''.join(out)}"


def _mask_unreadable(text: str) -> str:
    text = " ".join(strip_control_chars(text).split())
    if not text:
        return ""
    tail = text[-2:] if len(text) > 3 and text[-2:].isascii() and text[-2:].isalnum() else ""
    return MASK * min(len(text) - len(tail), 12) + tail


def display_number(e164: str) -> str:
    """A stored E.164 number as people read it ("+1 415-555-0123"). Only formats: the
    number passed check_number() when it was recorded, and running the whole policy
    again (the emergency tables of every allowed region) cost 14 % of a /dial's CPU."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def _is_emergency(digits: str, regions: set[str] | frozenset[str]) -> bool:
    return any(shortnumberinfo.is_emergency_number(digits, region) for region in regions)


def _connects_to_emergency(digits: str, regions: set[str]) -> bool:
    return any(shortnumberinfo.connects_to_emergency_number(digits, region) for region in regions)


def _emergency_reason(shown: str) -> str:
    return (
        f"“{shown}” is an emergency number; the bot never dials emergency services. "
        "If this is an emergency, call from a phone now."
    )


def _parse_failure_reason(shown: str, exc: NumberParseException, default_region: str) -> str:
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if shown.lstrip().startswith(("+", "＋")):
            return f"“{shown}” doesn't start with a country code I know; check the digits after +."
        return (
            f"“{shown}” has no country code and the default region ({default_region}) isn't "
            "one I know; start the number with + and the country code."
        )
    if exc.error_type in (
        NumberParseException.TOO_SHORT_NSN,
        NumberParseException.TOO_SHORT_AFTER_IDD,
    ):
        return f"“{shown}” is too short to be a phone number; type the full number."
    if exc.error_type == NumberParseException.TOO_LONG:
        return f"“{shown}” has too many digits for a phone number; check it."
    return f"“{shown}” isn't a phone number; type one like +1 415 555 0123."


@functools.lru_cache(maxsize=512)
def _region_label(region: str | None, country_code: int) -> str:
    """ "United Kingdom (+44)" where phonenumbers knows the name, else "GB (+44)"."""
    if region == phonenumbers.UNKNOWN_REGION or region == "001":
        return f"non-geographic numbers (+{country_code})"
    name = _country_names().get(region or "", {}).get("en", "")
    if name.startswith("*"):  # "*xx": the name is given in language xx instead
        name = _country_names()[region or ""].get(name[1:], "")
    return f"{name or region or 'that region'} (+{country_code})"


@functools.cache
def _country_names() -> dict[str, dict[str, str]]:
    """phonenumbers' country names (geodata/locale.py), read on their own.

    `phonenumbers.geocoder` would import the whole geodata package with it: about
    100 MB of per-prefix place names, for a dozen country names.
    """
    spec = importlib.util.find_spec("phonenumbers")
    assert spec is not None and spec.origin is not None
    path = Path(spec.origin).parent / "geodata" / "locale.py"
    names: dict = {"__name__": "phonenumbers_country_names", "__package__": "phonenumbers.geodata"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), names)
    return names["LOCALE_DATA"]
