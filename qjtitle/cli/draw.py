"""qjtitle draw-experts and qjtitle verify-draw: the draw itself and its re-check (the record's
later life, qjtitle draw …, is in :mod:`qjtitle.cli.draw_record`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qjtitle.cli._console import console, print_json, table, warn
from qjtitle.cli._options import DbOpt, JsonOpt, MeetingArg, writes
from qjtitle.rules import DRAW_BEFORE_MEETING  # stdlib only: cheap at start-up

SealedOpt = Annotated[
    bool, typer.Option("--sealed", help="屏幕上不显示专家姓名和单位（现场投屏时用）。")
]
DateOpt = Annotated[
    datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="日期，如 2023-11-10；默认今天。"),
]

if TYPE_CHECKING:
    from qjtitle.experts.drawing import Rehearsal, RehearsalCheck
    from qjtitle.findings import Finding

DRAW_WD = int(DRAW_BEFORE_MEETING.value)


def seal_name(name: str) -> str:
    """A name as shown on a screen others can see: its first character and stars."""
    return name[:1] + "＊" * max(len(name) - 1, 1)


def pick_rows(picks: list[dict[str, Any]], sealed: bool) -> list[list[Any]]:
    from qjtitle.logic.draw_inputs import (
        ROLE_NAMES,  # stdlib-only module; kept out of start-up all the same
    )

    return [
        [
            p["position"],
            ROLE_NAMES.get(p["role"], p["role"]),
            p["slot"] or "不限",
            p["id"],
            seal_name(p["name"]) if sealed else p["name"],
            p["specialty"],
            "（密封）" if sealed else p["unit"],
        ]
        for p in picks
    ]


PICK_COLUMNS = ["序号", "身份", "抽取专业", "专家编号", "姓名", "专业", "单位"]


@writes
def draw_experts(
    meeting: MeetingArg,
    drawers: Annotated[
        list[str] | None,
        typer.Option("--drawer", help="抽取人员姓名（3人，每人写一次 --drawer）。"),
    ] = None,
    supervisors: Annotated[
        list[str] | None, typer.Option("--supervisor", help="监督人员姓名（至少1人）。")
    ] = None,
    members: Annotated[
        int | None,
        typer.Option("--members", help="委员人数：单数，等于会议的评委会人数（默认即会议人数）。"),
    ] = None,
    alternates: Annotated[
        list[str] | None,
        typer.Option(
            "--alternates",
            help="备选专家人数（不限专业，如 4）；某专业的备选写成 专业=人数（可重复，如 --alternates 工程造价=1）。",
        ),
    ] = None,
    specialties: Annotated[
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
    drawn_on: DateOpt = None,
    place: Annotated[str, typer.Option("--place", help="抽取地点。")] = "",
    late_reason: Annotated[
        str, typer.Option("--late-reason", help=f"晚于会前{DRAW_WD}个工作日抽取时的原因。")
    ] = "",
    voids: Annotated[
        int | None, typer.Option("--voids", help="重新抽取时：所作废的抽取记录编号。")
    ] = None,
    void_reason: Annotated[
        str, typer.Option("--reason", help="重新抽取时：作废原记录的理由。")
    ] = "",
    sealed: SealedOpt = False,
    calendar: Annotated[
        Path | None,
        typer.Option("--calendar", help="工作日历补充文件（见 qjtitle calendar --help）。"),
    ] = None,
    fill: Annotated[
        bool,
        typer.Option(
            "--fill",
            help="补抽：为现行抽取中谢绝且无备选可替补的空缺位次各补抽一名同专业专家（同样须抽取人员、监督人员和随机种子）。",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="演练：只做抽取前的各项检查，列出各专业、各单位符合条件的人数和备选能否替补，不抽取、不记录。",
        ),
    ] = False,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """在监督人员监督下，从专家库中为评审会议随机抽取评审专家（委员和备选），并留下可复核的记录。

    抽取结果只由随机种子、符合条件的专家名单和人数决定，任何人都可用 verify-draw 重算核对。
    抽取记录只能追加：重新抽取须用 --voids 和 --reason 注明作废哪一条及理由，原记录保留。

    示例：qjtitle draw-experts 1 --alternates 4 --specialty 护理=3 --specialty 临床医学 --drawer 王明 --drawer 李华 --drawer 赵强 --supervisor 陈静 --seed 4721 --seed 9903 --seed 1586

    抽取前演练（抽取人员到场前）：qjtitle draw-experts 1 --alternates 4 --specialty 护理=3 --specialty 临床医学 --dry-run

    补抽空缺位次：qjtitle draw-experts 1 --fill --drawer 王明 --drawer 李华 --drawer 赵强 --supervisor 陈静 --seed 3308 --seed 7164 --seed 2925 --late-reason 委员谢绝
    """
    from qjtitle.experts.drawing import DrawRequest
    from qjtitle.logic.workdays import WorkCalendar
    from qjtitle.store import open_store

    if fill:
        given = [
            name
            for name, value in (
                ("--members", members),
                ("--alternates", alternates),
                ("--specialty", specialties),
                ("--unit-cap", unit_cap),
                ("--voids", voids),
                ("--reason", void_reason),
                ("--dry-run", dry_run),
                ("--no-same-unit", not same_unit),
            )
            if value
        ]
        if given:
            from qjtitle.errors import InvalidValue

            raise InvalidValue(
                f"补抽（--fill）沿用原抽取的专业、人数和回避设置，不能与 {'、'.join(given)} 同用"
            )
    request = DrawRequest(
        meeting,
        drawers or [],
        supervisors or [],
        members=members,
        alternates=alternates or [],
        specialties=specialties or [],
        seed=seed or [],
        unit_cap=unit_cap,
        generate_seed=generate_seed,
        same_unit=same_unit,
        drawn_on=drawn_on.date() if drawn_on else None,
        place=place,
        late_reason=late_reason,
        voids=voids,
        void_reason=void_reason,
    )
    store = open_store(db)
    days = WorkCalendar.load(calendar, store.directory)
    if fill:
        from qjtitle.experts.drawing import fill_vacancies

        outcome = fill_vacancies(store, request, days)
        show_outcome(outcome.record, outcome.warnings, outcome.deadline, sealed)
        return
    if dry_run:
        from qjtitle.experts.drawing import rehearse

        rehearsal = rehearse(store, request, days)
        if as_json:
            print_json(rehearsal_json(rehearsal))
        else:
            print_rehearsal(rehearsal)
        if not rehearsal.ok:
            raise typer.Exit(1)
        return
    from qjtitle.experts.drawing import draw_experts as run_draw

    outcome = run_draw(store, request, days)
    show_outcome(outcome.record, outcome.warnings, outcome.deadline, sealed)


def show_outcome(r: dict[str, Any], warnings: list[Finding], deadline: Any, sealed: bool) -> None:
    from qjtitle.cli._findings import say_here
    from qjtitle.experts.draw_record import SEED_SOURCES
    from qjtitle.logic.draw_inputs import SeedSource

    fill = r.get("fills")
    console().rule(f"第 {r['draw']} 号抽取记录" + ("（补抽）" if fill else ""))
    if fill:
        seats = "、".join(f"第{p}位" for p in fill["seats"])
        console().print(f"补抽{seats}委员，接在第{fill['draw']}号抽取记录之后")
    console().print(
        f"评审会议 {r['meeting']['id']}：{r['meeting']['date']} {r['meeting']['place']}（{r['committee']['name']}）"
    )
    console().print(
        f"随机种子：[bold]{r['seed']}[/]（{SEED_SOURCES.get(r['seed_source'], r['seed_source'])}）"
    )
    if r["seed_source"] == SeedSource.SECRETS:
        console().print("[bold]请抄录上面的随机种子，由抽取人员和监督人员签字确认。[/]")
    print_draw_summary(r)
    table("抽取结果（委员在前，备选按递补顺序）", PICK_COLUMNS, pick_rows(r["picks"], sealed))
    console().print(f"[dim]名单哈希、记录指纹等复核所需的数据：qjtitle draw show {r['draw']}[/]")
    for found in warnings:
        warn(say_here(found))
    console().print(
        f"截止日期 {deadline}（会前{DRAW_WD}个工作日）。复核：qjtitle verify-draw {r['draw']}；"
        f"抽取记录表：qjtitle draw document {r['draw']} --out 抽取记录表.docx"
    )


def _detail(check: RehearsalCheck) -> str:
    """A check's detail as the terminal says it: a failed check's refusal with its fix."""
    from qjtitle.cli._findings import say_here

    return say_here(check.finding) if check.finding is not None else check.detail


def rehearsal_json(rehearsal: Rehearsal) -> dict[str, Any]:
    """``--dry-run --json``: each failed check's detail worded with its fix, and its finding."""
    data = rehearsal.as_dict()
    for check, item in zip(rehearsal.checks, data["checks"], strict=True):
        item["detail"] = _detail(check)
    return data


def print_rehearsal(rehearsal: Rehearsal) -> None:
    from qjtitle.experts.eligible import REASONS

    console().rule(f"评审会议 {rehearsal.meeting} 的专家抽取演练（不抽取、不记录）")
    marks = {True: "通过", False: "[red]不通过[/]", None: "待定"}
    table(
        "抽取时要做的检查",
        ["检查", "结果", "说明"],
        [[c.what, marks[c.ok], _detail(c)] for c in rehearsal.checks],
    )
    excluded = "，".join(f"{REASONS[r]} {n} 人" for r, n in rehearsal.excluded.items()) or "无"
    console().print(f"符合条件的专家 {rehearsal.eligible_count} 人；已排除：{excluded}")
    if rehearsal.slots:
        rows = [
            [
                row.slot
                or "不限（"
                + "、".join(f"{s} {n}" for s, n in (row.specialties or {}).items())
                + "）",
                row.seats,
                row.eligible,
                row.spare,
                row.alternates or "",
            ]
            for row in rehearsal.slots
        ]
        table(
            "各抽取专业的人数",
            ["抽取专业", "委员", "符合条件", "委员以外可作备选", "本专业备选"],
            rows,
        )
        console().print(
            f"不限专业的备选 {rehearsal.alternates} 人从全部专业中抽取；委员谢绝时，只由合乎该位次专业的备选替补"
            "（可用 --alternates 专业=人数 为某专业单独抽取备选）。"
        )
        for row in rehearsal.slots:
            if row.spare == 0 and not row.alternates:
                warn(
                    f"“{row.slot or '不限专业'}”的委员谢绝时，没有可替补的备选（符合条件的人全部入选委员）"
                )
    if rehearsal.units:
        cap = rehearsal.unit_cap
        table(
            f"各单位符合条件的人数（每单位上限：{cap if cap is not None else '不限'}）",
            ["单位（比较用写法）", "符合条件", "受上限限制"],
            [[u["unit"], u["eligible"], "是" if u["capped"] else ""] for u in rehearsal.units],
        )
    console().print(
        "结论："
        + (
            "[green]可以抽取[/]（以上检查在抽取时会再做一次）"
            if rehearsal.ok
            else "[red]不能抽取，见上[/]"
        )
    )


def print_draw_summary(r: dict[str, Any], hashes: bool = False) -> None:
    """The counts of the draw; with ``hashes``, the figures an auditor re-checks it by."""
    from qjtitle.experts.eligible import ONLY_WHEN_PRESENT, REASONS

    counts = {reason: len(ids) for reason, ids in r["exclusions"].items()}
    rows = [["符合条件的专家", f"{r['eligible_count']} 人"]]
    rows += [
        [f"排除：{label}", f"{counts.get(key, 0)} 人"]
        for key, label in REASONS.items()
        if key not in ONLY_WHEN_PRESENT or counts.get(key)
    ]
    if hashes:
        rows += [
            ["名单哈希（SHA-256）", r["pool_sha256"]],
            ["记录指纹（SHA-256）", r["record_sha256"]],
            ["抽取规则", f"{r['algorithm']}（见抽取规范）"],
        ]
    table(None, ["项目", "内容"], rows)


def verify_draw(
    draw: Annotated[
        int | None, typer.Argument(help="抽取记录编号（用 --record 时省略）。", show_default=False)
    ] = None,
    record: Annotated[
        list[Path] | None,
        typer.Option(
            "--record",
            help="导出的抽取记录（JSON），不需要数据库即可复核；补抽记录与原抽取记录可一并给出（重复 --record），核对二者的链接。",
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """复核一次抽取：重算抽取结果，与记录和当前专家库核对。

    由记录中的随机种子和符合条件的专家名单重算抽取结果；不一致时退出码为 1。

    示例：qjtitle verify-draw 1；核准组建部门独立复核：qjtitle verify-draw --record 第1号抽取记录.json
    """
    if record and draw is None:
        from qjtitle.logic.draw_verify import (
            chain_problems,
            is_fill,
            load_record,
            verify_record,
        )

        loaded = [load_record(path) for path in record]
        checks = [verify_record(data) for data in loaded]
        ok = all(c.ok for c in checks)
        if len(record) == 1:
            parts = [("记录本身", checks[0].ok, checks[0].findings)]
            payload: dict[str, object] = {
                "record": str(record[0]),
                "ok": ok,
                "record_ok": ok,
                "record_findings": checks[0].findings,
            }
        else:
            parts = [(str(p), c.ok, c.findings) for p, c in zip(record, checks, strict=True)]
            payload = {
                "records": [
                    {"record": str(p), "ok": c.ok, "findings": c.findings}
                    for p, c in zip(record, checks, strict=True)
                ],
                "ok": ok,
            }
        if ok and len(loaded) > 1:
            links = chain_problems(sorted(loaded, key=lambda d: d.get("draw") or 0))
            ok = not links
            parts.append(("抽取链（补抽）", ok, links or ["补抽记录与原抽取记录的链接一致"]))
            payload.update({"ok": ok, "chain_ok": ok, "chain_findings": links})
        elif ok and any(is_fill(d) for d in loaded):
            parts[0][2].append(
                "补抽记录单独给出：与原抽取记录的链接未核对，请一并给出原抽取记录（--record 原记录.json --record 补抽记录.json；规范 §15）"
            )
    elif draw is not None and not record:
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
