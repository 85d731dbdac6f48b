"""``audit list`` speaks in sentences: every action the library records has one, and hashes are
shown only with --full."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import qjtitle
from qjtitle.cli._audit_words import SENTENCES, sentence

PACKAGE = Path(qjtitle.__file__).parent


def _recorded_actions() -> set[str]:
    """The action names the library passes to ``audit.record`` (third argument), literal or a
    module-level constant."""
    actions: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
            for t in n.targets
            if isinstance(t, ast.Name) and isinstance(n.value.value, str)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) >= 3
            ):
                arg = node.args[2]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    actions.add(arg.value)
                elif isinstance(arg, ast.Name) and arg.id in constants:
                    actions.add(constants[arg.id])
    return actions


def test_every_recorded_action_has_a_sentence() -> None:
    recorded = _recorded_actions()
    assert len(recorded) >= 25
    assert sorted(recorded - set(SENTENCES)) == []


def test_a_sentence_names_the_facts_in_words_and_hides_hashes() -> None:
    detail = {
        "draw": 1,
        "meeting": 1,
        "seed": "4721/9903/1586/",
        "pool_sha256": "b" * 64,
        "record_sha256": "c" * 64,
        "eligible": 38,
        "picks": 15,
        "voids": None,
    }
    text = sentence("draw.recorded", detail)
    assert text == "第1号抽取（第1号会议）：符合条件 38 人，抽出 15 人，随机种子 4721/9903/1586/"
    assert "c" * 64 in sentence("draw.recorded", detail, full=True)
    changed = sentence(
        "committee.configured",
        {"before": {"handler": "", "signer": "甲"}, "after": {"handler": "李", "signer": "甲"}},
    )
    assert changed == "修改评委会设置：经办人"
    unknown = sentence("new.thing", {"meeting": 3, "digest": "a" * 64, "rows": [1, 2]})
    assert unknown == "new.thing（会议：3）"


def test_audit_list_shows_sentences_not_json(filing_meeting, cli) -> None:  # type: ignore[no-untyped-def]
    db = str(filing_meeting.store.path)
    shown = cli("audit", "list", "--db", db)
    assert shown.exit_code == 0, shown.output
    assert "封存第" in shown.stdout and "{" not in shown.stdout
    assert not re.search(r"[0-9a-f]{64}", shown.stdout.replace("\n", "").replace("│", ""))
