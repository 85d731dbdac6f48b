import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from qjtitle.experts.recusal import recused_map
from qjtitle.logic.assignment import (
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


def _specialty_rule_holds(result, cases, reviewers, rec) -> None:  # type: ignore[no-untyped-def]
    """At least one reviewer of the applicant's specialty whenever one is present and not recused;
    otherwise the assignment says why."""
    by_id = {r.id: r for r in reviewers}
    for case in cases:
        could = [
            r.id for r in reviewers if r.specialty == case.specialty and r.id not in rec[case.id]
        ]
        chosen = result.reviewers[case.id]
        if could:
            assert any(by_id[e].specialty == case.specialty for e in chosen), case
            assert case.id not in result.gaps
        else:
            assert result.gaps[case.id]
            present = [r for r in reviewers if r.specialty == case.specialty]
            assert ("均须回避" in result.gaps[case.id]) == bool(present)


def _no_move_left(result, cases, reviewers, rec) -> None:  # type: ignore[no-untyped-def]
    """Balanced as the rules allow: no review can move to an expert with two fewer."""
    load = result.load()
    by_id = {r.id: r for r in reviewers}
    for busy in reviewers:
        for idle in reviewers:
            if load.get(busy.id, 0) - load.get(idle.id, 0) < 2:
                continue
            for case in cases:
                chosen = result.reviewers[case.id]
                if busy.id not in chosen or idle.id in chosen or idle.id in rec[case.id]:
                    continue
                after = [e for e in chosen if e != busy.id] + [idle.id]
                could = any(
                    r.specialty == case.specialty and r.id not in rec[case.id] for r in reviewers
                )
                assert could and not any(by_id[e].specialty == case.specialty for e in after), (
                    f"{case.id} could move from {busy.id} to {idle.id}"
                )


@settings(max_examples=examples(80), deadline=None)
@given(
    n_reviewers=st.integers(3, 15),
    n_cases=st.integers(1, 30),
    units=st.integers(1, 8),
    conflicts=st.lists(st.tuples(st.integers(1, 15), st.integers(100, 130)), max_size=10),
    seed=st.text(max_size=8),
    specialties=st.integers(1, 4),
)
def test_assignment_properties(n_reviewers, n_cases, units, conflicts, seed, specialties) -> None:
    reviewers = [
        Reviewer(i, f"专家{i}", SPECIALTIES[(i * 7) % specialties % 3], f"unit{i % units}")
        for i in range(1, n_reviewers + 1)
    ]
    cases = [
        Case(100 + i, f"申报人{i}", (SPECIALTIES + ["检验"])[i % 4], f"unit{i % (units + 1)}")
        for i in range(n_cases)
    ]
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
    _specialty_rule_holds(result, cases, reviewers, rec)
    _no_move_left(result, cases, reviewers, rec)
    assert (
        check(
            result.reviewers,
            rec,
            [r.id for r in reviewers],
            cases={c.id: c for c in cases},
            reviewers={r.id: r for r in reviewers},
        )
        == []
    )
    if not any(rec.values()) and len({r.specialty for r in reviewers}) == 1:
        load = result.load()
        counts = [load.get(r.id, 0) for r in reviewers]
        assert max(counts) - min(counts) <= 1


def test_the_one_pharmacist_reads_every_pharmacy_applicant() -> None:
    """The issue's case: a 药学 applicant read by three 临床医学 experts while the 药学 expert attended."""
    reviewers = [Reviewer(i, f"临床{i}", "临床医学", f"u{i}") for i in range(1, 9)]
    reviewers.append(Reviewer(9, "药师", "药学", "u9"))
    cases = [Case(100 + i, f"药学{i}", "药学", "x") for i in range(4)]
    cases += [Case(200 + i, f"临床{i}", "临床医学", "x") for i in range(8)]
    rec = recused_map(cases, reviewers)
    result = assign(cases, reviewers, rec, seed="2023")
    for case in cases[:4]:
        assert 9 in result.reviewers[case.id]
    assert result.gaps == {}
    load = result.load()
    assert max(load.values()) - min(load.values()) <= 1  # 36 reviews over 9 experts: 4 each


def test_no_specialty_expert_present_or_all_recused_is_said() -> None:
    reviewers = [Reviewer(i, f"临床{i}", "临床医学", f"u{i}") for i in range(1, 5)]
    reviewers.append(Reviewer(5, "药师", "药学", "same"))
    cases = [Case(1, "甲", "药学", "same"), Case(2, "乙", "护理", "x")]
    rec = recused_map(cases, reviewers)
    result = assign(cases, reviewers, rec, seed="s")
    assert result.gaps == {
        1: "出席的药学专业专家1人均须回避（同单位回避1人）",
        2: "出席专家中没有护理专业的专家",
    }
    edited = {1: [1, 2, 3], 2: [1, 2, 3]}
    assert (
        check(
            edited,
            rec,
            range(1, 6),
            cases={c.id: c for c in cases},
            reviewers={r.id: r for r in reviewers},
        )
        == []
    )
    cases.append(Case(3, "丙", "药学", "y"))
    rec = recused_map(cases, reviewers)
    problems = check(
        {3: [1, 2, 3]},
        rec,
        range(1, 6),
        cases={c.id: c for c in cases},
        reviewers={r.id: r for r in reviewers},
    )
    assert problems == [
        "申报人 3：没有安排药学专业的专家审阅，而出席的同专业专家1人无须回避，应至少安排1人"
    ]
