"""Pulling numbers, phones and ratings out of what residents type, and showing times in Beijing time."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

from actions.vocab import BASICALLY_SATISFIED, RATINGS, SATISFIED, UNSATISFIED

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASE_NO_RE = re.compile(r"C\d{6}-\d{8}-\d{5}", re.IGNORECASE)
# The API's tracking numbers are "R" + local date + sequence, e.g. R20261124000042 (a dash is tolerated).
TRACKING_NO_RE = re.compile(r"(?<![A-Za-z0-9-])(R\d{8}-?\d{4,6})(?![A-Za-z0-9])", re.IGNORECASE)
# Numbers as people write them: "139 1234 5678", "139-1234-5678", "+86 139…" (after normalise(): full-width
# digits and dashes are ASCII by then). One separator at most between the groups.
SEP = r"[ \-.]?"
MOBILE_RE = re.compile(r"(?<![\dA-Za-z-])(?:\(?\+?86\)?" + SEP + r")?(1[3-9]\d)" + SEP + r"(\d{4})" + SEP
                       + r"(\d{4})(?!\d)")
LANDLINE_RE = re.compile(r"(?<![\dA-Za-z-])(0\d{2,3})[ \-]?(\d{7,8})(?!\d)")
# Every dash-like character residents' keyboards produce ("－" full-width, "—" "–" "‐" "―" "﹣").
DASHES_RE = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]")
CANCEL_RE = re.compile(r"取消|不报了|不反映了|不想报|不想反映|别提交|不提交|算了|撤销")
YES_RE = re.compile(r"^/affirm$|是|对|好|嗯|确认|确定|没错|可以|行|提交|正确|没问题|没毛病|ok|yes|同一|^(?:中|成|妥)",
                    re.IGNORECASE)
# Asking for a person, whatever else the message says ("转人工，我的手机号139…" is a hand-off, not a report).
HANDOFF_RE = re.compile(r"转人工|转接人工|人工客服|人工服务|找人工|要人工|真人|话务员|坐席")
# A rating said outright ("…的处理结果不满意"), as opposed to a status question that happens to say 一般/不行.
RATING_STATED_RE = re.compile(r"满意|好评|差评")
NOT_SOLVED_RE = re.compile(r"没解决|没有解决|未解决|还没处理|还在那|根本没")
SOLVED_RE = re.compile(r"已解决|解决了|处理好了|弄好了")
RATING_WORDS = [
    (BASICALLY_SATISFIED, ("基本满意", "还行", "一般", "凑合")),
    (UNSATISFIED, ("不满意", "差评", "太差", "不行")),
    (SATISFIED, ("满意", "好评", "很好", "不错")),
]
RATING_LABELS = RATINGS


def normalise(text: Optional[str]) -> str:
    """Full-width letters, digits and spaces to ASCII (NFKC), every dash to "-": what the number patterns expect."""
    return DASHES_RE.sub("-", unicodedata.normalize("NFKC", text or ""))


def find_case_no(text: str) -> Optional[str]:
    match = CASE_NO_RE.search(normalise(text))
    return match.group(0).upper() if match else None


def find_tracking_no(text: str) -> Optional[str]:
    match = TRACKING_NO_RE.search(normalise(text))
    return match.group(1).upper().replace("-", "") if match else None


# Spoken or typed digit by digit: "一三九一二三四五六七八" (voice input writes what it hears; 幺 is how a 1 is said
# on the phone), "1 3 9 1 2 3 4 5 6 7 8".
SPOKEN_DIGITS = {"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
                 "六": "6", "七": "7", "八": "8", "九": "9"}
DIGIT = "[0-9" + "".join(SPOKEN_DIGITS) + "]"
DIGIT_BY_DIGIT_RE = re.compile(rf"(?<![0-9]){DIGIT}(?:[ ,，、.\-]?{DIGIT}){{10}}(?![0-9])")


def find_phone(text: str) -> Optional[str]:
    """The phone number in a message, normalised to digits ("13912345678", "053288888888"); the API
    canonicalises it to E.164. Case and tracking numbers are removed first: their digits are no phone."""
    rest = TRACKING_NO_RE.sub(" ", CASE_NO_RE.sub(" ", normalise(text)))
    match = MOBILE_RE.search(rest)
    if match:
        return "".join(match.groups())
    match = LANDLINE_RE.search(rest)
    if match:
        return "-".join(match.groups())
    for run in DIGIT_BY_DIGIT_RE.finditer(rest):
        digits = "".join(SPOKEN_DIGITS.get(c, c) for c in run.group(0) if c.isdigit() or c in SPOKEN_DIGITS)
        if re.fullmatch(r"1[3-9]\d{9}", digits):
            return digits
    return None


# What is left of "我的手机是139…" or "案件号C370202-…" without the number: no place either.
NUMBER_FRAME_RE = re.compile(r"我的|我|手机号?码?|电话号?码?|号码|联系方式|是|为|案件号?|受理编号|编号|对|的|处理结果|"
                             r"好|嗯|可以|行|打|这个|就|吧|你记|记|一下|"
                             r"满意|不满意|基本满意|[\s\d+()\-.,，。:：!！?？、]")


def is_number_not_place(text: str) -> bool:
    """A phone, case or tracking number (or a bare run of digits such as a case number's date part) that NLU
    tagged as a place: "没有找到“20261205”这个地点" must never be asked."""
    plain = normalise(text).strip()
    if not plain:
        return False
    rest = TRACKING_NO_RE.sub("", CASE_NO_RE.sub("", plain))
    phone = MOBILE_RE.search(rest) or LANDLINE_RE.search(rest) or DIGIT_BY_DIGIT_RE.search(rest)
    if phone:
        rest = rest[:phone.start()] + rest[phone.end():]
    return not NUMBER_FRAME_RE.sub("", rest)


def phone_shown(phone: str) -> str:
    """A number as the resident sees it back in chat: 139****5678 (national form, middle masked)."""
    digits = re.sub(r"\D", "", phone or "")
    if (phone or "").strip().startswith("+86"):  # E.164 from the API: back to the national form
        digits = digits[2:] if digits[2:3] == "1" else "0" + digits[2:]
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else digits


def wants_human(text: str) -> bool:
    return bool(HANDOFF_RE.search(text or ""))


def states_rating(text: str) -> bool:
    return bool(RATING_STATED_RE.search(text or ""))


# "不对/不是/错了": the resident corrects something; not a cancel and not "no phone" (不用/不要/没有).
CORRECTION_RE = re.compile(r"不对|不是|错了|不正确|有误|改一下|修改")


def is_correction(text: str) -> bool:
    """Only the correction itself ("不对", "不对不对，错了"): a message that also says what is new is that news."""
    rest = re.sub(r"[\s,，。.!！?？、~～]|了|的|啊|呀|吧|哦|我|说|搞|刚才", "", CORRECTION_RE.sub("", text or ""))
    return bool(CORRECTION_RE.search(text or "")) and not rest and not is_cancel(text)


# "算了，不留了" at the phone question gives up the phone, not the report.
NO_PHONE_RE = re.compile(r"不留|不用|不需要|不方便|不想留|不给")


def declines_phone(text: str) -> bool:
    return bool(NO_PHONE_RE.search(text or ""))


def is_cancel(text: str, asked: Optional[str] = None) -> bool:
    if asked == "contact_phone" and NO_PHONE_RE.search(text or ""):
        return False
    return bool(CANCEL_RE.search(text or ""))


OPENER_RE = re.compile(r"^(您好|你好)?[，,]?(我)?(要|想)?(反映|投诉|举报|上报|报)"
                       r"(一下|一个|个)?(城市管理)?(的)?(问题)?[。！!]?$")


def is_opener(text: str) -> bool:
    """'我要反映问题' and the like: wanting to report, without saying what yet."""
    return bool(OPENER_RE.match((text or "").strip()))


ONLY_YES_RE = re.compile(r"^(?:(?:好的?|好滴|好嘞|行|可以|是的?|对的?|嗯+|呃|哦|没问题|方便|当然|ok|okay|可以的|行吧|"
                         r"好吧|中|成|那好|那行|稍等|等一下|我看看|我想想)[的呀啊吧哈嘛呢。，,.!！~～\s]*)+$", re.IGNORECASE)


def is_only_yes(text: str) -> bool:
    """A bare yes or "wait" ("好的", "可以", "是的", "稍等") with nothing else in it."""
    return bool(ONLY_YES_RE.match(normalise(text).strip()))


# What residents put around a place they are asked for: "好的，", "不对，是在…", "就在…这边".
PLACE_FRAME_RE = re.compile(r"^(?:(?:好的?|嗯+|是的?|对的?|不对|不是|错了|哦|噢|那个|就是)[\s,，。.!！]*)*"
                            r"(?:地点|地址|位置)?(?:是|在|改成|改为)?(?:在)?")


def place_answer(text: str) -> Optional[str]:
    """The answer to "where?" without its yes-words or correction words (None when nothing is left)."""
    rest = PLACE_FRAME_RE.sub("", normalise(text).strip(), count=1).strip(" ，,。.！!")
    return rest or None


# Words around a place that say nothing about a problem ("就在…那边", "地点是…门口").
PLACE_ONLY_RE = re.compile(r"我的|电话|手机号?|号码|你好|您好|喂|在吗|谢谢|好的|嗯|哦|就是|那个|我在|地点|地址|位置|具体|应该|大概|是|在|就|"
                           r"那边|这边|那块|这块|那儿|这儿|那里|这里|附近|旁边|边上|对面|门口|路口|一带|那旮旯|旮旯|搁|"
                           r"[东南西北]侧|[东南西北]门|[东南西北]边|号楼|单元|的|了|啊|呀|吧|呢|[\s\d,，。.!！?？、:：~～-]")


def has_more_than_place(text: str, place: str) -> bool:
    """The message says something besides the place (and a phone or number), e.g. what is wrong there."""
    rest = normalise(text)
    if place:
        rest = rest.replace(normalise(place), "")
    rest = TRACKING_NO_RE.sub("", CASE_NO_RE.sub("", rest))
    for pattern in (MOBILE_RE, LANDLINE_RE, DIGIT_BY_DIGIT_RE):
        rest = pattern.sub("", rest)
    return len(PLACE_ONLY_RE.sub("", rest)) >= 2


def looks_like_yes(text: str) -> bool:
    return bool(YES_RE.search((text or "").strip()))


def rating_from(entity_value: Optional[str], text: str) -> Optional[str]:
    """Canonical rating from the synonym-mapped entity, else from the words in the message."""
    if entity_value in RATING_LABELS:
        return entity_value
    for value, words in RATING_WORDS:
        if any(word in (entity_value or "") or word in (text or "") for word in words):
            return value
    return None


def solved_from(text: str) -> Optional[bool]:
    """Solved only when the resident said so; "不满意" alone is not "问题未解决" (unknown stays None)."""
    if NOT_SOLVED_RE.search(text or ""):
        return False
    if SOLVED_RE.search(text or ""):
        return True
    return None


NO_COMMENT_RE = re.compile(r"^(不用|不需要|没有|没了|没什么|没啥|不了|算了|无|暂无|没有了|不必|好的|好|谢谢|再见|no)"
                           r"[了啦的吧，,。.!！\s谢]*$", re.IGNORECASE)


def is_no_comment(text: str) -> bool:
    """The answer to "any comment?" that is none ("不用了", "没有，谢谢")."""
    return bool(NO_COMMENT_RE.match(normalise(text).strip()))


# What a rating says besides a remark: "我要评价，基本满意", "对C…的处理结果我很满意", "给个好评吧".
RATING_FRAME_RE = re.compile(r"我要|我想|我来|我|要|想|给个|给|评价一下|评价|打个分|打分|一下|对于|对|案件号?|受理编号|编号|"
                             r"的|处理结果|结果|服务|非常|特别|很|挺|比较|还算|基本|不|满意|还行吧|还行|一般|凑合|好评|差评|"
                             r"太差|不错|吧|了|啊|呀|哈|嗯|[\s,，。.!！?？、~～:：]")


def comment_from(text: str) -> Optional[str]:
    """The resident's free-text remark, when the message says more than the rating and its frame."""
    # The case or tracking number and the "我要评价，…" / "对…的处理结果" frame around the rating are not a remark.
    rest = TRACKING_NO_RE.sub("", CASE_NO_RE.sub("", normalise(text).strip())).strip()
    if rest.startswith("/") or len(RATING_FRAME_RE.sub("", rest)) < 2:
        return None
    return (text or "").strip()[:500]


# "我上次反映的井盖问题解决了吗": a question about an earlier report that names its problem. NLU may read the
# problem words as a new report; it is a status question (the session's or the resident's own report).
EARLIER_REPORT_RE = re.compile(r"(?:上次|上回|之前|以前|先前|前面|前几天|前两天|前些天|昨天|前天|上周|上个月|早上|刚才|刚刚|那天)"
                               r"(?:我|俺|我们)?(?:反映|报|上报|投诉|举报|提|说|打电话说)(?:过)?的")
STATUS_ASK_RE = re.compile(r"解决了?[吗没嘛]|解决没|处理了?[吗没嘛]|处理得?怎么样|修好?了?[吗没嘛]|修了没|弄好了?[吗没嘛]|"
                           r"清理了?[吗没嘛]|清走了?[吗没嘛]|(?:怎么|咋)样了?|有(?:结果|进展|回复|信儿?)了?[吗没嘛]|"
                           r"进展|进度|到哪一?步|办结了?[吗没嘛]|还没(?:有)?(?:人)?(?:处理|解决|修|管)|[吗没嘛][？?]?$")


def asks_status_of_earlier_report(text: str) -> bool:
    """'我上次反映的井盖问题解决了吗', '前几天报的路灯修好了没': asks how an earlier report is going."""
    plain = normalise(text)
    return bool(EARLIER_REPORT_RE.search(plain) and STATUS_ASK_RE.search(plain))


# The answer to "please add a door number" from someone who has none: the road-level place stands.
NO_BETTER_PLACE_RE = re.compile(
    r"^(?:(?:我|俺|也|真|实在|确实|具体)*(?:不知道|不清楚|不晓得|不记得|记不清|记不得|没注意|没留意|说不上来|说不清|"
    r"没有门牌号?|没门牌号?|看不到|找不到)(?:了|的)?(?:具体)?(?:的)?(?:门牌号?码?|几号|多少号|号码|具体位置|具体地址|地址|门牌)?"
    r"|(?:门牌号?码?|几号|多少号|具体位置|具体地址)(?:我|俺|也|真|实在)*(?:不知道|不清楚|不晓得|不记得|记不清|说不上来|没注意)"
    r"|不用了?|不需要了?|没有了?|没了|就这样吧?|就这些|没有更(?:具体|详细|准确)的了?|只知道(?:这么多|这些|路名))"
    r"(?:了|啊|呀|哦|诶|欸|呢|吧)*[。.!！~～，,、\s]*$")


def no_better_place(text: str) -> bool:
    """'不知道门牌号', '不清楚', '不用了': no more precise place than the one already given."""
    return bool(NO_BETTER_PLACE_RE.match(normalise(text).strip()))


# Dangers the resident must act on before anything is filed: gas, fire, someone hurt.
GAS_RE = re.compile(r"漏气|燃气泄漏|煤气泄漏|天然气泄漏|泄漏.{0,4}(?:燃气|煤气|天然气)|(?:燃气|煤气|天然气|液化气)味|"
                    r"(?:燃气|煤气|天然气)管道?(?:破|裂|断|坏|漏)")
FIRE_RE = re.compile(r"着火|起火|失火|火灾|冒烟|冒火|烧起来|火很大|爆炸")
HURT_RE = re.compile(r"有人(?:受伤|被砸|被撞|摔伤|晕倒|昏倒|触电|掉进|掉下|落水|流血)|砸(?:伤|到)了?人|受伤|触电|流了很多血")
SAFETY_GAS = ("安全提示：闻到燃气味请立即离开现场，到空旷通风处；不要使用明火，不要开关电灯、电器，也不要在现场打电话。"
              "离开后请马上拨打燃气公司抢修电话或119报警。")
SAFETY_FIRE = "安全提示：请先撤离到安全地带，不要乘坐电梯，并立即拨打119报警。"
SAFETY_HURT = "安全提示：如有人受伤，请立即拨打120急救电话；涉及人身安全的紧急情况请拨打110。"


def safety_advice(text: str) -> List[str]:
    """What to do at once in an emergency the message describes (gas, fire, someone hurt), or nothing."""
    plain = normalise(text)
    return [advice for pattern, advice in ((GAS_RE, SAFETY_GAS), (FIRE_RE, SAFETY_FIRE), (HURT_RE, SAFETY_HURT))
            if pattern.search(plain)]


def beijing_time(iso: Optional[str]) -> Optional[str]:
    """'11月24日 14:30' in Asia/Shanghai for an ISO 8601 instant (naive means UTC)."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def transcript(events: List[Dict[str, Any]], limit: int = 40) -> List[Dict[str, Any]]:
    """The conversation so far as [{"from": "user"|"bot", "text", "at"}] for hotline agents."""
    lines: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp, timezone.utc).isoformat() if stamp else None
        lines.append({"from": kind, "text": event["text"], "at": at})
    return lines[-limit:]
