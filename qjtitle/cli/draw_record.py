"""qjtitle draw list|show|export|confirm|sign|document: a draw record after the draw."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qjtitle.cli._console import console, print_json, table, warn
from qjtitle.cli._options import DbOpt, JsonOpt, MeetingOpt, writes
from qjtitle.cli.draw import (
    PICK_COLUMNS,
    DateOpt,
    SealedOpt,
    pick_rows,
    print_draw_summary,
    seal_name,
)

app = typer.Typer(
    help="专家抽取记录：列表、查看、导出、专家答复与替补、签字、抽取记录表。", no_args_is_help=True
)

if TYPE_CHECKING:
    from qjtitle.experts.draw_record import DrawSummary

DrawArg = Annotated[int, typer.Argument(help="抽取记录编号（qjtitle draw list）。")]


@app.command("list")
def draw_list(
    meeting: MeetingOpt = None,
    committee: Annotated[
        str | None, typer.Option("--committee", "-c", help="评委会代码。", is_eager=True)
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出全部抽取记录（含已作废的每一次尝试）。

    示例：qjtitle draw list --meeting 1
    """
    from qjtitle.experts.draw_record import list_draws
    from qjtitle.store import open_store

    items = list_draws(open_store(db), meeting, committee)
    if as_json:
        print_json([d.as_dict() for d in items])
        return

    def status(d: DrawSummary) -> str:
        text = f"已作废（第{d.voided_by}号）" if d.voided_by else "有效"
        text += f"；补抽，接在第{d.fills}号之后" if d.fills else ""
        return text + (f"；重抽，作废第{d.voids}号：{d.void_reason}" if d.voids else "")

    table(
        f"抽取记录（{len(items)} 条）",
        [
            "编号",
            "评委会",
            "会议",
            "会议日期",
            "抽取日期",
            "符合条件",
            "委员",
            "备选",
            "状态",
            "已签字",
        ],
        [
            [
                d.draw,
                d.committee,
                d.meeting,
                d.meeting_date,
                d.drawn_on,
                d.eligible_count,
                d.members,
                d.alternates,
                status(d),
                "是" if d.signed else "否",
            ]
            for d in items
        ],
    )


@app.command("show")
def draw_show(
    draw: DrawArg, sealed: SealedOpt = False, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """查看一次抽取：种子、名单哈希、排除情况、抽取结果、专家答复、替补和签字。

    示例：qjtitle draw show 1 --sealed
    """
    from qjtitle.experts.draw_record import show_draw
    from qjtitle.store import open_store

    r = show_draw(open_store(db), draw)
    if as_json:
        if sealed:
            r = {
                **r,
                "eligible": [],
                "picks": [{**p, "name": seal_name(p["name"]), "unit": ""} for p in r["picks"]],
            }
        print_json(r)
        return
    print_record(r, sealed)


def print_record(r: dict[str, Any], sealed: bool) -> None:
    """A draw record as ``draw show`` prints it: the facts, the picks, then what happened later."""
    from qjtitle.experts.draw_record import SEED_SOURCES

    state = f"已被第{r['voided_by']}号作废" if r["voided_by"] else "有效"
    console().rule(f"第 {r['draw']} 号抽取记录（{state}）")
    meeting = r["meeting"]
    table(
        None,
        ["项目", "内容"],
        [
            ["评委会", f"{r['committee']['name']}（{r['committee']['code']}）"],
            [
                "评审会议",
                f"{meeting['id']}：{meeting['date']} {meeting['place']}，{meeting['size']} 人",
            ],
            ["抽取日期 / 地点", f"{r['drawn_on']} {r['place']}"],
            ["抽取人员", "、".join(r["drawers"])],
            ["监督人员", "、".join(r["supervisors"])],
            ["随机种子", f"{r['seed']}（{SEED_SOURCES.get(r['seed_source'], r['seed_source'])}）"],
            ["重新抽取", f"作废第{r['voids']}号：{r['void_reason']}" if r["voids"] else "—"],
            *(
                [
                    [
                        "补抽",
                        f"补第{'、'.join(map(str, r['fills']['seats']))}位委员，接在第{r['fills']['draw']}号记录之后",
                    ]
                ]
                if r.get("fills")
                else []
            ),
            ["逾期原因", r["late_reason"] or "—"],
        ],
    )
    print_draw_summary(r, hashes=True)
    table("抽取结果", PICK_COLUMNS, pick_rows(r["picks"], sealed))
    _print_later(r, sealed)
    for message in r["warnings"]:
        warn(message)


def _print_later(r: dict[str, Any], sealed: bool) -> None:
    """What happened after the draw: answers, replacements, the members now, signatures."""
    names = {p["id"]: (seal_name(p["name"]) if sealed else p["name"]) for p in r["picks"]}
    if r["answers"]:
        table(
            "专家答复",
            ["专家", "答复", "理由", "日期"],
            [
                [
                    names.get(a["expert"], a["expert"]),
                    "同意" if a["accepted"] else "谢绝",
                    a["reason"],
                    a["answered_on"],
                ]
                for a in r["answers"]
            ],
        )
    if r["replacements"]:
        table(
            "替补",
            ["委员序号", "谢绝", "替补（备选序号）", "理由"],
            [
                [
                    x["member_position"],
                    names.get(x["out"]),
                    f"{names.get(x['in'])}（{x['alternate_position']}）",
                    x["reason"],
                ]
                for x in r["replacements"]
            ],
        )
    table(
        "当前委员",
        ["委员序号", "专家"],
        [
            [m["position"], "（空缺）" if m["id"] is None else names.get(m["id"], m["id"])]
            for m in r["members_now"]
        ],
    )
    if r["signatures"]:
        table(
            "签字",
            ["签字人", "日期", "扫描件", "SHA-256"],
            [
                ["、".join(s["signers"]), s["signed_on"], s["scan"], s["scan_sha256"]]
                for s in r["signatures"]
            ],
        )


@app.command("export")
@writes
def draw_export(
    draw: DrawArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="输出的 JSON 文件，如 第1号抽取记录.json。", show_default=False),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", hidden=True)
    ] = None,  # the spelling before --out
    db: DbOpt = None,
) -> None:
    """把一次抽取的完整记录（含符合条件的专家名单）导出为 JSON，供核准组建部门用 verify-draw --record 独立复核。

    导出文件含专家姓名，属保密材料，请妥善传递。

    示例：qjtitle draw export 1 --out 第1号抽取记录.json
    """
    from qjtitle.errors import InvalidValue
    from qjtitle.experts.draw_record import export_draw
    from qjtitle.store import open_store

    out = out or json_file
    if out is None:
        raise InvalidValue(
            f"请用 --out 写明导出到哪个文件，如 qjtitle draw export {draw} --out 第{draw}号抽取记录.json"
        )
    path = export_draw(open_store(db), draw, out)
    console().print(
        f"已导出第 {draw} 号抽取记录：{path}（保密材料）；复核：qjtitle verify-draw --record {path}"
    )


@app.command("confirm")
@writes
def draw_confirm(
    draw: DrawArg,
    expert: Annotated[
        str | None,
        typer.Argument(
            help="专家：编号、姓名或身份证号码（qjtitle draw show 中的专家编号）。",
            show_default=False,
        ),
    ] = None,
    accepted: Annotated[
        bool | None,
        typer.Option("--accepted/--declined", help="专家同意参会，或谢绝。", show_default=False),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="理由（谢绝时必填）。")] = "",
    all_accepted: Annotated[
        bool,
        typer.Option(
            "--all-accepted", help="尚未答复的委员全部记为同意参会（一次确认整个评委会）。"
        ),
    ] = False,
    from_sheet: Annotated[
        Path | None,
        typer.Option(
            "--from-sheet",
            help="答复表：专家编号或姓名、答复（同意/谢绝）、理由，每位专家一行。",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    when: DateOpt = None,
    db: DbOpt = None,
) -> None:
    """记录被抽中专家的答复；委员谢绝时按顺序由下一位符合专业要求的备选专家替补，全部留痕。

    示例：qjtitle draw confirm 1 任宁策 --accepted；qjtitle draw confirm 1 23 --declined --reason 出差；
    全部同意：qjtitle draw confirm 1 --all-accepted；按答复表：qjtitle draw confirm 1 --from-sheet 答复.xlsx
    """
    from qjtitle.cli._findings import say_here
    from qjtitle.errors import InvalidValue
    from qjtitle.experts.draw_answers import Outcome, confirm, unanswered_members
    from qjtitle.intake import names
    from qjtitle.meeting.sheets import read_answers
    from qjtitle.store import open_store

    day = when.date() if when else None
    store = open_store(db)
    answers: list[tuple[str, bool, str]] = []
    if expert is not None:
        if accepted is None:
            raise InvalidValue("请用 --accepted（同意）或 --declined（谢绝）写明专家的答复")
        answers.append((expert, accepted, reason))
    if from_sheet is not None:
        answers += read_answers(from_sheet)
    if all_accepted:
        answers += [(str(m), True, "") for m in unanswered_members(store, draw)]
        if not answers:
            raise InvalidValue(f"第{draw}号抽取的委员都已答复，没有要记录的")
    if not answers:
        raise InvalidValue(
            "请写明哪位专家（编号或姓名）和答复（--accepted 或 --declined），"
            "或用 --all-accepted、--from-sheet 一次记录多位"
        )
    ids = [(names.drawn_expert_id(store, draw, who), ok, why) for who, ok, why in answers]
    with store.all_or_nothing():  # several answers: all recorded, or none
        results = [
            (expert_id, confirm(store, draw, expert_id, ok, why, day)) for expert_id, ok, why in ids
        ]
    for expert_id, result in results:
        done = "同样的答复已记录过，未重复记录" if result.outcome is Outcome.UNCHANGED else "已记录"
        console().print(
            f"{done}：{result.name}（编号 {expert_id}）{'同意参会' if result.accepted else '谢绝（' + result.reason + '）'}"
        )
        if result.replacement is not None:
            x = result.replacement
            console().print(
                f"第{x.position}位委员由第{x.alternate_position}位备选 {x.name}（编号 {x.id}）替补。"
            )
        if result.warning is not None:
            warn(say_here(result.warning))


@app.command("sign")
@writes
def draw_sign(
    draw: DrawArg,
    scan: Annotated[Path, typer.Option("--scan", help="签字后的抽取记录表扫描件（PDF 或图片）。")],
    when: DateOpt = None,
    db: DbOpt = None,
) -> None:
    """登记抽取人员和监督人员已在抽取记录表上签字，并保存扫描件的 SHA-256。

    示例：qjtitle draw sign 1 --scan 抽取记录表_签字.pdf
    """
    from qjtitle.experts.draw_answers import sign
    from qjtitle.store import open_store

    result = sign(open_store(db), draw, scan, when.date() if when else None)
    console().print(
        f"已登记签字：{'、'.join(result['signers'])}（{result['signed_on']}）；扫描件 {result['scan']} SHA-256 {result['scan_sha256']}"
    )


@app.command("document")
@writes
def draw_document(
    draw: DrawArg,
    out: Annotated[Path, typer.Option("--out", help="输出的 Word 文件。")],
    templates: Annotated[
        Path | None, typer.Option("--templates", help="自定义模板文件夹（同名文件优先）。")
    ] = None,
    db: DbOpt = None,
) -> None:
    """生成《评审专家抽取记录表》（Word）：种子、名单哈希、排除情况、委员和备选、抽取人员和监督人员签字栏。

    记录表含专家名单，属保密材料，只随会前备案报送，不得公开。

    示例：qjtitle draw document 1 --out 抽取记录表.docx
    """
    from qjtitle.experts.draw_record import render_document
    from qjtitle.store import open_store

    if out.suffix.lower() != ".docx":
        out = out.with_suffix(".docx")
    path = render_document(open_store(db), draw, out, templates)
    console().print(f"已生成抽取记录表：{path}（保密材料）")
