"""The supplementary draw (补抽, draw spec §13): a seat left vacant by a decline with no fitting
alternate is filled by a witnessed, seeded draw of that seat's slot, chained to the original record."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from qjtitle import verify_record as standalone
from qjtitle.cli._findings import say
from qjtitle.errors import InvalidValue
from qjtitle.experts import draw_answers, draw_record
from qjtitle.experts import drawing as draw_store
from qjtitle.findings import Step
from qjtitle.logic import draw_verify
from qjtitle.meeting import voting
from qjtitle.models import AuditEvent, DrawRecord
from qjtitle.store import audit
from tests.conftest import expert_row

pytestmark = pytest.mark.both_backends

DRAWERS = ["王明", "李华", "赵强"]
SUPERVISORS = ["陈静"]
FILL_SEED = ["3308", "7164", "2925"]


@pytest.fixture
def vacancy(store, expert_pool, draw_meeting):
    """A draw without alternates whose first nursing member declined: that seat is vacant."""
    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 31)])
    meeting = draw_meeting()
    record = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            specialties=["护理=3", "临床医学"],
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    ).record
    nurse = next(p for p in record["picks"] if p["slot"] == "护理")
    answer = draw_answers.confirm(store, record["draw"], nurse["id"], False, "出差")
    assert answer.vacant == nurse["position"] and answer.warning is not None
    assert answer.warning.fix is not None and answer.warning.fix.step is Step.FILL_DRAW
    assert "--fill" in say(answer.warning)
    return meeting, record, nurse


def fill(store, meeting: int, seed: list[str] = FILL_SEED) -> dict:
    return draw_store.fill_vacancies(
        store,
        draw_store.DrawRequest(
            meeting, DRAWERS, SUPERVISORS, seed=seed, drawn_on=date(2023, 11, 10)
        ),
    ).record


def test_a_vacant_seat_is_filled_answered_and_seated(store, vacancy) -> None:
    """Decline with no fitting alternate → vacancy → --fill → confirm: the panel and the attendance
    take the new member; the original stays the standing draw; the store's checks all agree."""
    meeting, original, nurse = vacancy
    filled = fill(store, meeting)
    assert filled["fills"] == {
        "draw": original["draw"],
        "record_sha256": original["record_sha256"],
        "seats": [nurse["position"]],
    }
    (pick,) = filled["picks"]
    assert pick["slot"] == "护理" and pick["specialty"] == "护理"
    drawn = {p["id"] for p in original["picks"]}
    assert pick["id"] not in drawn
    assert sorted(filled["exclusions"]["drawn"]) == sorted(drawn - {nurse["id"]})
    assert filled["exclusions"]["declined"] == [nurse["id"]]
    assert not {e[0] for e in filled["eligible"]} & drawn
    assert filled["members_now"] == [{"position": nurse["position"], "id": pick["id"]}]

    draw_answers.confirm(store, filled["draw"], pick["id"], True)
    with store.transaction() as session:
        panel = draw_answers.current_panel(session, meeting)
        assert panel is not None
        seat = next(m for m in panel if m.position == nurse["position"] and m.accepted)
        assert seat.expert.id == pick["id"]
        assert any(m.expert.id == nurse["id"] and m.accepted is False for m in panel)
        assert [r.id for r in draw_record.standing_chain(session, meeting)] == [
            original["draw"],
            filled["draw"],
        ]
    attended = voting.attend(store, meeting, present=[str(pick["id"])])
    assert attended is not None
    with pytest.raises(InvalidValue, match="谢绝|不是"):
        voting.attend(store, meeting, present=[str(nurse["id"])])

    assert draw_record.verify_draw(store, original["draw"]).ok
    check = draw_record.verify_draw(store, filled["draw"])
    assert check.ok, check.as_dict()
    summaries = draw_record.list_draws(store, meeting)
    assert [s.fills for s in summaries] == [None, original["draw"]]
    with store.transaction() as session:
        log = audit.check(session)
        assert log.broken_id is None, log.message
        events = [e.action for e in session.exec(select(AuditEvent))]
    assert "draw.filled" in events


def test_no_vacancy_no_fill_and_a_fill_is_not_a_second_first_draw(store, vacancy) -> None:
    meeting, original, _ = vacancy
    filled = fill(store, meeting)
    with pytest.raises(InvalidValue, match="没有空缺"):
        fill(store, meeting)
    with pytest.raises(InvalidValue, match="已有有效的抽取记录"):  # still one standing draw
        draw_store.draw_experts(
            store,
            draw_store.DrawRequest(
                meeting, DRAWERS, SUPERVISORS, seed=FILL_SEED, drawn_on=date(2023, 11, 10)
            ),
        )
    with pytest.raises(InvalidValue, match="补抽记录，不能单独作废"):
        draw_store.draw_experts(
            store,
            draw_store.DrawRequest(
                meeting,
                DRAWERS,
                SUPERVISORS,
                seed=FILL_SEED,
                voids=filled["draw"],
                void_reason="试",
                drawn_on=date(2023, 11, 10),
            ),
        )
    # the database's own index still allows one first draw: a row that neither voids nor fills
    with pytest.raises(IntegrityError), store.transaction() as session:
        row = session.get(DrawRecord, original["draw"])
        assert row is not None
        session.add(
            DrawRecord(
                **{
                    k: v
                    for k, v in row.model_dump().items()
                    if k not in ("id", "fills_id", "voids_id")
                }
            )
        )
        session.flush()


def test_a_declined_fill_leaves_the_seat_vacant_again_and_a_second_fill_chains_on(
    store, vacancy
) -> None:
    meeting, original, nurse = vacancy
    first = fill(store, meeting)
    answer = draw_answers.confirm(store, first["draw"], first["picks"][0]["id"], False, "生病")
    assert answer.vacant == nurse["position"]
    second = fill(store, meeting, ["1111", "2222", "3333"])
    assert second["fills"]["draw"] == first["draw"]
    assert second["fills"]["record_sha256"] == first["record_sha256"]
    assert first["picks"][0]["id"] in second["exclusions"]["declined"]
    records = [draw_record.show_draw(store, d["draw"]) for d in (original, first, second)]
    assert draw_verify.chain_problems(records) == []
    assert standalone.chain(copy.deepcopy(records)) == []
    assert draw_record.verify_draw(store, second["draw"]).ok


def export(store, draw_id: int, tmp_path) -> dict:
    path = draw_record.export_draw(store, draw_id, tmp_path / f"{draw_id}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def verdicts(records: list[dict]) -> tuple[bool, bool]:
    """(verify-draw --record, qjtitle-verify) on the chain: each record and the links."""
    ours = all(draw_verify.verify_record(r).ok for r in records) and not draw_verify.chain_problems(
        records
    )
    theirs = all(standalone.verify(copy.deepcopy(r))[0] for r in records) and not standalone.chain(
        copy.deepcopy(records)
    )
    return ours, theirs


def test_both_verifiers_accept_the_chain_and_refuse_a_tampered_fill(
    store, vacancy, tmp_path, cli
) -> None:
    meeting, original, _ = vacancy
    filled = fill(store, meeting)
    draw_answers.confirm(store, filled["draw"], filled["picks"][0]["id"], True)
    a, b = export(store, original["draw"], tmp_path), export(store, filled["draw"], tmp_path)
    assert verdicts([a, b]) == (True, True)
    fa, fb = tmp_path / f"{original['draw']}.json", tmp_path / f"{filled['draw']}.json"
    assert standalone.main([str(fa), str(fb)]) == 0
    result = cli("verify-draw", "--record", str(fa), "--record", str(fb), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["chain_ok"] is True

    other = next(
        e for e in b["eligible"] if e[2] == "护理" and e[0] != b["picks"][0]["id"]
    )  # an eligible nurse who was not picked
    changed = copy.deepcopy(b)
    changed["picks"][0].update(id=other[0], name=other[1], unit=other[3])
    assert verdicts([a, changed]) == (False, False)  # the fingerprint
    draw_verify_settle(changed)
    assert verdicts([a, changed]) == (False, False)  # the pick, recomputed from the seed

    broken = copy.deepcopy(b)
    broken["fills"]["record_sha256"] = "0" * 64
    assert verdicts([a, broken]) == (False, False)
    draw_verify_settle(broken)  # the forger recomputes the fingerprint: the link still fails
    assert draw_verify.verify_record(broken).ok and standalone.verify(copy.deepcopy(broken))[0]
    assert verdicts([a, broken]) == (False, False)
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    assert standalone.main([str(fa), str(bad)]) == 1
    assert cli("verify-draw", "--record", str(fa), "--record", str(bad)).exit_code == 1

    moved = copy.deepcopy(b)  # the fill claims a seat that was not vacant
    taken = next(m["position"] for m in a["members_now"] if m["id"] is not None)
    moved["fills"]["seats"] = [taken]
    moved["members_now"] = [{"position": taken, "id": moved["picks"][0]["id"]}]
    draw_verify_settle(moved)
    assert verdicts([a, moved]) == (False, False)

    gone = copy.deepcopy(b)  # passed off as an ordinary draw: the fingerprint covers "fills"
    del gone["fills"]
    assert verdicts([gone]) == (False, False)


def draw_verify_settle(record: dict) -> None:
    record["record_sha256"] = draw_verify.record_digest(record)
    record["chain_sha256"] = draw_verify.chain_digest(record)


def test_the_cli_fills_and_lists_the_fill(store, vacancy, cli) -> None:
    meeting, original, nurse = vacancy
    refused = cli("draw-experts", str(meeting), "--fill", "--alternates", "1")
    assert refused.exit_code != 0 and "--alternates" in refused.output
    args = ["draw-experts", str(meeting), "--fill", "--date", "2023-11-10"]
    for name in DRAWERS:
        args += ["--drawer", name]
    args += ["--supervisor", SUPERVISORS[0]]
    for part in FILL_SEED:
        args += ["--seed", part]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert "补抽" in result.stdout and f"第{nurse['position']}位" in result.stdout
    listed = cli("draw", "list", "--meeting", str(meeting), "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["fills"] for r in rows] == [None, original["draw"]]
    assert cli("verify-draw", str(rows[-1]["draw"])).exit_code == 0
    shown = cli("draw", "show", str(rows[-1]["draw"]))
    assert shown.exit_code == 0 and f"补第{nurse['position']}位委员" in shown.stdout
    assert "补抽，接在第" in cli("draw", "list", "--meeting", str(meeting)).stdout


def test_the_fill_has_its_record_document(store, vacancy, tmp_path) -> None:
    """Every attempt is a document of the filing: the fill's 抽取记录表 says which seat it fills, after which record."""
    from tests.conftest import docx_text

    meeting, original, nurse = vacancy
    filled = fill(store, meeting)
    out = draw_record.render_document(store, filled["draw"], tmp_path / "fill.docx")
    text = docx_text(out)
    assert f"本次为补抽：补第{nurse['position']}位委员" in text
    assert f"接在第{original['draw']}号抽取记录之后" in text
    assert filled["picks"][0]["name"] in text
    assert "已被本次评审抽中（补抽时）" in text
    plain = docx_text(draw_record.render_document(store, original["draw"], tmp_path / "o.docx"))
    assert "补抽" not in plain  # an ordinary draw lists no fill-only exclusion rows


def test_the_filing_lists_the_fill_and_keeps_the_original_standing(store, vacancy) -> None:
    """filing/gather's draw lookup: every attempt listed, the fill among them, the original the standing draw."""
    from qjtitle.filing.gather import PRE, FilingOptions, gather
    from qjtitle.filing.premeeting import PreMeeting

    meeting, original, nurse = vacancy
    filled = fill(store, meeting)
    data = gather(store, meeting, PRE, today=date(2023, 11, 14))
    assert [d["draw"] for d in data.draws] == [original["draw"], filled["draw"]]
    assert data.standing_draw is not None and data.standing_draw["draw"] == original["draw"]
    assert filled["picks"][0]["id"] in data.experts
    pre = PreMeeting(data, FilingOptions())
    status = pre._draw_summary(data.draws[-1])["status"]
    assert status == f"补抽第{nurse['position']}位委员，接在第{original['draw']}号记录之后"
    assert pre._draw_summary(data.draws[0])["status"] == ""


def test_under_a_unit_cap_the_fill_keeps_the_panel_within_it(
    store, expert_pool, draw_meeting
) -> None:
    """Units at the cap among the seated members are left out (``unit_full``), the fill takes one
    expert per unit; a fill record claiming another cap fails the chain in both verifiers."""
    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 43)])
    meeting = draw_meeting()
    original = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            specialties=["护理=3", "临床医学"],
            unit_cap=2,
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    ).record
    nurse = next(p for p in original["picks"] if p["slot"] == "护理")
    draw_answers.confirm(store, original["draw"], nurse["id"], False, "出差")
    filled = fill(store, meeting)
    units = [p["unit"] for p in original["picks"] if p["id"] != nurse["id"]]
    full = {u for u in units if units.count(u) >= 2}
    assert full and filled["params"]["unit_cap"] == 1
    assert filled["exclusions"]["unit_full"]
    assert not {e[3] for e in filled["eligible"]} & full
    assert filled["picks"][0]["unit"] not in full
    records = [draw_record.show_draw(store, d["draw"]) for d in (original, filled)]
    assert verdicts(records) == (True, True)
    loose = copy.deepcopy(records[1])
    loose["params"]["unit_cap"] = 2
    draw_verify_settle(loose)
    assert draw_verify.verify_record(loose).ok  # the record alone still recomputes
    assert verdicts([records[0], loose]) == (False, False)
