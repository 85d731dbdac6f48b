"""qjtitle draw-experts, qjtitle verify-draw, and qjtitle draw list|show|export|confirm|sign|document."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qjtitle.cli._console import console, print_json, table, warn
from qjtitle.cli._errors import friendly_errors
from qjtitle.cli._options import DbOpt, JsonOpt, MeetingArg, MeetingOpt
from qjtitle.rules import DRAW_BEFORE_MEETING  # stdlib only: cheap at start-up

app = typer.Typer(
    help="专家抽取记录：列表、查看、导出、专家答复与替补、签字、抽取记录表。", no_args_is_help=True
)

if TYPE_CHECKING:
    from qjtitle.experts.draw_record import DrawSummary

DrawArg = Annotated[int, typer.Argument(help="抽取记录编号（qjtitle draw list）。")]
SealedOpt = Annotated[
    bool, typer.Option("--sealed", help="屏幕上不显示专家姓名和单位（现场投屏时用）。")
]
DateOpt = Annotated[
    datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="日期，如 2023-11-10；默认今天。"),
]

DRAW_WD = int(DRAW_BEFORE_MEETING.value)


def _seal(name: str) -> str:
    return name[:1] + "＊" * max(len(name) - 1, 1)


def pick_rows(picks: list[dict[str, Any]], sealed: bool) -> list[list[Any]]:
    from qjtitle.experts.draw_inputs import (
        ROLE_NAMES,  # stdlib-only module; kept out of start-up all the same
    )

    return [
        [
            p["position"],
            ROLE_NAMES.get(p["role"], p["role"]),
            p["slot"] or "不限",
            p["id"],
            _seal(p["name"]) if sealed else p["name"],
            p["specialty"],
            "（密封）" if sealed else p["unit"],
        ]
        for p in picks
    ]


PICK_COLUMNS = ["序号", "身份", "抽取专业", "专家编号", "姓名", "专业", "单位"]


def draw_experts(
    meeting: MeetingArg,
    drawer: Annotated[
        list[str] | None,
        typer.Option("--drawer", help="抽取人员姓名（3人，每人写一次 --drawer）。"),
    ] = None,
    supervisor: Annotated[
        list[str] | None, typer.Option("--supervisor", help="监督人员姓名（至少1人）。")
    ] = None,
    members: Annotated[
        int | None,
        typer.Option("--members", help="委员人数：单数，等于会议的评委会人数（默认即会议人数）。"),
    ] = None,
    alternates: Annotated[int, typer.Option("--alternates", help="备选专家人数。")] = 0,
    specialty: Annotated[
        list[str] | None,
        typer.Option("--specialty", help="所需专业，可写 专业=委员人数（可重复）。"),
    ] = None,
    seed: Annotated[
        list[str] | None,
        typer.Option("--seed", help="随机种子：每名抽取人员现场各输入一组数字，每人一个 --seed。"),
    ] = None,
    generate_seed: Annotated[
        bool,
        typer.Option(
            "--generate-seed",
            help="不由抽取人员输入，由程序生成随机种子（记为程序生成，须抄录签字）。",
        ),
    ] = False,
    unit_cap: Annotated[
        int | None, typer.Option("--unit-cap", help="同一单位最多抽取人数（委员和备选合计）。")
    ] = None,
    same_unit: Annotated[
        bool,
        typer.Option(
            "--same-unit/--no-same-unit", help="与本次申报人同单位的专家回避（默认回避）。"
        ),
    ] = True,
    when: DateOpt = None,
    place: Annotated[str, typer.Option("--place", help="抽取地点。")] = "",
    late_reason: Annotated[
        str, typer.Option("--late-reason", help=f"晚于会前{DRAW_WD}个工作日抽取时的原因。")
    ] = "",
    voids: Annotated[
        int | None, typer.Option("--voids", help="重新抽取时：所作废的抽取记录编号。")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="重新抽取时：作废原记录的理由。")] = "",
    sealed: SealedOpt = False,
    calendar: Annotated[
        Path | None, typer.Option("--calendar", help="工作日历补充文件（TOML）。")
    ] = None,
    db: DbOpt = None,
) -> None:
    """在监督人员监督下，从专家库中为评审会议随机抽取评审专家（委员和备选），并留下可复核的记录。

    抽取结果只由随机种子、符合条件的专家名单和人数决定，任何人都可用 verify-draw 重算核对。
    抽取记录只能追加：重新抽取须用 --voids 和 --reason 注明作废哪一条及理由，原记录保留。

    示例：qjtitle draw-experts 1 --alternates 4 --specialty 护理=3 --specialty 临床医学 --drawer 王明 --drawer 李华 --drawer 赵强 --supervisor 陈静 --seed 4721 --seed 9903 --seed 1586
    """
    from qjtitle.calendar.workdays import WorkCalendar
    from qjtitle.experts.draw_record import SEED_SOURCES
    from qjtitle.experts.drawing import draw_experts as run_draw
    from qjtitle.store import open_store

    with friendly_errors():
        store = open_store(db)
        outcome = run_draw(
            store,
            meeting,
            drawer or [],
            supervisor or [],
            members=members,
            alternates=alternates,
            specialties=specialty or [],
            seed=seed or [],
            generate_seed=generate_seed,
            unit_cap=unit_cap,
            same_unit=same_unit,
            drawn_on=when.date() if when else None,
            place=place,
            late_reason=late_reason,
            voids=voids,
            void_reason=reason,
            calendar=WorkCalendar.load(calendar, store.directory),
        )
    r = outcome.record
    console().rule(f"第 {r['draw']} 号抽取记录")
    console().print(
        f"评审会议 {r['meeting']['id']}：{r['meeting']['date']} {r['meeting']['place']}（{r['committee']['name']}）"
    )
    console().print(
        f"随机种子：[bold]{r['seed']}[/]（{SEED_SOURCES.get(r['seed_source'], r['seed_source'])}）"
    )
    if r["seed_source"] == "secrets":
        console().print("[bold]请抄录上面的随机种子，由抽取人员和监督人员签字确认。[/]")
    print_draw_summary(r)
    table("抽取结果（委员在前，备选按递补顺序）", PICK_COLUMNS, pick_rows(r["picks"], sealed))
    for message in outcome.warnings:
        warn(message)
    console().print(
        f"截止日期 {outcome.deadline}（会前{DRAW_WD}个工作日）。复核：qjtitle verify-draw {r['draw']}；"
        f"抽取记录表：qjtitle draw document {r['draw']} --out 抽取记录表.docx"
    )


def print_draw_summary(r: dict[str, Any]) -> None:
    from qjtitle.experts.eligible import REASONS

    counts = {reason: len(ids) for reason, ids in r["exclusions"].items()}
    rows = [["符合条件的专家", f"{r['eligible_count']} 人"]]
    rows += [[f"排除：{label}", f"{counts.get(key, 0)} 人"] for key, label in REASONS.items()]
    rows += [
        ["名单哈希（SHA-256）", r["pool_sha256"]],
        ["记录指纹", r["record_sha256"]],
        ["算法", r["algorithm"]],
    ]
    table(None, ["项目", "内容"], rows)


def verify_draw(
    draw: Annotated[
        int | None, typer.Argument(help="抽取记录编号（用 --record 时省略）。", show_default=False)
    ] = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="导出的抽取记录（JSON），不需要数据库即可复核。")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """复核一次抽取：重算抽取结果，与记录和当前专家库核对。

    由记录中的随机种子和符合条件的专家名单重算抽取结果；不一致时退出码为 1。

    示例：qjtitle verify-draw 1；核准组建部门独立复核：qjtitle verify-draw --record 第1号抽取记录.json
    """
    with friendly_errors():
        if record is not None and draw is None:
            from qjtitle.experts.draw_verify import load_record, verify_record

            checked = verify_record(load_record(record))
            ok = checked.ok
            parts = [("记录本身", checked.ok, checked.findings)]
            payload: dict[str, object] = {
                "record": str(record),
                "ok": checked.ok,
                "record_ok": checked.ok,
                "record_findings": checked.findings,
            }
        elif draw is not None and record is None:
            from qjtitle.experts.draw_record import verify_draw as run_verify
            from qjtitle.store import open_store

            check = run_verify(open_store(db), draw)
            ok = check.ok
            parts = [
                ("记录本身", check.record.ok, check.record.findings),
                ("当前专家库", check.pool_ok, check.pool_findings),
            ]
            payload = check.as_dict()
        else:
            from qjtitle.errors import InvalidValue

            raise InvalidValue("请给出抽取记录编号，或用 --record 指定导出的记录文件（二者选一）")
    if as_json:
        print_json(payload)
    else:
        for label, part_ok, findings in parts:
            console().print(f"[bold]{label}：[/]" + ("一致" if part_ok else "[red]不一致[/]"))
            for line in findings:
                console().print(f"  {line}")
        console().print(
            "结论：" + ("[green]抽取结果可复核，一致[/]" if ok else "[red]不一致，见上[/]")
        )
    if not ok:
        raise typer.Exit(1)


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

    with friendly_errors():
        items = list_draws(open_store(db), meeting, committee)
    if as_json:
        print_json([d.as_dict() for d in items])
        return

    def status(d: DrawSummary) -> str:
        text = f"已作废（第{d.voided_by}号）" if d.voided_by else "有效"
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
    from qjtitle.experts.draw_record import SEED_SOURCES, show_draw
    from qjtitle.store import open_store

    with friendly_errors():
        r = show_draw(open_store(db), draw)
    if as_json:
        if sealed:
            r = {
                **r,
                "eligible": [],
                "picks": [{**p, "name": _seal(p["name"]), "unit": ""} for p in r["picks"]],
            }
        print_json(r)
        return
    names = {p["id"]: (_seal(p["name"]) if sealed else p["name"]) for p in r["picks"]}
    state = f"已被第{r['voided_by']}号作废" if r["voided_by"] else "有效"
    console().rule(f"第 {r['draw']} 号抽取记录（{state}）")
    table(
        None,
        ["项目", "内容"],
        [
            ["评委会", f"{r['committee']['name']}（{r['committee']['code']}）"],
            [
                "评审会议",
                f"{r['meeting']['id']}：{r['meeting']['date']} {r['meeting']['place']}，{r['meeting']['size']} 人",
            ],
            ["抽取日期 / 地点", f"{r['drawn_on']} {r['place']}"],
            ["抽取人员", "、".join(r["drawers"])],
            ["监督人员", "、".join(r["supervisors"])],
            ["随机种子", f"{r['seed']}（{SEED_SOURCES.get(r['seed_source'], r['seed_source'])}）"],
            ["重新抽取", f"作废第{r['voids']}号：{r['void_reason']}" if r["voids"] else "—"],
            ["逾期原因", r["late_reason"] or "—"],
        ],
    )
    print_draw_summary(r)
    table("抽取结果", PICK_COLUMNS, pick_rows(r["picks"], sealed))
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
        [[m["position"], names.get(m["id"], m["id"])] for m in r["members_now"]],
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
    for message in r["warnings"]:
        warn(message)


@app.command("export")
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

    with friendly_errors():
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
    from qjtitle.errors import InvalidValue
    from qjtitle.experts.draw_answers import confirm
    from qjtitle.experts.draw_record import show_draw
    from qjtitle.intake import names
    from qjtitle.meeting.sheets import read_answers
    from qjtitle.store import open_store

    day = when.date() if when else None
    with friendly_errors():
        store = open_store(db)
        answers: list[tuple[str, bool, str]] = []
        if expert is not None:
            if accepted is None:
                raise InvalidValue("请用 --accepted（同意）或 --declined（谢绝）写明专家的答复")
            answers.append((expert, accepted, reason))
        if from_sheet is not None:
            answers += read_answers(from_sheet)
        if all_accepted:
            record = show_draw(store, draw)
            answered = {a["expert"] for a in record["answers"]}
            answers += [
                (str(m["id"]), True, "") for m in record["members_now"] if m["id"] not in answered
            ]
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
                (expert_id, confirm(store, draw, expert_id, ok, why, day))
                for expert_id, ok, why in ids
            ]
        for expert_id, result in results:
            console().print(
                f"已记录：{result['name']}（编号 {expert_id}）{'同意参会' if result['accepted'] else '谢绝（' + result['reason'] + '）'}"
            )
            if result["replacement"]:
                x = result["replacement"]
                console().print(
                    f"第{x['position']}位委员由第{x['alternate_position']}位备选 {x['name']}（编号 {x['id']}）替补。"
                )
            if result["warning"]:
                warn(result["warning"])


@app.command("sign")
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

    with friendly_errors():
        result = sign(open_store(db), draw, scan, when.date() if when else None)
    console().print(
        f"已登记签字：{'、'.join(result['signers'])}（{result['signed_on']}）；扫描件 {result['scan']} SHA-256 {result['scan_sha256']}"
    )


@app.command("document")
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

    with friendly_errors():
        if out.suffix.lower() != ".docx":
            out = out.with_suffix(".docx")
        path = render_document(open_store(db), draw, out, templates)
    console().print(f"已生成抽取记录表：{path}（保密材料）")
