"""The stand-alone verifier (qjtitle/verify_record.py) against verify-draw --record: same verdicts.

Many generated draws (pools, quotas, unit caps, alternates, answers and replacements) are
exported as records; both verifiers re-check each record as is and after a tampering, and
must agree. The tamperings: a flipped pick, a forged replacement (an expert never drawn put
into members_now with a matching replacements entry), a changed pool, a changed seed, each
also with the digests recomputed by a forger who knows the specification."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qjtitle import verify_record as standalone
from qjtitle.errors import InvalidValue
from qjtitle.experts import draw_answers, draw_record
from qjtitle.experts import drawing as draw_store
from qjtitle.logic import draw, draw_inputs, draw_verify
from qjtitle.logic.draw_inputs import Candidate, Request
from tests.conftest import examples, expert_row

SPECIALTIES = ("临床医学", "护理", "药学")
ROOT = Path(__file__).resolve().parents[1]


FILLER = {
    "draw": 1,
    "committee": {"code": "QJ-WS-ZJ", "name": "曲靖市卫生系列中级职称评审委员会", "level": "中级"},
    "meeting": {"id": 1, "date": "2023-11-20", "end_date": None, "place": "", "size": 11},
    "drawn_on": "2023-11-10",
    "recorded_at": "2023-11-10T02:30:00Z",
    "place": "",
    "seed_source": "drawers",
    "exclusions": {},
    "drawers": ["王明", "李华", "赵强"],
    "supervisors": ["陈静"],
    "late_reason": "",
    "voids": None,
    "void_reason": "",
    "warnings": [],
    "voided_by": None,
    "answers": [],
    "replacements": [],
    "signatures": [],
}


def complete(record: dict) -> dict:
    """A format-2 record from its draw fields (seed, params, eligible, picks …): the other fields
    filled in as an export has them, members_now replayed, both digests computed."""
    out = {**copy.deepcopy(FILLER), **record}
    out |= {"format": draw_verify.FORMAT_2, "chain": draw_verify.CHAIN_DOMAIN}
    out["params"] = {"specialties": [], "same_unit_recusal": True, **out["params"]}
    if "members_now" not in record:
        seats = draw_verify.replay(out["picks"], out["params"]["quotas"], out["answers"]).seats
        out["members_now"] = draw_verify.members_now(seats)
    return settle(out)


def both(record: dict) -> tuple[bool, bool]:
    """(verify-draw --record's verdict, the stand-alone verifier's verdict); their picks agree too."""
    ours = draw_verify.verify_record(record)
    ok, findings, picks = standalone.verify(copy.deepcopy(record))
    assert findings, "the stand-alone verifier gives its reasons"
    if ours.recomputed and picks:
        assert ours.recomputed == picks
    return ours.ok, ok


def settle(record: dict) -> dict:
    """What a forger who read the specification does after an edit: recompute both digests."""
    record["record_sha256"] = draw_verify.record_digest(record)
    record["chain_sha256"] = draw_verify.chain_digest(record)
    return record


def after_the_draw(record: dict, answers: list[tuple[int, bool]]) -> dict:
    """Answers recorded as ``draw confirm`` would, with the replacements its rule gives (written
    here from the spec's words, not with draw_verify.replay) and the seats left vacant."""
    picks = record["picks"]
    fixed = set(record["params"]["quotas"])
    seats = {p["position"]: p["id"] for p in picks if p["role"] == draw_inputs.MEMBER}
    slots = {p["position"]: p["slot"] for p in picks}
    replaced: set[int] = set()
    used: set[int] = set()
    latest: dict[int, bool] = {}
    record["answers"], record["replacements"] = [], []
    for index, accepted in answers:
        expert = picks[index % len(picks)]["id"]
        if expert in replaced:
            continue  # confirm refuses: who left a seat (replaced, or vacant) answers no more
        latest[expert] = accepted
        record["answers"].append(
            {
                "expert": expert,
                "accepted": accepted,
                "reason": "" if accepted else "出差",
                "answered_on": "2023-11-13",
                "recorded_at": "2023-11-13T01:00:00Z",
            }
        )
        seat = next((pos for pos, held in seats.items() if held == expert), None)
        if accepted or seat is None:
            continue
        seats[seat] = None  # vacant (format 2) unless an alternate fits
        replaced.add(expert)
        for p in picks:
            if (
                p["role"] != draw_inputs.ALTERNATE
                or p["id"] in used
                or p["id"] == expert
                or latest.get(p["id"]) is False
            ):
                continue
            if (p["specialty"] == slots[seat]) if slots[seat] else (p["specialty"] not in fixed):
                record["replacements"].append(
                    {
                        "member_position": seat,
                        "out": expert,
                        "in": p["id"],
                        "alternate_position": p["position"],
                        "reason": "谢绝：出差",
                        "recorded_at": "2023-11-13T01:00:00Z",
                    }
                )
                seats[seat] = p["id"]
                used.add(p["id"])
                break
    record["members_now"] = [{"position": pos, "id": held} for pos, held in sorted(seats.items())]
    record["signatures"] = [
        {
            "signers": record["drawers"] + record["supervisors"],
            "signed_on": "2023-11-10",
            "scan": "签字.pdf",
            "scan_sha256": "0" * 64,
            "recorded_at": "2023-11-10T08:00:00Z",
        }
    ]
    return record


@st.composite
def records(draw_) -> dict:
    n = draw_(st.integers(3, 16))
    ids_ = draw_(st.lists(st.integers(1, 400), min_size=n, max_size=n, unique=True))
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
        members,
        draw_(st.integers(0, 4)),
        quotas,
        draw_(st.none() | st.integers(1, 3)),
        draw_(st.dictionaries(st.sampled_from(SPECIALTIES), st.integers(1, 2), max_size=2)),
    )
    assume(not draw.feasibility_problems(experts, request))
    seed = draw_inputs.canonical_seed(
        draw_(st.lists(st.text("0123456789ab", min_size=1, max_size=5), min_size=1, max_size=3))
    )
    picks = draw.select(seed, experts, request)
    record = complete(
        {
            "algorithm": draw_inputs.ALGORITHM,
            "seed": seed,
            "params": request.as_dict(),
            "eligible": [c.entry() for c in sorted(experts, key=lambda c: c.id)],
            "eligible_count": len(experts),
            "pool_sha256": draw_inputs.pool_digest(experts),
            "picks": [p.as_dict() for p in picks],
        }
    )
    answers = draw_(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=8))
    return settle(after_the_draw(record, answers))


def tamperings(record: dict, choice: int) -> list[tuple[str, dict]]:
    out = []
    flipped = copy.deepcopy(record)
    others = [e for e in flipped["eligible"] if e[0] != flipped["picks"][0]["id"]]
    if others:
        other = others[choice % len(others)]
        flipped["picks"][0].update(id=other[0], name=other[1])
        out.append(("flip a pick", flipped))
    drawn = {p["id"] for p in record["picks"]}
    never = [e for e in record["eligible"] if e[0] not in drawn]
    if never:
        forged = copy.deepcopy(record)
        stranger = never[choice % len(never)]
        seat = forged["members_now"][choice % len(forged["members_now"])]
        forged["replacements"].append(
            {
                "member_position": seat["position"],
                "out": seat["id"],
                "in": stranger[0],
                "alternate_position": len(forged["picks"]),
                "reason": "谢绝：出差",
                "recorded_at": "2023-11-14T01:00:00Z",
            }
        )
        forged["answers"].append(
            {
                "expert": seat["id"],
                "accepted": False,
                "reason": "出差",
                "answered_on": "2023-11-14",
                "recorded_at": "2023-11-14T01:00:00Z",
            }
        )
        seat["id"] = stranger[0]
        out.append(("forge a replacement", forged))
    pool = copy.deepcopy(record)
    pool["eligible"][choice % len(pool["eligible"])][1] = "改名"
    out.append(("change the pool", pool))
    seeded = copy.deepcopy(record)
    seeded["seed"] = record["seed"] + "7/"
    out.append(("change the seed", seeded))
    # issue 25: every field of a pick, the replay, the format, strict values, vacancies, seeds
    pick = record["picks"][choice % len(record["picks"])]
    for field_ in ("unit", "specialty"):
        falsified = copy.deepcopy(record)
        falsified["picks"][choice % len(record["picks"])][field_] = pick[field_] + "X"
        out.append((f"falsify a pick's {field_}", falsified))
    if record["replacements"]:
        late = copy.deepcopy(record)
        late["answers"].append(
            {
                **record["answers"][-1],
                "expert": record["replacements"][0]["out"],
                "accepted": True,
                "reason": "",
            }
        )
        out.append(("an answer from a replaced expert", late))
    vacant = [m for m in record["members_now"] if m["id"] is None]
    if vacant:
        kept = copy.deepcopy(record)
        decliner = next(p["id"] for p in record["picks"] if p["position"] == vacant[0]["position"])
        next(m for m in kept["members_now"] if m["id"] is None)["id"] = decliner
        out.append(("the decliner kept in a vacant seat", kept))
    chainless = copy.deepcopy(record)
    del chainless["chain_sha256"]
    out.append(("drop the chain", chainless))
    extra = copy.deepcopy(record)
    extra["note"] = "未被哈希覆盖的字段"
    out.append(("an unknown top-level field", extra))
    for value in (True, 0, -1, "1"):
        capped = copy.deepcopy(record)
        capped["params"]["unit_cap"] = value
        out.append((f"unit_cap {value!r}", capped))
    typed = copy.deepcopy(record)
    typed["params"]["members"] = str(typed["params"]["members"])
    out.append(("members as text", typed))
    flagged = copy.deepcopy(record)
    flagged["picks"][0]["id"] = (
        True if flagged["picks"][0]["id"] == 1 else flagged["picks"][0]["id"]
    )
    flagged["eligible"][0][0] = True if flagged["eligible"][0][0] == 1 else 0
    out.append(("a boolean for an id", flagged))
    hidden = copy.deepcopy(record)
    hidden["seed"] = record["seed"][:-1] + "\u200b/"
    out.append(("a zero-width space in the seed", hidden))
    twin = copy.deepcopy(record)
    twin["eligible"][choice % len(twin["eligible"])][2] = (
        " " + twin["eligible"][choice % len(twin["eligible"])][2]
    )
    if any(
        e[2] == twin["eligible"][choice % len(twin["eligible"])][2].strip()
        for e in twin["eligible"]
    ):
        out.append(("one specialty spelled two ways", twin))
    return out + [
        (f"{what}, digests recomputed", settle(copy.deepcopy(r)))
        for what, r in out
        if what != "drop the chain"  # recomputing puts it back (the downgrade has its own test)
    ]


@settings(
    max_examples=examples(50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(records(), st.integers(0, 1000))
def test_both_verifiers_agree_on_generated_and_tampered_records(record, choice) -> None:
    assert both(record) == (True, True)
    for what, tampered in tamperings(record, choice):
        ours, theirs = both(tampered)
        assert ours == theirs, what
        if not what.startswith("change the seed,"):  # a new seed may by chance give the same picks
            assert ours is False, what


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.integers(0, 1000))
def test_the_standalone_replay_agrees_with_next_alternate(record, choice) -> None:
    """One home for the alternate rule: ``draw_verify.next_alternate`` (used by ``draw confirm`` and
    by the re-check). The stand-alone verifier keeps its own copy on purpose; on generated answers
    both give the replacements written from the spec's words, and both refuse another alternate."""
    picks, quotas = record["picks"], record["params"]["quotas"]
    ours = draw_verify.replay(picks, quotas, record["answers"])
    keys = ("member_position", "out", "in", "alternate_position")
    assert ours.replacements == [{k: r[k] for k in keys} for r in record["replacements"]]
    assert standalone.replay(copy.deepcopy(record), copy.deepcopy(picks)) == []
    alternates = [p for p in picks if p["role"] == draw_inputs.ALTERNATE]
    for n, replacement in enumerate(ours.replacements):
        # the rule's choice, given the answers up to the decline and the alternates used before it
        answers = record["answers"]
        upto = next(
            i
            for i, a in enumerate(answers)
            if a["expert"] == replacement["out"]
            and not a["accepted"]
            and len(draw_verify.replay(picks, quotas, answers[: i + 1]).replacements) == n + 1
        )
        before = draw_verify.replay(picks, quotas, answers[:upto])
        slot = next(
            p["slot"]
            for p in picks
            if p["role"] == draw_inputs.MEMBER and p["position"] == replacement["member_position"]
        )
        chosen = draw_verify.next_alternate(
            alternates,
            slot,
            quotas,
            replacement["out"],
            before.used,
            {**before.latest, replacement["out"]: False},
        )
        assert chosen is not None and chosen["id"] == replacement["in"]
    if not record["replacements"]:
        return
    n = choice % len(record["replacements"])
    other = [a for a in alternates if a["id"] != record["replacements"][n]["in"]]
    if not other:
        return
    forged = copy.deepcopy(record)
    swap = other[choice % len(other)]
    forged["replacements"][n] |= {"in": swap["id"], "alternate_position": swap["position"]}
    assert draw_verify.check_later(forged) != []
    assert standalone.replay(copy.deepcopy(forged), copy.deepcopy(forged["picks"])) != []


def test_a_format_2_record_cannot_pass_as_format_1() -> None:
    """Dropping the chain and calling the record format 1 changes its fingerprint, the one on the
    signed sheet: without recomputing, both verifiers refuse; recomputed, it is another record."""
    v = _stored_like()
    signed = v["record_sha256"]
    down = copy.deepcopy(v)
    down["format"] = draw_verify.FORMAT_1
    del down["chain_sha256"], down["chain"]
    assert both(down) == (False, False)
    down["record_sha256"] = draw_verify.record_digest(down)
    assert down["record_sha256"] != signed
    ours = draw_verify.verify_record(down)
    assert ours.findings[0].startswith("记录格式 1")  # reported as format 1, never as 2


def _stored_like() -> dict:
    experts = [Candidate(i, f"专家{i}", SPECIALTIES[i % 2], "甲乙丙"[i % 3]) for i in range(1, 13)]
    request = Request.make(3, 2, {"护理": 1}, None)
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
        }
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('"seed": "0000/", "seed": "4721/9903/1586/"', "出现了两次"),
        ('"eligible_count": 12.0', "不是整数"),
        ('"eligible_count": NaN', "不是整数"),
    ],
)
def test_strict_parsing_refuses_in_both_verifiers(tmp_path, cli, text, why) -> None:
    record = _stored_like()
    key = text.split('"')[1]
    body = json.dumps({k: v for k, v in record.items() if k != key}, ensure_ascii=False)
    path = tmp_path / "record.json"
    path.write_text(body[:-1] + ", " + text + "}", encoding="utf-8")
    theirs = run_standalone(path)
    assert theirs.returncode == 1 and why in theirs.stderr and "§2" in theirs.stderr
    ours = cli("verify-draw", "--record", str(path))
    assert ours.exit_code == 1 and why in ours.output


def test_the_standalone_verifier_imports_only_the_standard_library() -> None:
    source = (ROOT / "qjtitle" / "verify_record.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def run_standalone(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "qjtitle" / "verify_record.py"), str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


@pytest.mark.both_backends
def test_a_stored_draw_exported_with_answers_is_checked_alike_and_a_forgery_fails(
    store, expert_pool, draw_meeting, cli, tmp_path
) -> None:
    """The store's export (answers, a replacement, a signature): both verifiers say 一致; a forged
    replacement of a never-drawn expert fails both, with the same 结论 line and exit code 1."""
    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 31)])
    meeting = draw_meeting()
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            ["王明", "李华", "赵强"],
            ["陈静"],
            alternates=3,
            specialties=["护理=3", "临床医学"],
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    )
    record = outcome.record
    member = next(
        p
        for p in record["picks"]
        if p["role"] == draw_inputs.MEMBER and p["slot"] == draw_inputs.FREE_SLOT
    )
    declined = draw_answers.confirm(store, record["draw"], member["id"], False, "出差")
    assert declined.replacement is not None
    scan = tmp_path / "签字.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    signed = draw_answers.sign(store, record["draw"], scan)
    exported = draw_record.export_draw(store, record["draw"], tmp_path / "第1号抽取记录.json")
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["chain_sha256"] == draw_verify.chain_digest(data) and len(data["replacements"]) == 1
    # each answer and signature leaves the chain's head in the audit log; the last one is the export's
    assert data["chain_sha256"] == signed["chain_sha256"] != declined.chain_sha256
    good = run_standalone(exported)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "结论：抽取结果可复核，一致" in good.stdout
    assert draw_verify.verify_record(data).ok

    drawn = {p["id"] for p in data["picks"]}
    stranger = next(e for e in data["eligible"] if e[0] not in drawn)
    seat = data["members_now"][0]
    data["replacements"].append(
        {
            "member_position": seat["position"],
            "out": seat["id"],
            "in": stranger[0],
            "alternate_position": data["picks"][-1]["position"],
            "reason": "谢绝：出差",
            "recorded_at": data["replacements"][0]["recorded_at"],
        }
    )
    seat["id"] = stranger[0]
    for name, forged in (
        ("forged.json", data),
        ("forged-rehashed.json", settle(copy.deepcopy(data))),
    ):
        path = tmp_path / name
        path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
        ours = cli("verify-draw", "--record", str(path))
        theirs = run_standalone(path)
        assert ours.exit_code == theirs.returncode == 1, ours.output + theirs.stdout
        assert "结论：不一致，见上" in ours.output and "结论：不一致，见上" in theirs.stdout
        assert "没有对应的谢绝答复" in ours.output and "没有对应的谢绝答复" in theirs.stdout
    assert (
        "后续事项的链哈希不符"
        in cli("verify-draw", "--record", str(tmp_path / "forged.json")).output
    )


def test_an_old_record_without_the_chain_still_verifies_with_a_note() -> None:
    record = json.loads(
        (ROOT / "tests" / "data" / "draw_record_v1_no_chain.json").read_text(encoding="utf-8")
    )
    assert "chain_sha256" not in record and record["replacements"]
    ours = draw_verify.verify_record(record)
    ok, findings, _ = standalone.verify(record)
    assert ours.ok and ok
    assert any("没有后续事项的链哈希" in f for f in ours.findings)
    assert any("没有后续事项的链哈希" in f for f in findings)


def test_the_standalone_command_refuses_what_is_not_a_record(tmp_path) -> None:
    path = tmp_path / "其他.json"
    path.write_text('{"format": "something-else"}', encoding="utf-8")
    result = run_standalone(path)
    assert result.returncode == 1 and "不是 qjtitle 导出的抽取记录" in result.stderr
    assert run_standalone(tmp_path / "没有.json").returncode == 1


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.integers(0, 1000), st.sampled_from(["duplicate", "fraction", "boolean"]))
def test_both_verifiers_refuse_what_strict_reading_forbids(record, choice, how) -> None:
    """A key twice (the first a forged value), a fraction where an integer is meant, or a boolean
    for a count: both verifiers refuse, citing the specification's section (§2, §12)."""
    import tempfile

    text = draw_inputs.canonical_json(record)
    count = f'"eligible_count":{record["eligible_count"]}'
    if how == "duplicate":
        key = sorted(record)[choice % len(record)]
        text = "{" + json.dumps(key, ensure_ascii=False) + ':"forged",' + text[1:]
    elif how == "fraction":
        text = text.replace(count, count + ".0", 1)
    else:
        text = text.replace(count, '"eligible_count":true', 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "record.json"
        path.write_text(text, encoding="utf-8")
        if how == "boolean":  # read, then found not to be a count
            ours = draw_verify.verify_record(draw_verify.load_record(path))
            ok, findings, _ = standalone.verify(standalone.load(path))
            assert not ours.ok and not ok
            assert any("§12" in f for f in ours.findings) and any("§12" in f for f in findings)
            return
        with pytest.raises(InvalidValue, match="§2"):
            draw_verify.load_record(path)
        with pytest.raises(SystemExit, match="§2"):
            standalone.load(path)
