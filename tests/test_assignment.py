import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qjtitle.experts.recusal import recused_map
from qjtitle.meeting.assignment import (
    AssignmentImpossible,
    Case,
    Reviewer,
    assign,
    check,
)

SPECIALTIES = ["临床医学", "护理", "药学"]


def _pool(n: int, units: int = 4) -> list[Reviewer]:
    return [
        Reviewer(i, f"专家{i}", SPECIALTIES[i % 3], f"unit{i % units}") for i in range(1, n + 1)
    ]


def _cases(n: int, units: int = 6) -> list[Case]:
    return [Case(100 + i, f"申报人{i}", SPECIALTIES[i % 3], f"unit{i % units}") for i in range(n)]


def test_recused_reviewer_is_never_assigned() -> None:
    reviewers, cases = _pool(9), _cases(12)
    rec = recused_map(cases, reviewers, conflicts=[(5, 100)])
    result = assign(cases, reviewers, rec, seed="s1")
    for case in cases:
        assert len(result.reviewers[case.id]) == 3
        for e in result.reviewers[case.id]:
            assert e not in rec[case.id]
    assert 5 not in result.reviewers[100]
    assert check(result.reviewers, rec, [r.id for r in reviewers]) == []


def test_same_seed_same_assignment_and_specialty_preferred() -> None:
    reviewers, cases = _pool(9), _cases(3)
    rec = recused_map(cases, reviewers, same_unit=False)
    a = assign(cases, reviewers, rec, seed="x")
    assert a.reviewers == assign(cases, reviewers, rec, seed="x").reviewers
    for case in cases:
        matching = [e for e in a.reviewers[case.id] if reviewers[e - 1].specialty == case.specialty]
        assert len(matching) == 3


def test_impossible_assignment_explains_itself() -> None:
    reviewers = [
        Reviewer(i, f"专家{i}", "护理", "unitA" if i <= 3 else "unitB") for i in range(1, 6)
    ]
    cases = [Case(1, "张丽", "护理", "unitA")]
    rec = recused_map(cases, reviewers, conflicts=[(4, 1)])
    with pytest.raises(AssignmentImpossible) as err:
        assign(cases, reviewers, rec, seed="s")
    assert "张丽：出席专家5人，同单位回避3人，声明回避1人，可审阅者仅1人，少于3人" in str(err.value)


def test_fewer_than_three_reviewers_refused() -> None:
    with pytest.raises(AssignmentImpossible, match="至少由3名专家审阅"):
        assign(_cases(1), _pool(5), {}, seed="s", per_applicant=2)


def test_edited_assignment_is_checked() -> None:
    rec = {1: {7: "同单位回避"}}
    problems = check({1: [7, 8, 8]}, rec, attending=[7, 8])
    assert "申报人 1：同一专家被重复安排" in problems
    assert any("只安排了2名专家" in p for p in problems)
    assert "申报人 1：专家 7 应同单位回避，不能审阅" in problems


@settings(max_examples=60, deadline=None)
@given(
    n_reviewers=st.integers(3, 15),
    n_cases=st.integers(1, 30),
    units=st.integers(1, 8),
    conflicts=st.lists(st.tuples(st.integers(1, 15), st.integers(100, 130)), max_size=10),
    seed=st.text(max_size=8),
)
def test_assignment_properties(n_reviewers, n_cases, units, conflicts, seed) -> None:
    reviewers, cases = _pool(n_reviewers, units), _cases(n_cases, units + 1)
    rec = recused_map(cases, reviewers, conflicts)
    try:
        result = assign(cases, reviewers, rec, seed=seed)
    except AssignmentImpossible:
        assert any(n_reviewers - len(rec[c.id]) < 3 for c in cases)
        return
    for case in cases:
        chosen = result.reviewers[case.id]
        assert len(set(chosen)) == 3
        assert not set(chosen) & set(rec[case.id])
    if not any(rec.values()):
        load = result.load()
        counts = [load.get(r.id, 0) for r in reviewers]
        assert max(counts) - min(counts) <= 1
