"""Keep the clauses of a message that can decide its matter; drop the letter's formulas. (pure)

Residents who write to the city often open with a salutation and who they are (尊敬的王书记：您好！我是莱阳路
的一名退休职工，在这里住了三十年), recount their earlier calls, and close with demands and thanks (恳请领导
重视，尽快处理，谢谢！). None of that names the matter, but in a bag-of-words model those words outweigh the one
clause that does, and they pull every letter towards whatever codes the training letters happened to share.

The text is cut into clauses (at sentence ends and commas); a clause is dropped only when it is *wholly* a
formula: a clause that also names a thing or a state ("恳请尽快把垃圾清走") stays. When every clause is a
formula the text is returned as it was, so nothing that was written is ever classified as empty.
"""

from __future__ import annotations

import re

_CLAUSE = re.compile(r"[^。！？!?；;，,、\n…]+[。！？!?；;，,、\n…]*")

_TITLES = r"(?:书记|市长|区长|县长|局长|处长|主任|领导|部长|同志|老师|工作人员|负责人|管理员|客服|小编|接线员|您|你)"
_FORMULAS = [
    # salutations: 尊敬的王书记 / 各位领导好 / 您好 / 喂，你好
    re.compile(rf"^(?:尊敬的|敬爱的|亲爱的|致)?[\u4e00-\u9fa5]{{0,8}}{_TITLES}[们]?(?:您?们?好)?[:：]?$"),
    re.compile(r"^(?:喂+|哎|嗯+|那个|就是|是这样的?|我想|想)?(?:您好|你好|你们好|大家好|领导好|早上好|下午好|晚上好)(?:啊|呀)?$"),
    re.compile(r"^(?:喂+|哎+|嗯+|啊+|呃+|那个+|就是说?|是这样的?|这样的|我跟你说|请问|打扰了?|打扰一下|冒昧打扰)$"),
    # who the writer is: 我是…的住户 / 本人系…退休职工 / 我们是…的居民 / 家住… (the place is read separately)
    re.compile(r"^(?:我|本人|我们|俺|咱)(?:是|系|为|乃|叫|姓|作为)[^，,。]{0,30}"
               r"(?:住户|居民|业主|市民|群众|老人|职工|党员|教师|老师|租户|商户|司机|家长|网友|志愿者|退休人员|一员|人|者)$"),
    re.compile(r"^(?:我|本人|我们)?(?:今年)?[0-9一二三四五六七八九十几]+岁(?:了)?$"),
    re.compile(r"^(?:我|本人|我们)?(?:在这里?|在此)?(?:住了|生活了|居住了)[0-9一二三四五六七八九十几多]+年(?:了|多了)?$"),
    re.compile(r"^(?:我|本人)?(?:已经|早已)?退休(?:多年|[0-9一二三四五六七八九十几]+年)?(?:了)?$"),
    # what happened before: 之前多次拨打12345 / 反映过好几次 / 一直没有结果 / 至今未解决
    re.compile(r"^(?:我们?|本人)?(?:之前|此前|以前|前几天|上个?月|去年|曾经|已经|先后)?(?:已经|也)?"
               r"(?:多次|好几次|几次|多回|反复|一再)?(?:拨打|打过|打了|给|向|通过)?[^，,。]{0,12}"
               r"(?:反映|投诉|打电话|电话|留言|举报|热线|市长信箱|12345)(?:过|了)?(?:[^，,。]{0,6}次)?(?:了)?$"),
    re.compile(r"^(?:但是?|可是|然而|结果)?(?:一直|始终|至今|到现在|到今天|迄今)?(?:都)?"
               r"(?:没有?|未|无)(?:人|任何)?(?:管|理|处理|解决|回复|答复|结果|下文|动静|改善|效果|变化)(?:过|了)?$"),
    re.compile(r"^(?:问题|情况)?(?:一直|始终|至今|迄今)(?:都)?(?:没有?|未|未能|没能|没得到|未得到)"
               r"(?:得到)?(?:解决|处理|改善|落实)(?:了)?$"),
    # demands and closings: 恳请领导重视 / 希望有关部门尽快处理 / 望早日解决 / 谢谢 / 此致敬礼
    re.compile(r"^(?:恳请|请求|请|希望|望|盼望?|期盼|期望|恳求|强烈要求|要求|麻烦|拜托|烦请|还请)?"
               r"(?:领导|政府|相关部门|有关部门|相关单位|主管部门|职能部门|你们|您们|您|贵部门|城管|街道)?"
               r"(?:能够?|可以|给予|尽快|抓紧|早日|及时|尽早|赶紧|赶快|认真|高度|帮忙|帮助|出面|派人)*"
               r"(?:重视|关注|关心|过问|处理|解决|协调|督促|落实|答复|回复|查处|整治|核实|帮忙|帮助|"
               r"给个说法|给予答复|还我们安宁|为民做主|为百姓办实事|管一管|管管|看看|来看看)(?:一下)?"
               r"(?:为盼|为谢|是盼|为感|吧|啊)?$"),
    re.compile(r"^(?:非常|十分|万分|再次)?(?:谢谢|感谢|多谢|辛苦了?|麻烦了|此致|敬礼|致敬|祝好|盼复|"
               r"期待(?:您的)?(?:回复|答复)|静候佳音|此致敬礼)(?:您|你们|领导|各位)?(?:了)?$"),
    re.compile(r"^(?:一位|一名|一个)?(?:普通|关心[^，,。]{0,6}的)?(?:市民|居民|群众|老百姓|网友|住户)$"),
]
_STRIP = re.compile(r"[\s。！？!?；;，,、…:：\"“”'‘’（）()【】\[\]~～]+")


def is_formula(clause: str) -> bool:
    """A clause that is wholly a salutation, self-introduction, history of earlier calls, demand or thanks."""
    core = _STRIP.sub("", clause)
    if not core:
        return True
    return any(p.match(core) for p in _FORMULAS)


def focus(text: str) -> str:
    """`text` without its formula clauses (see module doc); the text itself when nothing else is left."""
    clauses = _CLAUSE.findall(text)
    if len(clauses) <= 1:
        return text
    kept = [c for c in clauses if not is_formula(c)]
    if not kept or len(kept) == len(clauses):
        return text
    return "".join(kept)


__all__ = ["focus", "is_formula"]
