"""docs/draw-spec.md cannot drift from the code: every test vector in it is parsed and checked
against qjtitle.logic.draw (the implementation qjtitle uses) and qjtitle.verify_record (the stand-alone
verifier written from the specification)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from qjtitle import verify_record as standalone
from qjtitle.errors import InvalidValue
from qjtitle.logic import draw, draw_inputs, draw_verify
from qjtitle.logic.draw_inputs import Candidate, Request

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "docs" / "draw-spec.md").read_text(encoding="utf-8")
BLOCKS = [
    json.loads(b) for b in re.findall(r"^```json\n(.*?)^```$", SPEC, re.DOTALL | re.MULTILINE)
]
COMMON = next(b["common_record_fields"] for b in BLOCKS if "common_record_fields" in b)
VECTORS = {b["vector"]: b for b in BLOCKS if "vector" in b}
DRAWS = [v for v in VECTORS.values() if "eligible" in v]


def section(number: str) -> str:
    return SPEC.split(f"\n## {number}. ", 1)[1].split("\n## ", 1)[0]


def test_the_spec_has_the_vectors_the_issue_asks_for() -> None:
    assert len(DRAWS) >= 6
    assert any(v["params"]["unit_cap"] is not None and "without_lookahead" in v for v in DRAWS)
    assert any(len(v.get("replacements", [])) >= 2 for v in DRAWS)
    assert any(v["params"]["quotas"] and v["params"]["alternates"] for v in DRAWS)
    assert "r1-rejection" in VECTORS


def record_of(v: dict, fmt: int = 2) -> dict:
    """The record of a vector, assembled as section 13 says (format 2; or as format 1 was)."""
    if "base" in v:  # a vector of what came later, on another vector's draw
        later = {k: value for k, value in v.items() if k != "base"}
        return record_of(
            {**VECTORS[v["base"]], **later, "signatures": v.get("signatures", [])}, fmt
        )
    entries = {e[0]: e for e in v["eligible"]}
    picks = [
        {
            "position": pos,
            "role": role,
            "slot": slot,
            "id": eid,
            "name": entries[eid][1],
            "specialty": entries[eid][2],
            "unit": entries[eid][3],
        }
        for pos, role, slot, eid in v["picks"]
    ]
    common = dict(COMMON)
    if fmt == 1:
        common["format"] = draw_verify.FORMAT_1
        del common["chain"]
    record = {
        **common,
        "seed": v["seed"],
        "params": v["params"],
        "eligible": v["eligible"],
        "eligible_count": len(v["eligible"]),
        "pool_sha256": v["pool_sha256"],
        "picks": picks,
    }
    record["record_sha256"] = v["record_sha256"] if fmt == 2 else v["format1"]["record_sha256"]
    record |= {
        "answers": v.get("answers", []),
        "replacements": v.get("replacements", []),
        "signatures": v.get("signatures", []),
        "members_now": v["members_now"],
    }
    record["chain_sha256"] = v["chain_sha256"] if fmt == 2 else v["format1"]["chain_sha256"]
    return record


@pytest.mark.parametrize("v", DRAWS, ids=lambda v: v["vector"])
def test_each_draw_vector_holds_in_both_implementations(v: dict) -> None:
    if "seed_parts" in v:
        assert draw_inputs.canonical_seed(v["seed_parts"]) == v["seed"]
    stream, theirs = draw.RandomStream(v["seed"]), standalone.Stream(v["seed"])
    for block in v["first_blocks"]:
        assert format(stream.next_block(), "064x") == block == format(theirs.block(), "064x")
    candidates = [Candidate.from_entry(e) for e in v["eligible"]]
    assert draw_inputs.pool_digest(candidates) == v["pool_sha256"]
    picks = draw.select(v["seed"], candidates, Request.from_dict(v["params"]))
    assert [[p.position, p.role, p.slot, p.candidate.id] for p in picks] == v["picks"]
    trace: list[dict] = []
    again = standalone.draw(v["seed"], v["eligible"], v["params"], trace)
    assert again == [p.as_dict() for p in picks]
    assert trace == v["slots"]
    for slot in trace:  # each index is the accepted block of its counter, below n
        block = (
            int(v["first_blocks"][slot["counter"]], 16)
            if slot["counter"] < len(v["first_blocks"])
            else None
        )
        if block is not None:
            assert block % slot["n"] == slot["index"]
    record = record_of(v)
    assert draw_verify.record_digest(record) == v["record_sha256"]
    assert draw_verify.chain_digest(record) == v["chain_sha256"]
    checked = draw_verify.verify_record(record)
    assert checked.ok, checked.findings
    ok, findings, _ = standalone.verify(record)
    assert ok, findings
    if (
        "format1" in v
    ):  # the same draw recorded before spec 1.2 still verifies, reported as format 1
        old = record_of(v, fmt=1)
        assert draw_verify.record_digest(old) == v["format1"]["record_sha256"]
        assert draw_verify.chain_digest(old) == v["format1"]["chain_sha256"]
        checked = draw_verify.verify_record(old)
        ok, findings, _ = standalone.verify(old)
        assert checked.ok and ok, checked.findings + findings
        assert checked.findings[0] == findings[0] == "记录格式 1（规范 1.1 及以前导出的记录）"


def test_the_vacancy_vector() -> None:
    """A member declines with no alternate of the slot's specialty: the seat is vacant (null) in
    format 2 and the draw still verifies; read as format 1 the decliner would have kept the seat."""
    v = VECTORS["v8-vacancy"]
    record = record_of(v)
    assert draw_verify.chain_digest(record) == v["chain_sha256"]
    assert draw_verify.verify_record(record).ok and standalone.verify(record)[0]
    assert [m["id"] for m in record["members_now"]] == [110, 113, None]
    quotas = record["params"]["quotas"]
    old = draw_verify.replay(record["picks"], quotas, record["answers"], vacancies=False)
    assert old.seats[3] == 125


def test_the_fill_vector() -> None:
    """Spec §15: a fill of v8's vacant seat verifies on its own and chained to v8 in both
    implementations; a broken link or a seat that was not vacant fails even with both hashes recomputed."""
    v = VECTORS["f1-fill"]
    original, fill = record_of(VECTORS[v["chain_to"]]), v["record"]
    assert draw_verify.is_fill(fill) and fill["fills"]["record_sha256"] == original["record_sha256"]
    assert draw_verify.record_digest(fill) == fill["record_sha256"]
    assert draw_verify.chain_digest(fill) == fill["chain_sha256"]
    assert draw_verify.verify_record(fill).ok and standalone.verify(copy.deepcopy(fill))[0]
    assert draw_verify.chain_problems([original, fill]) == []
    assert standalone.chain(copy.deepcopy([original, fill])) == []
    for key, value in (("record_sha256", "0" * 64), ("seats", [1])):
        forged = copy.deepcopy(fill)
        forged["fills"][key] = value
        assert not draw_verify.verify_record(forged).ok  # the fingerprint covers fills
        assert not standalone.verify(copy.deepcopy(forged))[0]
        if key == "seats":
            forged["members_now"] = [{"position": 1, "id": fill["picks"][0]["id"]}]
        forged["record_sha256"] = draw_verify.record_digest(forged)
        forged["chain_sha256"] = draw_verify.chain_digest(forged)
        assert draw_verify.chain_problems([original, forged])
        assert standalone.chain(copy.deepcopy([original, forged]))


def test_the_key_order_vector_is_not_jcs() -> None:
    v = VECTORS["v7-key-order"]
    assert sorted(v["params"]["quotas"]) == [s for _, _, s, _ in v["picks"][:2]]
    quotas = list(v["params"]["quotas"])
    assert sorted(quotas) != sorted(quotas, key=lambda k: k.encode("utf-16-be"))
    assert v["jcs_record_sha256_wrong"] != v["record_sha256"]
    assert "不是 RFC 8785" in section("2")


SEEDS = next(b["seeds"] for b in BLOCKS if "seeds" in b)


@pytest.mark.parametrize("case", SEEDS, ids=lambda c: c.get("refused") or c["seed"])
def test_the_seed_vectors(case: dict) -> None:
    if "seed" in case:
        assert draw_inputs.canonical_seed(case["parts"]) == case["seed"]
        assert re.fullmatch(r"(?:[0-9A-Za-z]+/)+", case["seed"])
    else:
        with pytest.raises(InvalidValue, match=re.escape(case["refused"])):
            draw_inputs.canonical_seed(case["parts"])


def edited(case: dict) -> dict:
    record = copy.deepcopy(record_of(VECTORS[case["base"]]))
    for op, path, *value in case["edit"]:
        *parents, last = path
        target = record
        for key in parents:
            target = target[key]
        if op == "set":
            target[last] = value[0]
        elif op == "del":
            del target[last]
        else:
            target[last].append(value[0])
    if case["rehash"]:
        record["record_sha256"] = draw_verify.record_digest(record)
        record["chain_sha256"] = draw_verify.chain_digest(record)
    return record


TAMPERINGS = next(b["tamperings"] for b in BLOCKS if "tamperings" in b)
PARSE = next(b["parse_refusals"] for b in BLOCKS if "parse_refusals" in b)


@pytest.mark.parametrize("case", TAMPERINGS, ids=lambda c: c["name"])
def test_each_tampering_fails_in_both_verifiers(case: dict) -> None:
    record = edited(case)
    ours = draw_verify.verify_record(copy.deepcopy(record))
    ok, findings, _ = standalone.verify(copy.deepcopy(record))
    assert not ours.ok and not ok
    assert any(case["finding"] in f for f in ours.findings), ours.findings
    if case["section"] not in ("9", "11"):  # a shape or replay refusal cites its section
        assert any(f"§{case['section']}" in f for f in ours.findings), ours.findings
        assert any(f"§{case['section']}" in f for f in findings), findings


@pytest.mark.parametrize("case", PARSE, ids=lambda c: c["name"])
def test_each_parse_refusal_in_both_verifiers(case: dict, tmp_path: Path) -> None:
    text = draw_inputs.canonical_json(record_of(VECTORS[case["base"]]))
    if "insert" in case:
        text = "{" + case["insert"] + text[1:]
    else:
        assert case["replace"][0] in text
        text = text.replace(*case["replace"], 1)
    path = tmp_path / "record.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidValue, match=case["refused"]):
        draw_verify.load_record(path)
    with pytest.raises(SystemExit, match=f"{case['refused']}.*§{case['section']}"):
        standalone.load(path)


def test_the_lookahead_vector_changes_a_pick() -> None:
    """Without the look-ahead the first nursing slot would choose among all four nurses, and the
    first random number would take one from the unit that the remaining members need."""
    v = next(v for v in DRAWS if "without_lookahead" in v)
    cap_unit_needed = {e[0]: e[3] for e in v["eligible"]}
    first = v["slots"][0]
    every_nurse = [e[0] for e in sorted(v["eligible"]) if e[2] == first["slot"]]
    assert len(every_nurse) > first["n"]
    naive = every_nurse[int(v["first_blocks"][0], 16) % len(every_nurse)]
    assert naive not in first["candidates"]
    assert v["picks"][0][3] != naive
    assert cap_unit_needed[naive] not in {cap_unit_needed[c] for c in first["candidates"]}


def test_the_rejection_vector() -> None:
    r = VECTORS["r1-rejection"]
    values = iter(r["values"])
    used = []

    def next_value() -> int:
        used.append(next(values))
        return used[-1]

    assert r["bound"] - r["bound"] % r["n"] == r["limit"]
    assert draw.uniform_below(r["n"], next_value, r["bound"]) == r["result"]
    assert len(used) == r["consumed"]
    for n, limit in r["limits"].items():
        limit = int(limit, 16)
        assert limit == 2**256 - 2**256 % int(n)
        # a block equal to the limit is rejected, the next one (below it) is kept
        ours = iter([limit, limit - 1])
        assert draw.uniform_below(int(n), ours.__next__, 2**256) == (limit - 1) % int(n)
        stream = standalone.Stream("")
        theirs = iter([limit, limit - 1])
        stream.block = theirs.__next__  # type: ignore[method-assign]
        assert stream.below(int(n)) == (limit - 1) % int(n)


def test_the_spec_names_every_field_the_code_hashes_and_exports() -> None:
    core = re.findall(r"^```\n(.*?)^```$", section("9"), re.DOTALL | re.MULTILINE)[0]
    assert [k.strip() for k in core.replace("\n", " ").split(",")] == list(draw_verify.CORE_KEYS)
    assert all(f'"{key}"' in section("10") for key in draw_verify.LATER_KEYS)
    assert f'"{draw_verify.CHAIN_DOMAIN}"' in section("10")
    assert f'"{draw_inputs.ALGORITHM}"' in section("4")
    exported = json.loads(
        (ROOT / "tests" / "data" / "draw_record_v1_no_chain.json").read_text(encoding="utf-8")
    )
    table = section("12")
    for key in [*exported, "chain_sha256"]:
        assert f"| `{key}` |" in table, key
    for key in [
        *exported["params"],
        *exported["picks"][0],
        *exported["answers"][0],
        *exported["replacements"][0],
    ]:
        assert f"`{key}`" in table, key
