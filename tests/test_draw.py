"""The verifiable draw: the pure algorithm (determinism, no bias, constraints) and its record in the store."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from qjtitle.errors import InvalidValue
from qjtitle.experts import draw_answers, draw_record
from qjtitle.experts import drawing as draw_store
from qjtitle.logic import draw, draw_inputs, draw_verify
from qjtitle.logic.draw import DrawImpossible
from qjtitle.logic.draw_inputs import Candidate, Request
from tests.conftest import examples, expert_row
from tests.test_verify_record import complete

# Store-level tests run on SQLite and, when configured, on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_backends

DRAWERS = ["王明", "李华", "赵强"]
SUPERVISORS = ["陈静"]


def pool(n: int, specialties: tuple[str, ...] = ("临床医学",), units: int = 5) -> list[Candidate]:
    return [
        Candidate(i, f"专家{i}", specialties[i % len(specialties)], f"单位{i % units}")
        for i in range(1, n + 1)
    ]


def ids(picks: list[draw.Pick]) -> list[int]:
    return [p.candidate.id for p in picks]


# --- Seed, hash, random numbers ------------------------------------------------------------


def test_seed_parts_are_joined_in_canonical_form() -> None:
    assert draw_inputs.canonical_seed(["4721", " 99 03 ", "１５８６"]) == "4721/9903/1586/"
    assert draw_inputs.canonical_seed(["4721/9903", "1586"]) == "4721/9903/1586/"
    with pytest.raises(InvalidValue, match="随机种子为空"):
        draw_inputs.canonical_seed([" ", "/"])
    assert draw_inputs.seed_warning("12/3/") is not None
    assert draw_inputs.seed_warning("4721/9903/1586/") is None
    generated = draw_inputs.random_seed()
    assert (
        generated.endswith("/") and len(generated) == 33 and generated != draw_inputs.random_seed()
    )


def test_random_numbers_follow_the_published_construction() -> None:
    """SHA-256 of algorithm, NUL, seed, NUL, 8-byte counter: re-implemented here from the docstring."""
    stream = draw.RandomStream("4721/9903/1586/")
    for k in range(3):
        expected = hashlib.sha256(
            b"qjtitle-draw-v1\x004721/9903/1586/\x00" + k.to_bytes(8, "big")
        ).digest()
        assert stream.next_block() == int.from_bytes(expected, "big")


def test_rejection_sampling_discards_the_biased_tail() -> None:
    # Values uniform in [0, 8) give a number below 3 only from 0..5: 6 and 7 would favour 0 and 1.
    values = iter([7, 6, 5])
    assert draw.uniform_below(3, lambda: next(values), 8) == 2
    values = iter([6, 0])
    assert draw.uniform_below(3, lambda: next(values), 8) == 0


def test_pool_hash_is_over_the_sorted_list_and_changes_with_any_expert() -> None:
    experts = pool(10)
    assert draw_inputs.pool_digest(experts) == draw_inputs.pool_digest(list(reversed(experts)))
    changed = [
        *experts[:4],
        Candidate(5, "专家五", experts[4].specialty, experts[4].unit),
        *experts[5:],
    ]
    assert draw_inputs.pool_digest(changed) != draw_inputs.pool_digest(experts)
    entries = [c.entry() for c in experts]
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    assert draw_inputs.pool_digest(experts) == hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- The selection ----------------------------------------------------------------------------


def test_same_seed_and_pool_give_the_same_picks() -> None:
    experts = pool(40, ("临床医学", "护理", "药学"))
    request = Request.make(11, 4, {"临床医学": 5, "护理": 3})
    first = draw.select("4721/9903/1586/", experts, request)
    assert first == draw.select("4721/9903/1586/", list(reversed(experts)), request)
    assert ids(first) != ids(draw.select("4721/9903/1587/", experts, request))


def test_an_independent_reimplementation_gives_the_same_picks() -> None:
    """The plain case (no counts, no cap) from the module docstring alone."""
    experts = pool(30)
    seed = "12345/67890/13579/"
    counter = 0

    def number_below(n: int) -> int:
        nonlocal counter
        while True:
            x = int.from_bytes(
                hashlib.sha256(
                    b"qjtitle-draw-v1\x00" + seed.encode() + b"\x00" + counter.to_bytes(8, "big")
                ).digest(),
                "big",
            )
            counter += 1
            if x < 2**256 - 2**256 % n:
                return x % n

    remaining = sorted(experts, key=lambda c: c.id)
    expected = []
    for _ in range(7 + 3):
        expected.append(remaining.pop(number_below(len(remaining))).id)
    assert ids(draw.select(seed, experts, Request.make(7, 3))) == expected


def test_more_alternates_later_keep_every_earlier_position() -> None:
    experts = pool(40, ("临床医学", "护理"), units=9)
    for cap in (None, 3):
        short = draw.select("8/8/8/", experts, Request.make(11, 2, {"护理": 4}, cap))
        long = draw.select("8/8/8/", experts, Request.make(11, 9, {"护理": 4}, cap))
        assert long[: len(short)] == short


def test_specialty_counts_and_unit_cap_are_honoured() -> None:
    experts = pool(60, ("临床医学", "护理", "药学", "医学检验技术"), units=17)
    picks = draw.select(
        "1/2/3/",
        experts,
        Request.make(11, 4, {"临床医学": 5, "护理": 3, "药学": 2, "医学检验技术": 1}, 1),
    )
    members = [p for p in picks if p.role == draw_inputs.MEMBER]
    assert Counter(p.candidate.specialty for p in members) == {
        "临床医学": 5,
        "护理": 3,
        "药学": 2,
        "医学检验技术": 1,
    }
    assert max(Counter(p.candidate.unit for p in picks).values()) == 1
    assert [p.position for p in picks] == list(range(1, 16))


def test_a_too_small_pool_says_what_is_missing() -> None:
    experts = pool(12, ("临床医学", "护理"))
    with pytest.raises(DrawImpossible) as caught:
        draw.select("1/", experts, Request.make(11, 4, {"护理": 7}))
    message = str(caught.value)
    assert "“护理”需抽取委员 7 人，符合条件的只有 6 人" in message
    assert "共 15 人，符合条件的专家只有 12 人" in message
    tight = [
        Candidate(i, f"专家{i}", "临床医学", "同一单位" if i > 2 else f"单位{i}")
        for i in range(1, 12)
    ]
    problems = draw.feasibility_problems(tight, Request.make(5, 0, unit_cap=2))
    assert problems and "每个单位最多抽取 2 人" in problems[0]


def test_a_cap_that_only_a_careful_order_can_meet_never_dead_ends() -> None:
    """Unit X holds the only 护理 expert and one 临床医学 expert; with a cap of 1 the 临床医学 one
    must never be taken, whatever the seed, or the 护理 slot could not be filled."""
    experts = [
        Candidate(1, "甲", "临床医学", "X"),
        Candidate(2, "乙", "护理", "X"),
        Candidate(3, "丙", "临床医学", "Y"),
        Candidate(4, "丁", "临床医学", "Z"),
    ]
    for i in range(50):
        picks = draw.select(f"{i}/", experts, Request.make(3, 0, {"护理": 1}, unit_cap=1))
        assert sorted(ids(picks)) == [2, 3, 4]


def test_requests_are_validated() -> None:
    with pytest.raises(InvalidValue, match="超过委员人数"):
        Request.make(5, 0, {"护理": 3, "药学": 3})
    with pytest.raises(InvalidValue, match="委员人数 0 无效"):
        Request.make(0)
    with pytest.raises(InvalidValue, match="每个单位最多抽取人数 0 无效"):
        Request.make(5, 0, unit_cap=0)


# --- No bias --------------------------------------------------------------------------------------

# Upper 1 % point of the chi-square distribution with 19 degrees of freedom (any statistics table).
CHI2_19_DF_1_PERCENT = 36.191
SEEDS = [f"{i:04d}/{(i * 7919) % 10000:04d}/{(i * 104729) % 10000:04d}/" for i in range(1000)]


def chi_square(observed: list[int], expected: float) -> float:
    return sum((o - expected) ** 2 / expected for o in observed)


def test_each_eligible_expert_is_picked_with_equal_probability() -> None:
    """20 eligible experts, 5 members, 1000 fixed seeds: the first pick and being picked at all
    are uniform at the 1 % level (chi-square, 19 degrees of freedom)."""
    experts = pool(20)
    request = Request.make(5)
    first: Counter[int] = Counter()
    chosen: Counter[int] = Counter()
    for seed in SEEDS:
        picks = ids(draw.select(seed, experts, request))
        first[picks[0]] += 1
        chosen.update(picks)
    n = len(SEEDS)
    assert chi_square([first[c.id] for c in experts], n / 20) < CHI2_19_DF_1_PERCENT
    # Being picked at all: each count is binomial(n, 5/20); dividing by (1 - p) makes the sum chi-square-like.
    p = 5 / 20
    assert chi_square([chosen[c.id] for c in experts], n * p) / (1 - p) < CHI2_19_DF_1_PERCENT


# --- Properties (Hypothesis) ---------------------------------------------------------------------------

SPECIALTIES = ("临床医学", "护理", "药学")


@st.composite
def draw_cases(draw_: st.DrawFn) -> tuple[str, list[Candidate], Request]:
    n = draw_(st.integers(1, 10))
    ids_ = draw_(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    experts = [
        Candidate(
            i,
            f"专家{i}",
            draw_(st.sampled_from(SPECIALTIES)),
            draw_(st.sampled_from(("甲", "乙", "丙", "丁"))),
        )
        for i in ids_
    ]
    members = draw_(st.integers(1, 5))
    quotas: dict[str, int] = {}
    for specialty in draw_(st.lists(st.sampled_from(SPECIALTIES), unique=True, max_size=2)):
        room = members - sum(quotas.values())
        if room > 0:
            quotas[specialty] = draw_(st.integers(1, room))
    request = Request.make(
        members, draw_(st.integers(0, 3)), quotas, draw_(st.none() | st.integers(1, 3))
    )
    seed = draw_inputs.canonical_seed([draw_(st.text("0123456789", min_size=1, max_size=6))])
    return seed, experts, request


def brute_force_feasible(experts: list[Candidate], request: Request) -> bool:
    """Whether the members and alternates can be filled at all, by trying every assignment."""
    slots = draw.member_slots(request) + ["*"] * request.alternates
    fixed = {s for s, _ in request.quotas}

    def fits(slot: str, c: Candidate) -> bool:
        return slot == "*" or (c.specialty == slot if slot else c.specialty not in fixed)

    for chosen in itertools.permutations(experts, len(slots)):
        units = Counter(c.unit for c in chosen)
        if request.unit_cap is not None and units and max(units.values()) > request.unit_cap:
            continue
        if all(fits(slot, c) for slot, c in zip(slots, chosen, strict=True)):
            return True
    return False


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draw_cases())
def test_picks_are_distinct_eligible_and_respect_the_counts_and_the_cap(inputs) -> None:
    seed, experts, request = inputs
    feasible = not draw.feasibility_problems(experts, request)
    if len(experts) <= 7 and request.members + request.alternates <= 6:
        assert feasible == brute_force_feasible(experts, request)
    if not feasible:
        with pytest.raises(DrawImpossible):
            draw.select(seed, experts, request)
        return
    picks = draw.select(seed, experts, request)
    assert picks == draw.select(seed, experts, request)
    picked = ids(picks)
    assert len(picked) == len(set(picked))
    assert set(picked) <= {c.id for c in experts}
    members = [p for p in picks if p.role == draw_inputs.MEMBER]
    alternates = [p for p in picks if p.role == draw_inputs.ALTERNATE]
    assert len(members) == request.members
    assert picks == members + alternates
    assert len(alternates) <= request.alternates
    if request.unit_cap is None:
        assert len(alternates) == request.alternates
    else:
        assert max(Counter(p.candidate.unit for p in picks).values()) <= request.unit_cap
    fixed = dict(request.quotas)
    by_specialty = Counter(p.candidate.specialty for p in members)
    for specialty, count in fixed.items():
        assert by_specialty[specialty] == count
    assert all(
        p.candidate.specialty not in fixed for p in members if p.slot == draw_inputs.FREE_SLOT
    )
    more = Request.make(request.members, request.alternates + 2, fixed, request.unit_cap)
    if not draw.feasibility_problems(experts, more):
        assert draw.select(seed, experts, more)[: len(members)] == members


# --- Records ---------------------------------------------------------------------------------------------


def make_record() -> dict:
    experts = pool(25, ("临床医学", "护理"))
    request = Request.make(11, 3, {"护理": 4})
    picks = draw.select("4721/9903/1586/", experts, request)
    return complete(
        {
            "algorithm": draw_inputs.ALGORITHM,
            "seed": "4721/9903/1586/",
            "params": request.as_dict(),
            "eligible": [c.entry() for c in experts],
            "eligible_count": len(experts),
            "pool_sha256": draw_inputs.pool_digest(experts),
            "picks": [p.as_dict() for p in picks],
            "drawers": DRAWERS,
            "supervisors": SUPERVISORS,
        }
    )


def test_a_record_verifies_and_any_edit_fails() -> None:
    record = make_record()
    assert draw_verify.verify_record(record).ok
    edits = {
        "picks": lambda r: r["picks"][0].update(id=r["picks"][-1]["id"] + 100, name="某人"),
        "seed": lambda r: r.update(seed="4721/9903/1587/"),
        "eligible": lambda r: r["eligible"][3].__setitem__(1, "改名"),
        "drawers": lambda r: r.update(drawers=["王明", "李华", "钱七"]),
    }
    for what, edit in edits.items():
        edited = copy.deepcopy(record)
        edit(edited)
        result = draw_verify.verify_record(edited)
        assert not result.ok, what
    edited = copy.deepcopy(record)
    edited["eligible"][3][1] = "改名"
    assert any("名单的哈希不符" in f for f in draw_verify.verify_record(edited).findings)
    edited = copy.deepcopy(record)
    edited["drawers"] = ["王明", "李华", "钱七"]
    assert any("记录指纹不符" in f for f in draw_verify.verify_record(edited).findings)


# --- In the store ----------------------------------------------------------------------------------------


@pytest.fixture
def recorded(store, expert_pool, draw_meeting):
    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 31)])
    meeting = draw_meeting()
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            alternates=3,
            specialties=["护理=3", "临床医学"],
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    )
    return meeting, outcome.record


def test_the_database_refuses_to_update_or_delete_a_draw(store, recorded, tmp_path) -> None:
    from qjtitle.store import APPEND_ONLY

    _, record = recorded
    free = next(
        p
        for p in record["picks"]
        if p["role"] == draw_inputs.MEMBER and p["slot"] == draw_inputs.FREE_SLOT
    )
    assert (
        draw_answers.confirm(store, record["draw"], free["id"], False, "出差").replacement
        is not None
    )
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(b"%PDF-1.4 signed sheet")
    draw_answers.sign(store, record["draw"], scan)
    for table in APPEND_ONLY["draw"][0]:
        with store.engine.begin() as conn:
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() > 0, table
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with (
                pytest.raises(IntegrityError, match="抽取记录只能追加"),
                store.engine.begin() as conn,
            ):
                conn.exec_driver_sql(statement)
    assert draw_record.verify_draw(store, record["draw"]).ok


def test_a_redraw_keeps_both_records(store, recorded) -> None:
    meeting, first = recorded
    with pytest.raises(InvalidValue, match="已有有效的抽取记录（第1号）"):
        draw_store.draw_experts(
            store,
            draw_store.DrawRequest(
                meeting, DRAWERS, SUPERVISORS, seed=["1", "2", "3"], drawn_on=date(2023, 11, 10)
            ),
        )
    with pytest.raises(InvalidValue, match="理由"):
        draw_store.draw_experts(
            store,
            draw_store.DrawRequest(
                meeting,
                DRAWERS,
                SUPERVISORS,
                seed=["1", "2", "3"],
                voids=1,
                drawn_on=date(2023, 11, 10),
            ),
        )
    second = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            alternates=3,
            specialties=["护理=3", "临床医学"],
            seed=["5555", "6666", "7777"],
            voids=1,
            void_reason="监督人员未到场",
            drawn_on=date(2023, 11, 10),
        ),
    ).record
    listed = draw_record.list_draws(store, meeting)
    assert [(d.draw, d.voided_by, d.voids) for d in listed] == [(1, 2, None), (2, None, 1)]
    assert second["void_reason"] == "监督人员未到场"
    assert draw_record.verify_draw(store, 1).ok and draw_record.verify_draw(store, 2).ok
    with pytest.raises(InvalidValue, match="已被第2号作废"):
        draw_answers.confirm(store, 1, first["picks"][0]["id"], True)


def test_a_stored_record_matches_its_export(store, recorded, tmp_path) -> None:
    _, record = recorded
    path = draw_record.export_draw(store, record["draw"], tmp_path / "draw.json")
    exported = draw_verify.load_record(path)
    assert (
        exported["record_sha256"] == record["record_sha256"] == draw_verify.record_digest(exported)
    )
    assert draw_verify.verify_record(exported).ok


# --- Record format 2 in the store (issue 25) ---------------------------------------------------------


def test_a_seed_with_an_invisible_or_look_alike_character_is_refused_and_nothing_drawn(
    store, expert_pool, draw_meeting
) -> None:
    expert_pool([expert_row(i) for i in range(1, 16)])
    meeting = draw_meeting()
    for typed, code in (("9903\u200b", "U+200B"), ("99½03", "U+2044"), ("99–03", "U+2013")):
        with pytest.raises(InvalidValue, match=re.escape(code) + ".*只能由数字"):
            draw_store.draw_experts(
                store,
                draw_store.DrawRequest(
                    meeting,
                    DRAWERS,
                    SUPERVISORS,
                    seed=["4721", typed, "1586"],
                    drawn_on=date(2023, 11, 10),
                ),
            )
    assert draw_record.list_draws(store, meeting) == []


def test_one_spelling_per_specialty_in_the_eligible_list(store, expert_pool, draw_meeting) -> None:
    """Spec §5: specialties with the same comparison key are one, spelt as the lowest id spells it,
    with or without --specialty, so that quotas, slots and replacements compare equal strings."""
    rows = [expert_row(i, 专业="ICU护理" if i % 2 else "icu 护理") for i in range(1, 16)]
    expert_pool(rows)
    meeting = draw_meeting()
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    )
    record = outcome.record
    assert {e[2] for e in record["eligible"]} == {"ICU护理"}
    assert draw_verify.verify_record(record).ok


def test_a_decline_without_a_fitting_alternate_leaves_the_seat_vacant(
    store, expert_pool, draw_meeting, tmp_path
) -> None:
    """Format 2: the draw stays valid, members_now shows the seat as null, both verifiers agree;
    the decliner cannot answer again; the same answer entered twice is recorded once."""
    from qjtitle import verify_record as standalone

    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 31)])
    meeting = draw_meeting()
    record = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            alternates=2,
            specialties=["护理=3", "临床医学"],
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    ).record
    assert record["format"] == draw_verify.FORMAT_2 and record["chain"] == draw_verify.CHAIN_DOMAIN
    nurses = {
        p["id"] for p in record["picks"] if p["role"] == "alternate" and p["specialty"] == "护理"
    }
    members = [p for p in record["picks"] if p["slot"] == "护理"]
    for member in members[: len(nurses)]:  # use up the nursing alternates first
        assert draw_answers.confirm(store, record["draw"], member["id"], False, "出差").replacement
    last = members[len(nurses)]
    answer = draw_answers.confirm(store, record["draw"], last["id"], False, "出差")
    assert answer.replacement is None and answer.vacant == last["position"]
    assert answer.outcome is draw_answers.Outcome.VACANT
    again = draw_answers.confirm(store, record["draw"], last["id"], False, "出差")
    assert again.outcome is draw_answers.Outcome.UNCHANGED and again.as_dict()["unchanged"]
    with pytest.raises(InvalidValue, match="空缺"):
        draw_answers.confirm(store, record["draw"], last["id"], True)
    data = draw_record.show_draw(store, record["draw"])
    assert sum(1 for a in data["answers"] if a["expert"] == last["id"]) == 1
    assert None not in draw_answers.unanswered_members(store, record["draw"])
    seat = next(m for m in data["members_now"] if m["position"] == last["position"])
    assert seat["id"] is None
    assert draw_verify.verify_record(data).ok
    assert standalone.verify(copy.deepcopy(data))[0]
    assert draw_record.verify_draw(store, record["draw"]).ok


def test_a_draw_recorded_before_spec_1_2_keeps_format_1(
    store, expert_pool, draw_meeting, monkeypatch
) -> None:
    """A stored draw keeps the format it was fingerprinted in: format 1 (20 fields, the decliner
    kept in members_now) still verifies, reported as format 1."""
    expert_pool([expert_row(i) for i in range(1, 16)])
    meeting = draw_meeting()
    monkeypatch.setattr(draw_store, "RECORD_FORMAT", 1)
    record = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    ).record
    assert record["format"] == draw_verify.FORMAT_1 and "chain" not in record
    member = record["picks"][0]
    assert draw_answers.confirm(store, record["draw"], member["id"], False, "出差").vacant == 1
    data = draw_record.show_draw(store, record["draw"])
    assert data["members_now"][0]["id"] == member["id"]  # format 1: no vacancy in members_now
    checked = draw_verify.verify_record(data)
    assert checked.ok and checked.findings[0].startswith("记录格式 1")


def test_an_expert_who_declined_is_never_drawn_again_for_the_meeting(store, recorded) -> None:
    """A redraw leaves out who declined in an earlier draw of the meeting, recorded as an
    exclusion with the reason; both draws still re-check against the pool."""
    meeting, first = recorded
    declined = [p["id"] for p in first["picks"][:3]]
    for eid in declined:
        draw_answers.confirm(store, first["draw"], eid, False, "出差")
    second = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            alternates=3,
            specialties=["护理=3", "临床医学"],
            seed=["4721", "9903", "1586"],
            voids=first["draw"],
            void_reason="谢绝者过多",
            drawn_on=date(2023, 11, 10),
        ),
    ).record
    assert sorted(second["exclusions"]["declined"]) == sorted(declined)
    assert not set(declined) & {p["id"] for p in second["picks"]}
    assert draw_record.verify_draw(store, first["draw"]).ok
    assert draw_record.verify_draw(store, second["draw"]).ok
