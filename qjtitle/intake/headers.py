"""Column names as employers write them: one table of aliases per field, the one home for the
application roster (附件2) and the expert pool.

Each field's label is the name qjtitle's own forms use; the aliases are the older and regional
names employers' offices still type (所在县区, 单位名称, 公民身份号码, 联系方式, 申报类型 …) and the
names a two-row merged header gives when a lower cell is read with the merged cell above it
(申报 over 系列 → 申报系列; 现专业技术职务 over 取得时间 → 现专业技术职务取得时间). A name that is
in no table can be mapped for one import, and a mapping can be kept for the committee
(``intake.column_maps``)."""

from __future__ import annotations

# Fields both formats have.
_SHARED: dict[str, tuple[str, ...]] = {
    "name": ("申报人姓名", "申报人", "名字", "专家姓名", "姓 名"),
    "gender": ("性 别",),
    "id_number": (
        "身份证号",
        "公民身份号码",
        "身份证件号码",
        "身份证",
        "居民身份证号码",
        "证件号码",
        "身份证号码(18位)",
        "公民身份证号码",
        "居民身份证号",
    ),
    "unit": (
        "单位名称",
        "所在单位",
        "工作单位全称",
        "单位",
        "工作单位名称",
        "现工作单位",
        "现工作单位全称",
        "任职单位",
    ),
    "phone": ("手机号码", "手机", "电话", "联系方式", "手机号", "联系手机", "移动电话", "电话号码"),
}

ROSTER_ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("编号", "序"),
    "name": _SHARED["name"],
    "gender": _SHARED["gender"],
    "birth": ("出生日期", "出生年月日", "出生时间", "出生年份"),
    "id_number": _SHARED["id_number"],
    "unit": (*_SHARED["unit"], "申报人单位"),
    "county": (
        "所在县(市、区)",
        "县（市、区）",
        "县(市、区)",
        "所在县市区",
        "所属县（市、区）",
        "所在地区",
        "所在县区",
        "县区",
        "县市区",
        "所属县区",
        "所在县(区)",
        "所在县(市)区",
        "县(市)区",
        "所在县(市,区)",
        "所属地区",
    ),
    "education": ("最高学历", "学历学位", "学历(学位)", "文化程度"),
    "school": ("毕业学校", "毕业院校及专业", "毕业院校(学校)"),
    "major": ("专业（所学）", "毕业专业", "所学专业名称"),
    "graduated": ("毕业日期", "毕业年月"),
    "work_start": ("参加工作日期", "参加工作年月", "工作时间", "参加工作时间(年月)"),
    "current_title": (
        "现任专业技术职务",
        "现职称",
        "现专业技术职称",
        "现任职称",
        "现有职称",
        "现专业技术资格",
        "现专业技术职务名称",
        "现专业技术职务(职称)名称",
        "现职称名称",
        "现任专业技术职务名称",
    ),
    "current_title_date": (
        "取得现职时间",
        "现职称取得时间",
        "取得时间",
        "任现职时间",
        "现职取得年月",
        "取得现职称时间",
        "现专业技术职务取得时间",
        "现职称取得年月",
        "现任专业技术职务取得时间",
        "现专业技术职务取得年月",
    ),
    "series": ("系列", "评审系列", "职称系列", "申报职称系列"),
    "specialty": ("评审专业", "专业", "申报评审专业"),
    "title_name": (
        "申报职称",
        "申报资格",
        "拟申报资格名称",
        "申报职称名称",
        "申报专业技术资格",
        "申报资格名称",
        "申报职务名称",
        "申报专业技术职务",
    ),
    "level": ("申报层级", "级别", "申报职称级别", "申报等级"),
    "route": ("申报类型", "评审方式", "申报途径", "申报形式"),
    "phone": (*_SHARED["phone"], "本人联系电话"),
    "note": ("说明",),
}

POOL_ALIASES: dict[str, tuple[str, ...]] = {
    "name": _SHARED["name"],
    "gender": _SHARED["gender"],
    "id_number": _SHARED["id_number"],
    "unit": _SHARED["unit"],
    "title": ("专业技术职务", "现专业技术职务", "职称名称", "专业技术职称", "现职称"),
    "level": ("级别", "职称层级", "专业技术职务级别"),
    "series": ("职称系列", "评审系列"),
    "specialty": ("评审专业", "从事专业", "专业名称"),
    "phone": _SHARED["phone"],
    "joined": ("入库日期", "入库年月"),
    "term": ("任期", "任期起止时间", "聘期", "任期时间"),
    "status": ("专家状态", "在库状态"),
}
