"""The 18-character resident ID number (GB 11643): check digit, birth date, gender, Excel damage."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from qjtitle import idcard

AREAS = ("530302", "530381", "530322", "110101", "440305", "650102")
ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

areas = st.sampled_from(AREAS)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


# --- Property tests ---------------------------------------------------------------


@given(areas, births, sequences)
def test_every_made_number_is_valid_with_its_birth_date_and_gender(area, birth, sequence):
    number = idcard.make(area, birth, sequence)
    result = idcard.check(number)
    assert result.valid, result.problem
    assert result.number == number
    assert result.birth == birth
    assert result.gender == ("男" if sequence % 2 else "女")
    assert ric.calc_check_digit(number) == number[17]


@given(areas, births, sequences, st.data())
def test_changing_any_single_character_makes_the_number_invalid(area, birth, sequence, data):
    number = idcard.make(area, birth, sequence)
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(
        st.sampled_from([c for c in alphabet if c != number[position]]), label="replacement"
    )
    changed = number[:position] + replacement + number[position + 1 :]
    result = idcard.check(changed)
    assert not result.valid
    assert result.problem
    assert result.fix


@settings(max_examples=examples(300))
@given(st.text(min_size=18, max_size=18))
def test_random_strings_never_crash_and_valid_means_the_check_digit_matches(text):
    result = idcard.check(text)
    assert isinstance(result, idcard.IdCheck)
    if result.valid:
        assert ID_SHAPE.fullmatch(result.number)
        assert ric.calc_check_digit(result.number) == result.number[17]
    else:
        assert result.problem and result.fix


@settings(max_examples=examples(300))
@given(
    st.text(alphabet="0123456789²³¹٣٤５６", min_size=17, max_size=17),
    st.sampled_from(["0", "7", "X", "x", "Ｘ", "²", "٣", "５"]),
)
def test_digit_like_strings_never_crash(body, last):
    # str.isdigit() is true for ² and ٣, which stdnum's int() then refuses: only ASCII digits
    # (and full-width ones, typed in full-width mode) may pass.
    text = body + last
    result = idcard.check(text)
    ascii_text = text.translate({ord(c): ord(c) - 0xFEE0 for c in "５６Ｘｘ"}).upper()
    if ID_SHAPE.fullmatch(ascii_text):
        assert result.number == ascii_text
    else:
        assert result.problem == "身份证号码只能由数字组成，最后一位可为 X"
    if result.valid:
        assert ric.calc_check_digit(result.number) == result.number[17]


@settings(max_examples=examples(300))
@given(
    st.sampled_from(sorted(idcard.PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    births,
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.sampled_from("0123456789X"),
)
def test_well_formed_number_is_valid_exactly_when_stdnum_check_digit_matches(
    province, county, birth, seq, last
):
    number = f"{province}{county}{birth:%Y%m%d}{seq}{last}"
    result = idcard.check(number)
    assert result.valid == (ric.calc_check_digit(number) == last)
    if not result.valid:
        assert "校验位错误" in (result.problem or "")


@settings(max_examples=examples(300))
@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_random_digit_strings_valid_only_with_matching_check_digit(number):
    result = idcard.check(number)
    if result.valid:
        assert ric.calc_check_digit(number) == number[17]
        assert number[:2] in idcard.PROVINCE_CODES
    if "X" in number[:17]:
        assert result.problem == "身份证号码只能由数字组成，最后一位可为 X"


# --- Examples ---------------------------------------------------------------------

VALID = idcard.make("530302", date(1985, 3, 15), 122)  # 女 (even sequence)


def test_made_number_example():
    assert VALID == "530302198503151222"
    result = idcard.check(VALID)
    assert (result.valid, result.birth, result.gender) == (True, date(1985, 3, 15), "女")


def test_county_code_is_not_tied_to_the_birth_year():
    # 530302 (麒麟区) exists since 1997; people born earlier hold such numbers.
    assert not ric.is_valid(VALID)
    assert idcard.check(VALID).valid


def test_lower_case_x_spaces_and_full_width_digits_are_normalised():
    number = idcard.make("530302", date(1990, 1, 2), 5)
    body = number[:17]
    with_x = next(
        b + "X"
        for b in (f"530302199001020{i:02d}" for i in range(100))
        if ric.calc_check_digit(b + "0") == "X"
    )
    assert idcard.check(with_x.lower()).valid
    assert idcard.check(with_x.lower()).number == with_x
    spaced = f" {number[:6]} {number[6:14]} {number[14:]} "
    assert idcard.check(spaced).number == number
    assert idcard.check(spaced).valid
    full_width = body.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + number[17]
    result = idcard.check(full_width)
    assert result.valid
    assert result.number == number


def test_wrong_check_digit_names_the_expected_digit():
    wrong = VALID[:17] + "0"
    result = idcard.check(wrong)
    assert result.problem == "身份证号码校验位错误（第18位应为 2，实为 0），号码中有输错的数字"
    assert result.fix == "请对照身份证原件逐位核对"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "身份证号码为空"),
        ("   ", "身份证号码为空"),
        ("53030219850315122", "身份证号码应为18位，实为17位"),
        ("5303021985031512220", "身份证号码应为18位，实为19位"),
        ("53030219850315A222", "身份证号码只能由数字组成，最后一位可为 X"),
        ("5303021985031512²2", "身份证号码只能由数字组成，最后一位可为 X"),
        ("530302198502301222", "身份证号码中的出生日期 19850230 不存在"),
        ("530302198513011222", "身份证号码中的出生日期 19851301 不存在"),
    ],
)
def test_malformed_numbers(raw, problem):
    result = idcard.check(raw)
    assert result.problem == problem
    assert not result.valid
    assert result.fix


def test_unknown_province_code():
    number = idcard.make("990101", date(1985, 3, 15), 1)
    assert idcard.check(number).problem == "身份证号码前2位 99 不是有效的省级行政区划代码"


def test_birth_date_in_the_future_or_before_1900():
    future = idcard.make("530302", date(date.today().year + 1, 1, 1), 1)
    assert "不合理" in (idcard.check(future).problem or "")
    old = idcard.make("530302", date(1899, 12, 31), 1)
    assert idcard.check(old).problem == "身份证号码中的出生日期 1899-12-31 不合理"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (5.30302198503151e17, "5.30302198503151E+17"),
        (530302198503151222.0, "5.30302198503151E+17"),
        ("5.30302198503151E+17", "5.30302198503151E+17"),
        ("5.30302E+17", "5.30302E+17"),
        (530302198503151222, "530302198503151222"),
    ],
)
def test_number_stored_by_excel_is_reported_with_the_fix(raw, shown):
    assert idcard.looks_like_excel_number(raw)
    result = idcard.check(raw)
    assert result.problem == f"身份证号码被 Excel 存成了数字（{shown}），后几位已丢失"
    assert result.fix == idcard.EXCEL_NUMBER_FIX
    assert "文本" in result.fix


@pytest.mark.parametrize("raw", [True, 12345.0, 1985, "530302198503151222", None, "1.5"])
def test_not_excel_numbers(raw):
    assert not idcard.looks_like_excel_number(raw)


def test_gender_from_the_17th_digit():
    assert idcard.gender_of("530302198503151212") == "男"
    assert idcard.gender_of("530302198503151222") == "女"
    assert idcard.gender_of("530302198503151202") == "女"
