"""E1-3 办理地点: street, house number, numbered room or window."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank, says_none
from guideaudit.checks.registry import Rule, checker, declare, find

_EXAMPLE = "如“广州市越秀区东风中路305号广东省政务服务中心2楼3号窗口”"

declare(
    Rule("location.missing", "E1-3", "办理地点未公布", "error",
         "未公布办理地点。", "写明街道名称、门牌号和房间号或窗口号，" + _EXAMPLE + "。"),
    Rule("location.offline-contradiction", "E1-3", "无线下窗口却需到现场", "error",
         "办理地点写“{text}”，但到办事现场次数为“{visits}”。",
         "需要到现场办理的，写明办理地点，" + _EXAMPLE + "；全程网办的，到现场次数应为 0。",
         applies_to="办理地点称无线下窗口、到现场次数不为 0 的事项",
         reads=("location", "onsite_visits")),
    Rule("location.placeholder", "E1-3", "办理地点为占位文字", "error",
         "办理地点“{text}”含占位文字（XX、×××、某）。", "用实际地址替换占位文字，" + _EXAMPLE + "。"),
    Rule("location.no-street", "E1-3", "办理地点缺少街道名称", "error",
         "办理地点“{text}”没有街道（路、街、大道、巷…）名称。", "补充街道名称，" + _EXAMPLE + "。"),
    Rule("location.no-number", "E1-3", "办理地点缺少门牌号", "error",
         "办理地点“{text}”没有门牌号（…号）。", "在街道名称后补充门牌号，" + _EXAMPLE + "。"),
    Rule("location.no-room-or-window", "E1-3", "办理地点缺少房间号或窗口号", "error",
         "办理地点“{text}”没有具体的房间号或窗口号（“综合窗口”“所有窗口”“2楼窗口”不足以找到窗口）。",
         "写明房间号或窗口号，如“1103室”“3号窗口”“1-4号窗口”。"),
)


@checker("E1-3")
def check(g: Guide):
    text = g.record.location
    if blank(text) or says_none(text):
        yield find("location.missing", text)
        return
    address = g.address
    if address.no_offline:
        # 0 visits makes E1-3 not applicable; getting here means visits are not 0
        yield find("location.offline-contradiction", text, text=text, visits=g.record.onsite_visits or "未公布")
        return
    if address.placeholder:
        yield find("location.placeholder", text, text=text)
        return
    if not address.street:
        yield find("location.no-street", text, text=text)
    if not address.number:
        yield find("location.no-number", text, text=text)
    if not address.room_or_window:
        yield find("location.no-room-or-window", text, text=text)
