"""The one masking (qjtitle/privacy.py): every caller (import problems, public documents, the audit
list, expert lists) masks ID and mobile numbers the same way."""

from hypothesis import given
from hypothesis import strategies as st

from qjtitle.privacy import mask_text, mask_tree


def test_mask_text_in_messages_as_written_and_as_excel_turned_them() -> None:
    assert mask_text("身份证号码 530302198503010123 与 5.30302198503151E+17 电话 13888000001") == (
        "身份证号码 530302********0123 与 5.303021****3151E+17 电话 138****0001"
    )


def test_mask_text_keeps_hex_hashes_and_landlines() -> None:
    digest = "3f13888000001234567890ab" * 2
    assert mask_text(f"上一事件 {digest}") == f"上一事件 {digest}"
    assert mask_text("办公室 0874-3123456") == "办公室 0874-3123456"


def test_mask_text_masks_known_secrets_written_any_way() -> None:
    assert mask_text("号码为530302-1985", secrets=("530302-1985",)) == "号码为530****1985"


def test_mask_tree_masks_every_string_in_an_event_detail() -> None:
    detail = {"身份证号码": "530302198503010122", "list": ["13888000001", 5], "n": 7}
    assert mask_tree(detail) == {
        "身份证号码": "530302********0122",
        "list": ["138****0001", 5],
        "n": 7,
    }


@given(
    st.text(alphabet="张丽医院，。 ", max_size=8),
    st.integers(10**17, 10**18 - 1),
    st.text(alphabet="科室（）", max_size=5),
)
def test_no_id_number_survives_in_free_text(before: str, number: int, after: str) -> None:
    masked = mask_text(f"{before}{number}{after}")
    assert str(number) not in masked and str(number)[-4:] in masked
