from qjtitle.logic.tally import (
    ABSTAIN,
    AGREE,
    DENOMINATOR_ALL,
    DENOMINATOR_ELIGIBLE,
    DISAGREE,
    Quorum,
    tally_ballots,
    tally_counts,
)


def test_quorum_boundary_for_a_committee_of_11() -> None:
    assert Quorum(11, 8).met and Quorum(11, 8).needed == 8
    assert not Quorum(11, 7).met
    assert "至少需8人" in Quorum(11, 7).describe() and "未达到" in Quorum(11, 7).describe()


def test_pass_boundary_nine_attending() -> None:
    assert tally_counts(1, 6, 3, 0, attending=9).passed
    r = tally_counts(1, 5, 3, 1, attending=9)
    assert not r.passed and r.needed == 6 and r.margin == -1


def test_pass_boundary_eight_attending() -> None:
    assert tally_counts(1, 6, 2, 0, attending=8).passed
    assert not tally_counts(1, 5, 2, 1, attending=8).passed


def test_abstaining_counts_as_not_agreeing() -> None:
    r = tally_counts(1, 5, 0, 4, attending=9)
    assert not r.passed and r.abstain == 4


def test_counts_must_add_up() -> None:
    r = tally_counts(1, 6, 2, 0, attending=9)
    assert not r.passed
    assert r.problems == ["同意6+不同意2+弃权0=8票，与应投票专家9人（出席9人）不符"]


def test_ballot_from_an_absent_expert_is_rejected() -> None:
    ballots = {1: AGREE, 2: AGREE, 3: AGREE, 99: AGREE}
    r = tally_ballots(7, ballots, attending=[1, 2, 3])
    assert r.agree == 3
    assert r.problems == ["专家 99 未出席评审会议，其投票无效（不得委托投票）"]
    assert not r.passed


def test_missing_and_recused_ballots() -> None:
    r = tally_ballots(7, {1: AGREE, 2: DISAGREE, 3: AGREE}, attending=[1, 2, 3, 4], recused=[3])
    assert "专家 3 须回避，不得对该申报人投票" in r.problems
    assert any("4 未投票" in p for p in r.problems)


def test_recusal_denominator_setting() -> None:
    # 10 attend, expert 10 is recused from this applicant, the 9 others vote: 6 agree.
    ballots = {
        1: AGREE,
        2: AGREE,
        3: AGREE,
        4: AGREE,
        5: ABSTAIN,
        6: DISAGREE,
        7: AGREE,
        8: AGREE,
        9: ABSTAIN,
    }
    attending = range(1, 11)
    by_all = tally_ballots(1, ballots, attending, recused=[10], denominator=DENOMINATOR_ALL)
    by_eligible = tally_ballots(
        1, ballots, attending, recused=[10], denominator=DENOMINATOR_ELIGIBLE
    )
    assert (by_all.agree, by_all.denominator, by_all.needed, by_all.passed) == (6, 10, 7, False)
    assert (by_eligible.denominator, by_eligible.needed, by_eligible.passed) == (9, 6, True)
    assert by_all.problems == [] and by_eligible.problems == []
