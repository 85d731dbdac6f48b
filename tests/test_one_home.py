"""One home for each rule: the regulation numbers in CLI help come from qjtitle/rules.py, the
masking from qjtitle/privacy.py, the recusal from qjtitle/experts/recusal.py."""

import re
from pathlib import Path

import qjtitle
from qjtitle import rules

PACKAGE = Path(qjtitle.__file__).parent


def test_cli_help_does_not_hard_code_the_regulation_numbers() -> None:
    hard_coded = re.compile(r"(?<![0-9/])[0-9]/[0-9](?![0-9/])|[0-9]+个工作日|至少[0-9]+名")
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted((PACKAGE / "cli").glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hard_coded.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


def test_cli_help_shows_the_numbers_of_rules(cli) -> None:
    attend = " ".join(cli("meeting", "attend", "--help").stdout.split())
    assert f"评委会人数的{rules.QUORUM.number}" in attend and rules.QUORUM.number == "2/3"
    assign = " ".join(cli("meeting", "assign", "--help").stdout.split())
    assert f"至少{rules.REVIEWERS_MIN.number}名出席专家" in assign
    votes = "".join(cli("record-votes", "--help").stdout.split())
    assert f"同意票达到出席专家的{rules.PASS_THRESHOLD.number}以上为通过" in votes
    schedule = "".join(cli("schedule", "show", "--help").stdout.split())
    assert f"各排满{rules.PUBLICITY_MIN.number}个工作日" in schedule


def test_one_definition_each_of_masking_and_recusal() -> None:
    defs: dict[str, list[str]] = {
        "mask_id": [],
        "mask_phone": [],
        "mask_text": [],
        "recusals": [],
        "recused_map": [],
    }
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for name, found in defs.items():
            if re.search(rf"^def {name}\(", source, re.MULTILINE):
                found.append(str(path.relative_to(PACKAGE).as_posix()))
    assert defs == {
        "mask_id": ["privacy.py"],
        "mask_phone": ["privacy.py"],
        "mask_text": ["privacy.py"],
        "recusals": ["experts/recusal.py"],
        "recused_map": ["experts/recusal.py"],
    }
