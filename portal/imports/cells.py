"""Cell parsers: each reads one cell's text and returns the value an import stores, or raises
CellError with a translated message that the preview shows beside the row and column."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.i18n import gettext as _
from portal.imports.files import INVISIBLE


class CellError(ValueError):
    """One cell's value is wrong; the message is translated and safe to show."""


def loose_key(text: str) -> str:
    """Compare names loosely: case, spaces, underscores, a required-marker * and a unit in brackets."""
    text = unicodedata.normalize("NFKC", text or "").translate(INVISIBLE).strip().lower()
    text = re.sub(r"\([^)]*\)", "", text).replace("*", "")
    return re.sub(r"[\s_\-]+", "_", text).strip("_")


def text_value(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise CellError(_("Too long: at most %(n)d characters.", n=max_length))
        return text

    return parse


def integer_value(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError(_("\"%(value)s\" is not a whole number.", value=text[:40])) from None
        if number != number.to_integral_value():
            raise CellError(_("\"%(value)s\" is not a whole number.", value=text[:40]))
        if not minimum <= number <= maximum:
            raise CellError(_("%(value)s is outside the accepted range %(min)d–%(max)d.", value=text[:40], min=minimum, max=maximum))
        return int(number)

    return parse


def money_value(maximum: Decimal) -> Callable[[str], str]:
    """An amount in yuan (¥, 元 and thousands separators allowed), kept as a string of two decimals."""

    def parse(text: str) -> str:
        cleaned = text.replace(",", "").replace("¥", "").replace("元", "").strip()
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(_("\"%(value)s\" is not an amount in yuan.", value=text[:40])) from None
        if not amount.is_finite() or amount < 0 or amount > maximum:
            raise CellError(_("%(value)s is outside the accepted range 0–%(max)s.", value=text[:40], max=maximum))
        if amount != amount.quantize(Decimal("0.01")):
            raise CellError(_("\"%(value)s\" has more than two decimals.", value=text[:40]))
        return str(amount.quantize(Decimal("0.01")))

    return parse


def choice_value(values: dict[str, str], accepted: Any) -> Callable[[str], str]:
    """One of a few values, given in Chinese or English (case and spaces ignored)."""
    table = {loose_key(k): v for k, v in values.items()}

    def parse(text: str) -> str:
        try:
            return table[loose_key(text)]
        except KeyError:
            raise CellError(_("\"%(value)s\" is not accepted here; use one of: %(accepted)s.",
                              value=text[:40], accepted=accepted)) from None

    return parse


MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月)?(?:\s*[-/.]\s*\d{1,2}\s*(?:日)?)?$")


def month_value(text: str) -> str:
    """A month as YYYY-MM; "2026/3", "2026年3月" and a date (Excel turns 2026-03 into one) are read too."""
    match = MONTH.match(text.split(" ")[0])
    if not match:
        raise CellError(_("\"%(value)s\" is not a month; write it as YYYY-MM, e.g. 2026-03.", value=text[:40]))
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise CellError(_("\"%(value)s\" is not a month; write it as YYYY-MM, e.g. 2026-03.", value=text[:40]))
    return f"{year:04d}-{month:02d}"


DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def date_value(text: str) -> str:
    """A day as YYYY-MM-DD (kept as that text); "2026/4/2", "2026.04.02", "2026年4月2日" and a date
    cell with a time of day are read too."""
    match = DATE.match(text.split(" ")[0])
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except (AttributeError, ValueError):
        raise CellError(_("Enter the date as YYYY-MM-DD.")) from None


EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def email_value(text: str) -> str:
    """An e-mail address; the common shape is checked by a pattern (fast on 20,000 rows), anything
    else (an internationalised address, say) by the full validator."""
    if len(text) <= 254 and EMAIL.match(text) and ".." not in text:
        local, domain = text.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise CellError(_("\"%(value)s\" is not an e-mail address.", value=text[:60])) from None


PHONE_SEPARATORS = re.compile(r"[\s()\-]")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def phone_value(text: str) -> str:
    """A mainland mobile number (11 digits, an optional +86) or a landline with its area code."""
    digits = PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    raise CellError(_("\"%(value)s\" is not a phone number (11-digit mobile, or landline with its area code).", value=text[:40]))


STUDENT_NO = re.compile(r"^[A-Za-z0-9]{4,32}$")


def student_no_value(text: str) -> str:
    """A student number: 4–32 letters and digits, kept in capitals as the roster stores them."""
    if "e+" in text.lower() or re.fullmatch(r"\d+\.\d+", text):
        raise CellError(_("Excel turned this student number into a number and may have changed it; "
                          "format the column as text and type the numbers again."))
    if not STUDENT_NO.match(text):
        raise CellError(_("\"%(value)s\" is not a student number (4–32 letters and digits).", value=text[:40]))
    return text.upper()
