"""Properties of the /dial parser and the phone policy under hostile and random input.

A fixed budget, derandomized, so CI runs the same few thousand examples every time.
"""

import dataclasses
import re
import unicodedata

import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.parsing import (
    DialCommand,
    HelpCommand,
    LinkCommand,
    OpenModalCommand,
    UnlinkCommand,
    UsageError,
    UserRef,
    WhoisCommand,
    parse_command,
)
from bot.phone import MASK, AllowedNumber, PhonePolicy, RefusedNumber, check_number, mask_number

budget = settings(
    max_examples=700,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

E164 = re.compile(r"\+[1-9]\d{6,14}")
RESULT_TYPES = (
    DialCommand,
    LinkCommand,
    UnlinkCommand,
    WhoisCommand,
    HelpCommand,
    OpenModalCommand,
    UsageError,
)
POLICIES = [
    PhonePolicy(),
    PhonePolicy("GB", frozenset({"GB"})),
    PhonePolicy("US", frozenset({"US", "CA", "GB"})),
]

FRAGMENTS = [
    "as", "AS", "As", "contact", "CONTACT", "link", "unlink", "whois", "help", "lnk",
    "@alice", "@Alice.Smith", "@here", "@channel", "<@U0123ABCD|alice>", "<@W0123ABCD>",
    "<!channel>", "<!here>", "<#C0123|general>", "<http://evil.example|x>", "<tel:+14155550123>",
    "+1", "+44", "415", "555-0123", "(415)", "415.555.0123", "20 7946 0958", "911", "112",
    "900", "ext", "x12", "C-77", "a:b;c", "12345", "٤١٥", "４１５", "&lt;", "&gt;", "&amp;",
    "\x00", "\n", "\x1b[31m", "\u202e", "\u200b", "<", ">", "|", "`", "*bold*",
]  # fmt: skip

fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=8).flatmap(
    lambda parts: st.sampled_from([" ", "", "  ", "\t"]).map(lambda sep: sep.join(parts))
)
any_text = st.one_of(st.text(max_size=120), fragment_text, st.text(max_size=700))
phoneish_text = st.text(alphabet="0123456789 +-().x#*٤４\x00", max_size=30)


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def _strings(value) -> list[str]:
    """Every string field in a (nested) dataclass result."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    return []


def _assert_safe(text: str) -> None:
    assert "<!" not in text
    assert not any(_is_control(ch) for ch in text), repr(text)


@budget
@given(any_text)
def test_parse_command_never_raises_and_returns_safe_fields(text):
    result = parse_command(text)
    assert isinstance(result, RESULT_TYPES)
    for field in _strings(result):
        _assert_safe(field)
    if isinstance(result, UsageError):
        assert result.problem
    else:
        # Only Slack markup we recognised (mentions) may carry '<'; nothing else does.
        for field in _strings(result):
            assert "<" not in field and ">" not in field


# Structured commands: whatever we compose, we get the same pieces back.
plain_names = st.from_regex(r"[a-z][a-z0-9._-]{0,20}", fullmatch=True).filter(
    lambda n: n not in {"channel", "here", "everyone"}
)
user_ids = st.from_regex(r"[UW][A-Z0-9]{8,10}", fullmatch=True)
mentions = st.one_of(
    plain_names.map(lambda n: (f"@{n}", UserRef(None, n))),
    st.tuples(user_ids, plain_names).map(lambda t: (f"<@{t[0]}|{t[1]}>", UserRef(t[0], t[1]))),
    user_ids.map(lambda u: (f"<@{u}>", UserRef(u, None))),
)
number_tokens = st.lists(
    st.from_regex(r"\+?\(?[0-9]{1,4}\)?([.-][0-9]{1,4}){0,2}", fullmatch=True),
    min_size=1,
    max_size=5,
)
contact_ids = st.from_regex(r"[A-Za-z0-9_.:;-]{1,64}", fullmatch=True)
keyword_case = st.sampled_from([str.lower, str.upper, str.capitalize])


@budget
@given(
    number_tokens,
    st.none() | mentions,
    st.none() | contact_ids,
    st.booleans(),
    keyword_case,
    keyword_case,
)
def test_composed_dial_commands_parse_back_to_their_parts(
    parts, mention, contact, contact_first, as_case, contact_case
):
    clauses = []
    if mention:
        clauses.append(f"{as_case('as')} {mention[0]}")
    if contact:
        clauses.append(f"{contact_case('contact')} {contact}")
    if contact_first:
        clauses.reverse()
    text = " ".join([*parts, *clauses])
    assert parse_command(text) == DialCommand(
        number=" ".join(parts),
        agent=mention[1] if mention else None,
        contact_id=contact,
    )


@budget
@given(
    st.sampled_from(["link", "unlink", "whois"]),
    keyword_case,
    mentions,
    st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True),
)
def test_composed_admin_commands_parse_back_to_their_parts(verb, case, mention, agent_id):
    if verb == "link":
        expected = LinkCommand(mention[1], agent_id)
        text = f"{case(verb)} {mention[0]} {agent_id}"
    else:
        expected = UnlinkCommand(mention[1]) if verb == "unlink" else WhoisCommand(mention[1])
        text = f"{case(verb)} {mention[0]}"
    assert parse_command(text) == expected


@budget
@given(st.one_of(any_text, phoneish_text), st.sampled_from(POLICIES))
def test_check_number_never_raises_and_only_allows_policy_numbers(typed, policy):
    result = check_number(typed, policy)
    if isinstance(result, AllowedNumber):
        assert E164.fullmatch(result.e164)
        assert result.region in policy.allowed_regions
        number = phonenumbers.parse(result.e164)
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.PREMIUM_RATE,
            phonenumbers.PhoneNumberType.SHARED_COST,
        )
    else:
        assert isinstance(result, RefusedNumber)
        assert result.reason
    for field in _strings(result):
        _assert_safe(field)
        assert "<" not in field and ">" not in field


# Real numbers from phonenumbers' own examples, written the ways people write them.
REGIONS = sorted(
    r for r in phonenumbers.SUPPORTED_REGIONS if phonenumbers.example_number(r) is not None
)
FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]


@budget
@given(st.sampled_from(REGIONS), st.sampled_from(FORMATS), st.booleans())
def test_example_numbers_are_allowed_exactly_when_their_region_is(region, fmt, allow):
    number = phonenumbers.example_number(region)
    home = phonenumbers.region_code_for_number(number)
    allowed = frozenset({home}) if allow else frozenset({"US" if home != "US" else "GB"})
    result = check_number(phonenumbers.format_number(number, fmt), PhonePolicy(region, allowed))
    if allow:
        assert result == AllowedNumber(
            e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            region=home,
            display=phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            ),
        )
    else:
        assert isinstance(result, RefusedNumber)
        assert "aren't allowed here" in result.reason


@st.composite
def e164_numbers(draw):
    """Example numbers of any region with their last digits replaced, plus raw digit runs."""
    if draw(st.booleans()):
        code = draw(st.sampled_from([1, 7, 33, 44, 49, 61, 81, 91, 234, 971]))
        return f"+{code}{draw(st.from_regex(r'[0-9]{4,12}', fullmatch=True))}"
    number = phonenumbers.example_number(draw(st.sampled_from(REGIONS)))
    national = phonenumbers.national_significant_number(number)
    keep = len(national) // 2
    tail = draw(st.from_regex(rf"[0-9]{{{len(national) - keep}}}", fullmatch=True))
    return f"+{number.country_code}{national[:keep]}{tail}"


def _revealable_positions(e164: str) -> set[int]:
    """The national digits mask_number may show: the first group and the last four."""
    number = phonenumbers.parse(e164)
    national = phonenumbers.national_significant_number(number)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    first_group = re.match(r"\d*", formatted.removeprefix(f"+{number.country_code}").strip())
    head = len(first_group.group()) if first_group else 0
    return set(range(head)) | set(range(max(len(national) - 4, 0), len(national)))


@budget
@given(e164_numbers())
def test_mask_never_shows_the_middle_digits(e164):
    masked = mask_number(e164)
    _assert_safe(masked)
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        assert masked.endswith(e164[-2:]) or set(masked) == {MASK}
        assert masked.count(MASK) >= len(e164) - 2 or masked.count(MASK) == 12
        return
    prefix = f"+{number.country_code} "
    assert masked.startswith(prefix)
    national = phonenumbers.national_significant_number(number)
    shown = [ch for ch in masked.removeprefix(prefix) if ch.isdigit() or ch == MASK]
    assert len(shown) == len(national)
    revealed = {i for i, ch in enumerate(shown) if ch != MASK}
    assert all(shown[i] == national[i] for i in revealed)
    assert revealed <= _revealable_positions(e164)
    if len(national) >= 7:
        assert len(national) - len(revealed) >= 3


@budget
@given(any_text)
def test_mask_never_raises_and_keeps_at_most_two_characters_of_text(text):
    masked = mask_number(text)
    _assert_safe(masked)
    assert "<" not in masked and ">" not in masked
    if "+" not in text:  # only "+digits" is read as a number
        assert len(masked.replace(MASK, "")) <= 2
