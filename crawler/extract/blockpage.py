"""Pages served in place of a guide: anti-bot challenges, WAF blocks, login walls, "系统繁忙"
pages with HTTP 200, soft-404s and server error pages served with 200. ``classify_page`` is a pure function of the page; the
spiders call it (through the extractor) on pages that are not guides and record those pages as
fetch failures of their own kind, never as guides or defects.

Each rule needs a specific signature (a challenge script, a WAF vendor's words) or, for words
that a real page might also contain, a small page: a list page that mentions 登录 in its menu is
not a login wall.
"""

from __future__ import annotations

import re

# kind → (Chinese fetch-failure text)
KINDS = {
    "challenge": "被拦截：JS 挑战页",
    "waf": "被拦截：防火墙拦截页",
    "login": "被拦截：需要登录",
    "busy": "被拦截：系统繁忙页（HTTP 200）",
    "soft404": "非指南页面：页面不存在（soft 404）",
    "error_page": "非指南页面：以 HTTP 200 返回的错误页",
    "empty": "非指南页面：空白页面（HTTP 200）",
    "undecodable": "无法解码：响应体不是任何字符集的文本",  # decode.undecodable / garbled, not classify_page
}
SMALL_PAGE = 1500  # visible characters: block and error pages are short
_CHALLENGE = re.compile(
    r"acw_sc__v2|__jsl_clearance|_0x[0-9a-f]{4,}.{0,200}document\.cookie|var\s+arg1\s*=|cf-chl|"
    r"challenge-platform|请开启\s*JavaScript|请启用\s*JavaScript|浏览器.{0,10}(?:JavaScript|JS).{0,10}(?:开启|启用)",
    re.I | re.S,
)
_WAF = re.compile(
    r"您的访问被拦截|访问被拦截|您的请求已被拦截|访问被拒绝|请求被拒绝|已被.{0,6}防火墙|Web应用防火墙|"
    r"网站防火墙|安全狗|云锁|知道创宇|创宇盾|360网站卫士|Request blocked|Access Denied|非法请求|"
    r"疑似攻击|您的IP.{0,10}(?:被|已)|访问过于频繁|请求过于频繁|滑动验证|安全验证|人机验证",
    re.I,
)
_LOGIN = re.compile(r"请先?登录|用户登录|统一身份认证|登录后(?:查看|访问|办理)|账号登录|扫码登录")
_PASSWORD = re.compile(r"""type\s*=\s*["']?password""", re.I)
_BUSY = re.compile(r"系统繁忙|服务器繁忙|系统维护|服务暂不可用|请稍后再试|请稍候再试|访问人数过多|服务异常")
_SOFT404 = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|您要的|页面)|页面已删除|内容已删除|信息不存在|事项不存在|"
    r"已下线|已失效|404\s*Not\s*Found|HTTP\s*404|^\s*404\s*$|未找到匹配的信息|您访问的页面",
    re.I,
)

# A server or application error page served with status 200 (a servlet's, a framework's).
_ERROR_PAGE = re.compile(
    r"HTTP\s*Status\s*5\d\d|\b5\d\d\s+(?:Internal\s+Server\s+Error|Bad\s+Gateway|Service\s+Unavailable|Gateway\s+Time-?out)|"
    r"Internal\s+Server\s+Error|服务器内部错误|服务器错误|系统错误|系统异常|程序出错|Whitelabel\s+Error\s+Page|"
    r"java\.lang\.\w+(?:Exception|Error)|Traceback\s+\(most\s+recent\s+call\s+last\)|Fatal\s+error:",
    re.I,
)


def classify_page(
    html: str, *, title: str | None = None, visible_text: str | None = None, status: int = 200
) -> str | None:
    """The kind of a non-guide page (a key of KINDS), or None for an ordinary page."""
    head = html[:30_000]
    visible = visible_text if visible_text is not None else ""
    small = len(visible.strip()) <= SMALL_PAGE
    where = (title or "") + "\n" + (visible[:3000] if small else "")
    if _CHALLENGE.search(head) and (small or "acw_sc__v2" in head):
        return "challenge"
    if small and _WAF.search(where + head[:3000]):
        return "waf"
    if _PASSWORD.search(head) and _LOGIN.search(where) and len(visible.strip()) <= 3000:
        return "login"
    if small and _BUSY.search(where):
        return "busy"
    if (small or status == 404) and _SOFT404.search(where):
        return "soft404"
    if small and _ERROR_PAGE.search(where):
        return "error_page"
    return None


def failure_text(kind: str) -> str:
    return KINDS.get(kind, f"被拦截：{kind}")


def says_busy(text: str) -> bool:
    """An answer (an API message, a short page) that says the system is busy or down."""
    return bool(_BUSY.search(text or ""))


def visible_of(html: str) -> str:
    """Rough visible text of a small page that came where JSON was expected (no parsing)."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html[:200_000])
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]*>", " ", text)).strip()
