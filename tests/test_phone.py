"""Phone numbers as people type them: what is dialed, what is refused and why, how it is masked."""

import phonenumbers
import pytest

from bot.phone import AllowedNumber, PhonePolicy, RefusedNumber, check_number, mask_number

US_ONLY = PhonePolicy()
US_AND_GB = PhonePolicy(default_region="US", allowed_regions=frozenset({"US", "GB"}))
GB_ONLY = PhonePolicy(default_region="GB", allowed_regions=frozenset({"GB"}))


@pytest.mark.parametrize(
    ("typed", "policy", "e164", "region", "display"),
    [
        ("+1 (415) 555-0123", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("415.555.0123", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("(415) 555 0123", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("4155550123", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("tel:+14155550123", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("  +1 415 555 0123\n", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("+1 800 555 0123", US_ONLY, "+18005550123", "US", "+1 800-555-0123"),
        ("1-800-FLOWERS", US_ONLY, "+18003569377", "US", "+1 800-356-9377"),
        ("+44 20 7946 0958", US_AND_GB, "+442079460958", "GB", "+44 20 7946 0958"),
        ("020 7946 0958", GB_ONLY, "+442079460958", "GB", "+44 20 7946 0958"),
        # Arabic-Indic and full-width digits: phonenumbers reads them as digits.
        ("٤١٥٥٥٥٠١٢٣", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        ("４１５５５５０１２３", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
        # Control characters typed or pasted along with the number are ignored.
        ("\x00415\x1b555\t0123\u200b", US_ONLY, "+14155550123", "US", "+1 415-555-0123"),
    ],
)
def test_typed_numbers_normalise_to_e164(typed, policy, e164, region, display):
    assert check_number(typed, policy) == AllowedNumber(e164=e164, region=region, display=display)


def _reason(typed: str, policy: PhonePolicy = US_ONLY) -> str:
    result = check_number(typed, policy)
    assert isinstance(result, RefusedNumber), result
    assert result.reason
    return result.reason


@pytest.mark.parametrize("typed", ["", "   ", "\n\t", "\x00\x07"])
def test_empty_number_is_refused(typed):
    assert _reason(typed) == "No phone number given; type one, like +1 415 555 0123."


@pytest.mark.parametrize("typed", ["hello", "call me", "+", "1", "--"])
def test_text_that_is_not_a_number_is_refused(typed):
    assert "isn't a phone number" in _reason(typed)


def test_too_long_input_is_refused_without_echoing_it_all():
    result = check_number("1" * 65, US_ONLY)
    assert isinstance(result, RefusedNumber)
    assert "too long" in result.reason
    assert "64" in result.reason
    assert len(result.typed) <= 40


def test_huge_input_is_refused_quickly_as_too_long():
    assert "too long" in _reason("5" * 100_000)


def test_invalid_number_names_the_region_and_asks_to_check_the_digits():
    assert _reason("+1 200 555 0123") == (
        "“+1 200 555 0123” isn't a valid number in United States (+1); check the digits."
    )
    assert _reason("+44 20 1234") == (
        "“+44 20 1234” isn't a valid number in United Kingdom (+44); check the digits."
    )


def test_local_number_without_area_code_asks_for_the_area_code():
    assert _reason("555 0123") == "“555 0123” looks like a local number; add the area code."


def test_disallowed_region_says_who_can_fix_it():
    assert _reason("+44 20 7946 0958") == (
        "Calls to United Kingdom (+44) aren't allowed here: this workspace may dial US. "
        "Ask an admin to add GB to DIAL_ALLOWED_REGIONS."
    )


def test_canada_shares_plus_one_but_is_its_own_region():
    reason = _reason("+1 416 555 0123")
    assert reason.startswith("Calls to Canada (+1) aren't allowed here")
    assert "add CA to DIAL_ALLOWED_REGIONS" in reason


def test_allowed_regions_are_listed_when_refusing():
    policy = PhonePolicy(default_region="US", allowed_regions=frozenset({"US", "CA"}))
    assert "this workspace may dial CA, US" in _reason("+33 1 42 68 53 00", policy)


@pytest.mark.parametrize(
    ("typed", "policy"),
    [
        ("+1 900 555 0123", US_ONLY),
        ("1-900-555-0123", US_ONLY),
        ("0909 879 0000", GB_ONLY),
    ],
)
def test_premium_rate_numbers_are_refused(typed, policy):
    number = phonenumbers.parse(typed, policy.default_region)
    assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.PREMIUM_RATE
    assert "premium-rate" in _reason(typed, policy)


def test_shared_cost_numbers_are_refused_even_in_an_allowed_region():
    spain = PhonePolicy(default_region="ES", allowed_regions=frozenset({"ES"}))
    number = phonenumbers.parse("901 12 34 56", "ES")
    assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.SHARED_COST
    assert "shared-cost" in _reason("901 12 34 56", spain)
    assert "shared-cost" in _reason("+34 901 12 34 56", spain)


@pytest.mark.parametrize(
    ("typed", "policy"),
    [
        ("911", US_ONLY),
        ("9-1-1", US_ONLY),
        ("112", US_ONLY),
        ("999", GB_ONLY),
        ("112", GB_ONLY),
        ("+44 999", US_ONLY),
        ("+1 911", US_ONLY),
        ("\x00911\n", US_ONLY),
    ],
)
def test_emergency_numbers_are_refused(typed, policy):
    assert "emergency number" in _reason(typed, policy)


@pytest.mark.parametrize("typed", ["411", "611", "311", "+1 411", "88888", "55"])
def test_short_numbers_and_service_codes_are_refused(typed):
    reason = _reason(typed)
    assert "short number" in reason or "too short" in reason
    assert "emergency" not in reason


@pytest.mark.parametrize(
    "typed", ["+1 415 555 0123 ext 12", "415-555-0123 x12", "tel:+14155550123;ext=7"]
)
def test_extensions_are_refused(typed):
    assert "Extensions aren't supported" in _reason(typed)


def test_unknown_country_code_is_refused():
    assert "country code" in _reason("+999 1234 5678")


def test_each_refusal_has_its_own_reason():
    reasons = {
        _reason(typed, policy)
        for typed, policy in [
            ("", US_ONLY),
            ("hello", US_ONLY),
            ("1" * 65, US_ONLY),
            ("+1 200 555 0123", US_ONLY),
            ("+44 20 7946 0958", US_ONLY),
            ("+1 900 555 0123", US_ONLY),
            ("+34 901 12 34 56", PhonePolicy("ES", frozenset({"ES"}))),
            ("911", US_ONLY),
            ("411", US_ONLY),
            ("+1 415 555 0123 ext 12", US_ONLY),
        ]
    }
    assert len(reasons) == 10


def test_refusals_never_echo_live_slack_markup_or_control_characters():
    result = check_number("<!channel> \x1b[31m<@U123>", US_ONLY)
    assert isinstance(result, RefusedNumber)
    for text in (result.typed, result.reason):
        assert "<" not in text and ">" not in text
        assert "\x1b" not in text
    assert "&lt;!channel&gt;" in result.reason


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+14155550123", "+1 415-•••-0123"),
        ("+18005550123", "+1 800-•••-0123"),
        ("+442079460958", "+44 20 •••• 0958"),
        ("+33142685300", "+33 1 •• •• 53 00"),
        # A UK mobile's first group is 4 digits: showing it and the last 4 would leave
        # only 2 hidden, so the first group is hidden too.
        ("+447911123456", "+44 •••• ••3456"),
    ],
)
def test_mask_shows_country_code_first_group_and_last_four(e164, masked):
    assert mask_number(e164) == masked


@pytest.mark.parametrize(
    ("odd", "masked"),
    [
        ("", ""),
        ("garbage", "•••••ge"),
        ("4155550123", "••••••••23"),
        ("+1", "••"),
        ("<!here>", "•••••••"),
        ("\x00\x1b", ""),
    ],
)
def test_mask_of_odd_input_hides_all_but_the_last_two_characters(odd, masked):
    assert mask_number(odd) == masked


def test_mask_of_a_huge_string_stays_short():
    assert len(mask_number("x" * 100_000)) <= 14


def test_a_stored_number_is_displayed_as_people_read_it():
    from bot.phone import display_number

    assert display_number("+14155550123") == "+1 415-555-0123"
    assert display_number("+442079460958") == "+44 20 7946 0958"
    assert display_number("not a number") == "not a number"  # shown as stored, no crash
