"""qjtitle committee add|list|show."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import typer

from qjtitle import rules
from qjtitle.cli._console import console, print_json, table
from qjtitle.cli._options import DbOpt, JsonOpt, creates, parse_rate, writes

app = typer.Typer(help="评委会：新建、列表、查看。", no_args_is_help=True)


class Level(str, Enum):
    full_senior = "正高级"
    associate_senior = "副高级"
    intermediate = "中级"


@app.command("add")
@creates
def committee_add(
    code: Annotated[str, typer.Argument(help="评委会代码（自定，如 QJ-WS-FG）。")],
    name: Annotated[str, typer.Option("--name", help="评委会全称。")],
    level: Annotated[Level, typer.Option("--level", help="评审级别。")],
    series: Annotated[str, typer.Option("--series", help="评审系列，如 卫生。")],
    specialty: Annotated[
        list[str] | None, typer.Option("--specialty", help="评审专业（可重复）。")
    ] = None,
    organizer: Annotated[str, typer.Option("--organizer", help="组建单位。")] = "",
    approver: Annotated[str, typer.Option("--approver", help="核准组建部门。")] = "",
    min_size: Annotated[
        int | None, typer.Option("--min-size", help="评委会最少人数（单数）。")
    ] = None,
    pool_filed: Annotated[
        datetime | None,
        typer.Option("--pool-filed", formats=["%Y-%m-%d"], help="专家库备案日期，如 2022-06-30。"),
    ] = None,
    db: DbOpt = None,
) -> None:
    """新建评委会。

    示例：qjtitle committee add QJ-WS-ZJ --name "曲靖市卫生系列中级职称评审委员会" --level 中级 --series 卫生 --specialty 临床医学 --specialty 护理
    """
    from qjtitle import committees
    from qjtitle.store import open_store

    store = open_store(db)
    c = committees.add(
        store,
        code,
        name,
        level.value,
        series,
        specialty,
        organizer,
        approver,
        min_size,
        pool_filed.date() if pool_filed else None,
    )
    console().print(f"已新建评委会 [bold]{c.code}[/]：{c.name}（{c.level}，{c.series}系列）")


@app.command("list")
def committee_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """列出所有评委会。

    示例：qjtitle committee list --json
    """
    from qjtitle import committees

    items = committees.list_all(db)
    if as_json:
        print_json([c.as_dict() for c in items])
        return
    table(
        "评委会",
        ["代码", "名称", "级别", "系列", "专业", "申报人数"],
        [
            [
                c.committee.code,
                c.committee.name,
                c.committee.level,
                c.committee.series,
                "、".join(c.committee.specialties),
                c.applicants,
            ]
            for c in items
        ],
    )


@app.command("show")
def committee_show(
    code: Annotated[str, typer.Argument(help="评委会代码。")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看一个评委会。

    示例：qjtitle committee show QJ-WS-ZJ
    """
    from qjtitle import committees
    from qjtitle.store import open_store

    info = committees.show(open_store(db), code)
    if as_json:
        print_json([info.as_dict()])
        return
    from qjtitle.cli._audit_words import COMMITTEE_FIELDS as labels

    item = {
        **info.as_dict(),
        "vote_denominator": committees.denominator_name(info.vote_denominator),
    }
    table(
        None,
        ["项目", "内容"],
        [[labels[k], "、".join(v) if isinstance(v, list) else v] for k, v in item.items()],
    )


@app.command("set")
@writes
def committee_set(
    code: Annotated[str, typer.Argument(help="评委会代码。")],
    vote_denominator: Annotated[
        str | None,
        typer.Option(
            "--vote-denominator",
            metavar="全部出席|无须回避",
            help=f"有专家回避时{rules.PASS_THRESHOLD.number}的基数：全部出席（全部出席专家，默认）或 无须回避（出席且无须回避的专家）。",
        ),
    ] = None,
    pass_rate_cap: Annotated[
        float | None,
        typer.Option(
            "--pass-rate-cap",
            parser=parse_rate,
            metavar="比例",
            help="通过率上限（如 0.6 或 60%），超过时提示。",
        ),
    ] = None,
    no_pass_rate_cap: Annotated[
        bool, typer.Option("--no-pass-rate-cap", help="取消通过率上限。")
    ] = False,
    handler: Annotated[
        str | None, typer.Option("--handler", help="经办人姓名（印在签到表、报告等材料上）。")
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help="联系人（印在告知书、公示和报告上）。")
    ] = None,
    contact_phone: Annotated[
        str | None, typer.Option("--contact-phone", help="联系电话（办公电话）。")
    ] = None,
    signer: Annotated[str | None, typer.Option("--signer", help="备案报告的签发人。")] = None,
    doc_code: Annotated[
        str | None,
        typer.Option(
            "--doc-code",
            help="发文机关代字，如 曲卫职评：报告编号为 曲卫职评〔2023〕1号，补正告知书为 曲卫职评补〔2023〕1号。",
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """修改评委会设置：有回避时的表决基数、通过率上限（打印在表决结果和评审结果签字确认表上）；经办人、联系人、联系电话、签发人和发文机关代字（打印在报告、告知书和公示上）。

    示例：qjtitle committee set QJ-WS-ZJ --vote-denominator 全部出席 --pass-rate-cap 0.7 --handler 李芳 --signer 王国强 --doc-code 曲卫职评
    """
    from qjtitle import committees
    from qjtitle.logic.tally import DENOMINATORS
    from qjtitle.store import open_store

    officers = {
        k: v
        for k, v in (
            ("handler", handler),
            ("contact", contact),
            ("contact_phone", contact_phone),
            ("signer", signer),
            ("doc_code", doc_code),
        )
        if v is not None
    }
    c = committees.configure(
        open_store(db), code, vote_denominator, pass_rate_cap, no_pass_rate_cap, officers
    )
    cap = f"{c.pass_rate_cap:.0%}" if c.pass_rate_cap is not None else "未设"
    console().print(
        f"评委会 {c.code}：表决基数 {DENOMINATORS[c.vote_denominator]}；通过率上限 {cap}"
    )
    people = "；".join(
        f"{label} {getattr(c, key) or '未设'}" for key, label in committees.OFFICER_FIELDS.items()
    )
    console().print(people)
