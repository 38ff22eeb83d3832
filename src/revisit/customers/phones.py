"""Mobile numbers: validated and normalized offline with `phonenumbers`."""

import unicodedata

import phonenumbers

DEFAULT_REGION = "CN"


def normalize_phone(raw: object, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 form (+8613812345678).

    Raises ValueError when the text is not a valid phone number.
    """
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]  # a number that passed through a spreadsheet as a float
    if not text:
        raise ValueError("empty phone number")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"not a phone number: {text}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {text}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """138****5678: what a role without the reveal permission sees."""
    if not e164:
        return ""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) < 7:
        return "*" * len(national)
    return f"{national[:3]}****{national[-4:]}"


def display_phone(e164: str) -> str:
    """The number as people dial it at home: 13812345678 for a mainland mobile."""
    return e164.removeprefix("+86") if e164 else ""
