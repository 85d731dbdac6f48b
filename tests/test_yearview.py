"""The year at a glance (qjtitle status --html, schedule N --html): the data, the page, and the page
as headless Chromium shows it (skipped, with the reason, only where Chromium cannot be found)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlmodel import select

from qjtitle import demo
from qjtitle import meetings as meeting
from qjtitle.calendar import milestones, schedule, timeline, yearpage, yearview
from qjtitle.logic.workdays import HOLIDAY, MAKEUP, WorkCalendar
from qjtitle.models import Applicant, DrawPick, Expert
from qjtitle.store import open_store

CAL = WorkCalendar()


# --- Reading the page back ----------------------------------------------------------------------


class Rows(HTMLParser):
    """Each milestone row (tr[data-milestone]) of the timeline: its attributes and the text of each
    cell by class, leaving out the chart's SVG; and every src/href/url(...) the page holds."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.links: list[str] = []
        self.root: dict[str, str | None] = {}
        self._cell: str | None = None
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href", "xlink:href", "action") and v]
        if tag == "html":
            self.root = a
        if tag == "tr" and "data-milestone" in a:
            self.rows.append({"attrs": a, "cells": {}})
        elif tag == "tr":
            self._cell = None
        if tag == "svg":
            self._svg += 1
        if self.rows and tag in ("th", "td") and self.rows[-1]["cells"].get("_closed") is None:
            self._cell = (a.get("class") or "label").split()[0]
            self.rows[-1]["cells"].setdefault(self._cell, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg -= 1
        if tag == "tr" and self.rows:
            self.rows[-1]["cells"].setdefault("_closed", "")
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell and not self._svg and self.rows and "_closed" not in self.rows[-1]["cells"]:
            self.rows[-1]["cells"][self._cell] += data


def read_rows(html: str) -> Rows:
    parsed = Rows()
    parsed.feed(html)
    return parsed


def row_of(rows: Rows, meeting_id: int, key: str) -> dict:
    found = [
        r
        for r in rows.rows
        if r["attrs"]["data-meeting"] == str(meeting_id) and r["attrs"]["data-milestone"] == key
    ]
    assert len(found) == 1, (meeting_id, key, len(found))
    return {
        "attrs": found[0]["attrs"],
        **{k: " ".join(v.split()) for k, v in found[0]["cells"].items()},
    }


def expected_status(it: milestones.Item) -> str:
    """What the status cell must say about a milestone, from the schedule itself."""
    if it.key == "meeting":
        return it.status
    if it.status == milestones.DONE:
        return f"已完成 {it.actual_first.isoformat()}"  # type: ignore[union-attr]
    if it.status == milestones.OVERDUE:
        return f"逾期 {-(it.days_left or 0)} 个工作日"
    if it.status in (milestones.TODO, milestones.SOON):
        return f"还有 {it.days_left} 个工作日"
    return it.status


def assert_every_milestone(html: str, plans: list[schedule.Schedule]) -> None:
    """Every milestone of every meeting is on the page with its date(s) and its status in words."""
    rows = read_rows(html)
    assert len(rows.rows) == sum(len(p.items) for p in plans)
    for p in plans:
        for it in p.items:
            row = row_of(rows, p.meeting.id, it.key)
            assert row["label"] == it.label
            assert expected_status(it) in row["status"], (it.key, row["status"])
            for day in (it.latest, it.earliest):
                if day is not None:
                    assert str(day.year) in row["plan"] and day.strftime("%m-%d") in row["plan"], (
                        it.key,
                        row["plan"],
                    )
            if it.latest is None:
                assert row["plan"] == it.note
            if it.actual_first is not None:
                assert it.actual_first.isoformat() in row["status"]
            if it.actual_last is not None:
                assert it.actual_last.strftime("%m-%d") in row["status"]
            assert row["source"] == (it.rule.source if it.rule else "—")
            assert it.label in row["attrs"]["title"] and "计划：" in row["attrs"]["title"]
            if it.rule:
                assert f"依据：{it.rule.text}（{it.rule.source}）" in row["attrs"]["title"]


# --- The demo's page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_plans(demo_run) -> list[schedule.Schedule]:
    store = open_store(demo_run.store_path)
    try:
        return [
            schedule.evaluate(store, m.id, demo.POST_FILING_DAY)
            for m in meeting.list_all(store, year=demo.YEAR)
        ]
    finally:
        store.close()


def test_the_demo_writes_the_year_page(demo_run, demo_plans) -> None:
    page = demo_run.year_page
    assert page is not None and page.name == "年度进度.html"
    assert (
        "全年进度网页（时间轴、状态、近几周待办；用浏览器打开，不联网）",
        str(page),
    ) in demo_run.steps
    html = page.read_text(encoding="utf-8")
    assert "<title>2023年度职称评审工作进度（截至 2023-12-01）</title>" in html
    assert_every_milestone(html, demo_plans)
    rows = read_rows(html)
    assert row_of(rows, 1, "pre-filing")["status"] == "已完成 2023-11-13"
    assert row_of(rows, 1, "result-publicity")["status"] == "已完成 2023-11-21 至 11-27"
    assert row_of(rows, 1, "meeting")["status"] == "已召开"
    assert row_of(rows, 1, "platform-entry")["status"] == "待定：收到任职文件后5个工作日内"
    # National Day 2023 is shaded as a break, and the two make-up Saturdays/Sundays as 调休上班.
    assert 'title="2023-09-29 至 2023-10-06 放假：中秋节、国庆节"' in html
    assert 'title="2023-10-07 至 2023-10-08 调休上班（周末上班）"' in html


def test_the_page_holds_no_personal_data(demo_run) -> None:
    """No ID number, no mobile or office phone, and none of the demo's applicants, experts, drawers,
    supervisor or contact person."""
    html = demo_run.year_page.read_text(encoding="utf-8")
    store = open_store(demo_run.store_path)
    try:
        with store.transaction() as session:
            people = [(a.name, a.id_number, a.phone) for a in session.exec(select(Applicant)).all()]
            people += [(e.name, e.id_number, e.phone) for e in session.exec(select(Expert)).all()]
            people += [(p.name, "", "") for p in session.exec(select(DrawPick)).all()]
    finally:
        store.close()
    assert len(people) > 50
    names = (
        {n for n, _, _ in people if n} | set(demo.DRAW["drawers"]) | set(demo.DRAW["supervisors"])
    )
    names |= {demo.FILING_OPTIONS.contact}
    numbers = {x for _, i, p in people for x in (i, p) if x}
    assert not [n for n in names if n in html]
    assert not [x for x in numbers if x in html]
    assert not re.search(r"\d{17}[\dXx]", html)  # an ID number
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)  # a mobile number
    assert not re.search(r"0\d{2,3}-\d{7,8}", html)  # an office number (the demo's contact has one)


def test_the_page_loads_nothing(demo_run) -> None:
    html = demo_run.year_page.read_text(encoding="utf-8")
    rows = read_rows(html)
    assert set(rows.links) == {"#days"}  # no src, no href but the shared shading inside the page
    assert "data-overview=" not in html  # one meeting: no overview above its timeline
    assert not re.search(
        r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|url\((?!#)", html, flags=re.IGNORECASE
    )
    assert "@import" not in html and "@font-face" not in html
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert found
    csp = unescape(found.group(1))
    assert csp.startswith("default-src 'none';") and "'unsafe-eval'" not in csp
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    assert scripts == [yearview.WIDTH_SCRIPT]  # the one inline line the CSP allows by its hash
    assert f"script-src '{yearview._script_hash(scripts[0])}';" in csp


# --- The data -----------------------------------------------------------------------------------


def test_statuses_in_words(store, committee) -> None:
    """Done with the recorded date, due with the working days left, overdue by N working days,
    a problem with the working days it misses by."""
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, "曲靖市会议中心")
    schedule.record(store, m.id, "notice", date(2023, 9, 20), today=date(2023, 11, 8))
    schedule.record(
        store,
        m.id,
        "recommendation-publicity",
        date(2023, 10, 16),
        date(2023, 10, 20),
        today=date(2023, 11, 8),
    )
    schedule.record(  # a day late: recorded as it happened
        store, m.id, "draw", date(2023, 11, 14), today=date(2023, 11, 8), force_reason="照实登记"
    )
    view = yearview.gather_year(store, 2023, date(2023, 11, 15), CAL)
    by_key = {s.key: s for _c, _m, s in view.milestones}
    assert (by_key["notice"].status, by_key["notice"].status_text) == (
        yearview.DONE,
        "已完成 2023-09-20",
    )
    assert by_key["recommendation-publicity"].status_text == "已完成 2023-10-16 至 10-20"
    # The pre-meeting publicity had to start by Mon 2023-11-06: seven working days ago on Wed 11-15.
    assert (by_key["pre-publicity"].status, by_key["pre-publicity"].status_text) == (
        yearview.OVERDUE,
        "逾期 7 个工作日",
    )
    assert (by_key["draw"].status, by_key["draw"].status_text) == (
        yearview.PROBLEM,
        "有问题 2023-11-14（差 1 个工作日）",
    )
    assert any("晚了 1 个工作日" in p for p in by_key["draw"].problems)
    assert (by_key["consent"].status, by_key["consent"].status_text) == (
        yearview.SOON,
        "临近，还有 3 个工作日",
    )
    assert (by_key["post-filing"].status, by_key["post-filing"].status_text) == (
        yearview.DUE,
        "待办，还有 18 个工作日",
    )
    assert by_key["meeting"].status_text == "待召开"
    # The overdue stretch is drawn from the day after the deadline to today.
    axis = view.axis
    assert axis is not None
    late = [s for s in by_key["pre-publicity"].shapes if s.cls == "late"]
    assert [(s.x, s.width) for s in late] == [(axis.x(date(2023, 11, 7)), 9)]
    counts = {cls: n for cls, _words, n in view.counts}
    assert (
        counts[yearview.DONE],
        counts[yearview.PROBLEM],
        counts[yearview.OVERDUE],
        counts["provisional"],
    ) == (2, 1, 2, 0)
    assert (
        by_key["pre-filing"].status_text == "逾期 2 个工作日"
    )  # due Mon 11-13: Tue and Wed have passed
    # The month view: five weeks from Monday 2023-11-13, today marked, what falls due listed per committee.
    assert [w[0].day for w in view.weeks] == [
        date(2023, 11, 13) + timedelta(days=7 * i) for i in range(5)
    ]
    today = [d for w in view.weeks for d in w if d.today]
    assert [d.day for d in today] == [date(2023, 11, 15)]
    agenda = view.agenda[0]
    assert agenda.name == "曲靖市卫生系列中级职称评审委员会"
    labels = [(e.day, e.label, e.status) for e in agenda.entries]
    assert (date(2023, 11, 6), "会前公示开始", yearview.OVERDUE) in labels
    assert (date(2023, 11, 20), "评审会议", yearview.MEETING) in labels
    assert (date(2023, 11, 20), "核准部门同意召开截止", yearview.SOON) in labels
    assert all(e.day >= date(2023, 11, 15) or e.status == yearview.OVERDUE for e in agenda.entries)


def test_a_publicity_without_its_end_has_started(store, committee) -> None:
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, "曲靖市会议中心")
    schedule.record(store, m.id, "result-publicity", date(2023, 11, 21), today=date(2023, 11, 22))
    view = yearview.gather_meeting(store, m.id, date(2023, 11, 22), CAL)
    row = next(s for _c, _m, s in view.milestones if s.key == "result-publicity")
    assert (row.status, row.status_text) == (yearview.STARTED, "已开始 2023-11-21，未登记结束日期")
    assert row.recorded == "2023-11-21 起（未登记结束日期）"
    assert [s.cls for s in row.shapes] == ["plan-started", "actual-started"]
    assert {cls: n for cls, _w, n in view.counts}[yearview.STARTED] == 1
    assert view.title == "评审会议 1 时间节点：曲靖市卫生系列中级职称评审委员会"


def test_provisional_years_are_marked(store, committee) -> None:
    """A meeting in a year whose 调休 schedule is not published: every date 暂定, the year marked on
    the axis, the warning on top of the page."""
    year = (
        max(y for y in range(2024, 2040) if not CAL.is_known_year(y) and CAL.is_known_year(y - 1))
        + 1
    )
    meeting.add(store, "QJ-WS-ZJ", date(year, 11, 20), 11, "曲靖市会议中心")
    view = yearview.gather_year(store, year, date(year, 9, 1), CAL)
    assert all(s.provisional for _c, _m, s in view.milestones if s.due is not None)
    assert view.axis is not None and view.axis.provisional[0].label == f"{year}年调休未公布：暂定"
    assert view.provisional_warnings and f"{year}年" in view.provisional_warnings[0]
    html = yearpage.render(view)
    assert html.count('data-provisional="yes"') == sum(
        1 for _c, _m, s in view.milestones if s.provisional
    )
    assert f"{year}年调休未公布：暂定" in html and "<b>暂定：</b>" in html


def test_holidays_and_makeup_days_on_the_axis() -> None:
    axis = timeline.make_axis(CAL, date(2023, 9, 20), date(2023, 10, 20), date(2023, 10, 9))
    assert (
        axis.first == date(2023, 9, 11) and axis.first.weekday() == 0 and axis.last.weekday() == 6
    )
    by_kind = {(s.cls, axis.first + timedelta(days=s.x), s.width) for s in axis.shades}
    assert (HOLIDAY, date(2023, 9, 29), 8) in by_kind  # 9-29 to 10-06, the weekend inside included
    assert (MAKEUP, date(2023, 10, 7), 2) in by_kind
    assert [b.label for b in axis.holidays] == ["国庆节", "班"]
    assert axis.today_x == axis.x(date(2023, 10, 9))
    assert [b.label for b in axis.months] == ["2023年9月", "10月"]


def test_the_template_is_sandboxed_and_escapes(store, committee) -> None:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    assert isinstance(yearpage.environment(), ImmutableSandboxedEnvironment)
    meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, '<script>alert("x")</script>&会议室')
    html = yearpage.render(yearview.gather_year(store, 2023, date(2023, 9, 25), CAL))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;会议室" in html


def test_no_meeting_gives_a_page_that_says_so(store, committee) -> None:
    html = yearpage.render(yearview.gather_year(store, 2023, date(2023, 9, 25), CAL))
    assert "2023年度还没有评审会议" in html and read_rows(html).rows == []


# --- Through the CLI ----------------------------------------------------------------------------


def test_status_and_schedule_write_the_page(cli, store, committee, tmp_path: Path) -> None:
    meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, "曲靖市会议中心")
    page = tmp_path / "年度进度.html"
    result = cli("status", "--year", "2023", "--today", "2023-09-25", "--html", str(page))
    assert result.exit_code == 0, result.output
    assert f"已写入网页 {page}" in result.stderr
    plans = [schedule.evaluate(store, 1, date(2023, 9, 25))]
    assert_every_milestone(page.read_text(encoding="utf-8"), plans)
    one = tmp_path / "会议1.html"
    result = cli("schedule", "1", "--today", "2023-09-25", "--html", str(one))
    assert result.exit_code == 0, result.output
    html = one.read_text(encoding="utf-8")
    assert "<h1>评审会议 1 时间节点：曲靖市卫生系列中级职称评审委员会</h1>" in html
    assert_every_milestone(html, plans)
    result = cli("status", "--year", "2023", "--html", str(tmp_path / "没有" / "x.html"))
    assert result.exit_code == 1 and "文件夹" in result.stderr and "不存在" in result.stderr
    assert not (tmp_path / "没有").exists()


# --- In a browser -------------------------------------------------------------------------------


def find_chromium() -> str | None:
    return next(
        (
            p
            for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
            if p
        ),
        None,
    )


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not found (Debian: apt-get install chromium; .ci/run installs it)",
)


def chromium(page: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess[bytes]:
    """Headless Chromium at 1280x900 with every host name unresolvable and background traffic off."""
    assert CHROMIUM is not None
    profile = tempfile.mkdtemp(dir=tmp)
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for (Chromium's own update and account checks have no origin)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start
        and "url" in e.get("params", {})
        and e["params"].get("initiator") != "not an origin"
    ]


def png_size_and_colours(png: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values of the decoded image data."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@needs_chromium
def test_the_demo_page_in_chromium(demo_run, demo_plans, tmp_path: Path) -> None:
    page = demo_run.year_page
    netlog = tmp_path / "netlog.json"
    dom = chromium(page, "--dump-dom", f"--log-net-log={netlog}", tmp=tmp_path).stdout.decode(
        "utf-8"
    )
    # The DOM after load: the inline script ran (the CSP allowed it by its hash) and found no overflow.
    rows = read_rows(dom)
    width = rows.root.get("data-scroll-width")
    assert width is not None, "the page's script did not run"
    assert int(width) <= 1280
    assert_every_milestone(dom, demo_plans)
    assert page_requests(netlog) == []
    shot = tmp_path / "年度进度.png"
    chromium(page, f"--screenshot={shot}", tmp=tmp_path)
    w, h, colours = png_size_and_colours(shot)
    assert (w, h) == (1280, 900) and colours > 50  # a drawn page, not a blank one


@needs_chromium
def test_the_request_check_sees_a_leaking_page(tmp_path: Path) -> None:
    """The check above is not vacuous: a page with an outside image and style sheet is caught."""
    leak = tmp_path / "leak.html"
    leak.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png">'
        '<link rel="stylesheet" href="https://fonts.example.invalid/a.css"></body></html>',
        encoding="utf-8",
    )
    netlog = tmp_path / "netlog.json"
    chromium(leak, "--dump-dom", f"--log-net-log={netlog}", tmp=tmp_path)
    assert sorted(page_requests(netlog)) == [
        "http://example.invalid/x.png",
        "https://fonts.example.invalid/a.css",
    ]


@needs_chromium
def test_the_pages_policy_blocks_what_slips_in(demo_run, tmp_path: Path) -> None:
    """Were an outside image, style sheet or script ever added to the page, its own CSP stops the request."""
    html = demo_run.year_page.read_text(encoding="utf-8")
    slipped = tmp_path / "slipped.html"
    slipped.write_text(
        html.replace(
            "</body>",
            '<img src="http://example.invalid/x.png"><link rel="stylesheet" href="https://fonts.example.invalid/a.css">'
            '<script src="https://cdn.example.invalid/x.js"></script></body>',
        ),
        encoding="utf-8",
    )
    netlog = tmp_path / "netlog.json"
    dom = chromium(slipped, "--dump-dom", f"--log-net-log={netlog}", tmp=tmp_path).stdout.decode(
        "utf-8"
    )
    assert read_rows(dom).root.get("data-scroll-width")  # the page's own script still runs
    assert page_requests(netlog) == []


@needs_chromium
def test_a_busy_year_fits_1280_px(store, committee, tmp_path: Path) -> None:
    """Three committees, problems and overdue steps, long words: still no overflow at 1280 px."""
    from qjtitle import committees

    committees.add(
        store,
        "QJ-GC-ZG",
        "曲靖市工程技术系列正高级职称评审委员会（土木建筑、交通运输、水利电力）",
        "正高级",
        "工程",
        ["土木"],
        "曲靖市住房和城乡建设局",
        "曲靖市人力资源和社会保障局",
        25,
    )
    meeting.add(store, "QJ-WS-ZJ", date(2023, 10, 10), 11, "曲靖市会议中心")
    meeting.add(
        store,
        "QJ-GC-ZG",
        date(2023, 12, 12),
        25,
        "曲靖市会议中心第三会议室（麒麟区）",
        end_date=date(2023, 12, 13),
    )
    schedule.record(
        store, 1, "draw", date(2023, 9, 28), today=date(2023, 11, 8), force_reason="照实登记"
    )
    page = tmp_path / "busy.html"
    view = yearview.gather_year(store, 2023, date(2023, 11, 8), CAL)
    yearpage.write_html(view, page)
    dom = chromium(page, "--dump-dom", tmp=tmp_path).stdout.decode("utf-8")
    rows = read_rows(dom)
    assert int(rows.root["data-scroll-width"] or 0) <= 1280
    assert len(rows.rows) == len(view.milestones) == 11 + 12
    # The overview: one row per meeting, linked to the meeting's timeline inside the page.
    assert re.findall(r'data-overview="(\d+)"', dom) == ["1", "2"]
    assert sorted(set(rows.links)) == ["#days", "#meeting-1", "#meeting-2"]
    assert 'id="meeting-1"' in dom and 'id="meeting-2"' in dom and 'id="days"' in dom
    first = view.committees[0].meetings[0]
    assert first.trouble == "逾期 7 项，有问题 1 项"
    assert first.next_step == "下一步：发布评审通知 不晚于 2023-08-23（三）（逾期 51 个工作日）"


@needs_chromium
def test_the_page_prints_on_a4_landscape(demo_run, tmp_path: Path) -> None:
    """Chromium's print (the page's @page rule) gives A4 landscape pages: 297 x 210 mm = 842 x 595 pt."""
    pdf = tmp_path / "年度进度.pdf"
    chromium(demo_run.year_page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", tmp=tmp_path)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes and all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in boxes)
