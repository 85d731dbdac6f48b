"""docs/draw-spec.md cannot drift from the code: every test vector in it is parsed and checked
against qjtitle.experts.draw (the implementation qjtitle uses) and qjtitle.verify_record (the stand-alone
verifier written from the specification)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qjtitle import verify_record as standalone
from qjtitle.experts import draw, draw_inputs, draw_verify
from qjtitle.experts.draw_inputs import Candidate, Request

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


def record_of(v: dict) -> dict:
    """The record of a vector, assembled as section 13 says."""
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
    record = {
        **COMMON,
        "seed": v["seed"],
        "params": v["params"],
        "eligible": v["eligible"],
        "eligible_count": len(v["eligible"]),
        "pool_sha256": v["pool_sha256"],
        "picks": picks,
    }
    record["record_sha256"] = v["record_sha256"]
    record |= {
        "answers": v.get("answers", []),
        "replacements": v.get("replacements", []),
        "signatures": v.get("signatures", []),
        "members_now": v["members_now"],
    }
    record["chain_sha256"] = v["chain_sha256"]
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
