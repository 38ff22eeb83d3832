"""The default journeys and their templates: the retail chain's customer-care plan
(the 1-3-5 plan after a purchase; holidays on the day; birthdays and anniversaries;
quarterly new-season touches; a store event one week before), per tier. Installed once
per organization; every row is then the admin's to edit."""

from revisit.messaging.models import Audience, MessageChannel, Purpose

SMS, EMAIL = MessageChannel.SMS, MessageChannel.EMAIL

# name → (channel, purpose, body for members, body for non-members, email subject)
TEMPLATES = {
    "购物次日积分短信": (
        SMS,
        Purpose.SERVICE,
        "{surname}{honorific}，诚挚感谢您选择{organization}，您在{date}于{store}消费共计"
        "{amount}元，您目前的积分是{points}分，感谢您的支持！",
        "{surname}{honorific}，诚挚感谢您选择{organization}，您在{date}于{store}消费共计"
        "{amount}元，您目前的积分是{points}分，积分累计达到标准后您将成为我们的正式会员，"
        "我们将为您送出会员卡，感谢您的支持！",
        "",
    ),
    "会员卡领取通知": (
        SMS,
        Purpose.SERVICE,
        "{surname}{honorific}，恭喜您成为{organization}正式会员，您目前的积分是{points}分，"
        "请于{card_pickup_date}起到{store}领取您的会员卡！感谢您的支持与厚爱！",
        "",
        "",
    ),
    "春节祝福短信": (
        SMS,
        Purpose.MARKETING,
        "尊贵身份，尊享心礼，{organization}新春会员喜福会，与您分享喜悦新春！详情请至{store}咨询。",
        "开春团圆，喜福齐汇，{organization}新春喜福会，与您分享喜悦新春！详情请至{store}咨询。",
        "",
    ),
    "端午祝福短信": (
        SMS,
        Purpose.MARKETING,
        "心牵挂着你，爱祝福着你，端午粽香围绕着你，{organization}心礼等待着你，"
        "{organization}全体同仁祝您端午节快乐！",
        "",
        "",
    ),
    "中秋祝福短信": (
        SMS,
        Purpose.MARKETING,
        "月圆人团圆，{organization}{store}庆中秋、迎国庆，豪情献礼，祝您中秋快乐！",
        "",
        "",
    ),
    "节日祝福短信": (
        SMS,
        Purpose.MARKETING,
        "{surname}{honorific}，{organization}全体同仁祝您节日快乐，感谢您一直以来的支持！",
        "",
        "",
    ),
    "节日问候及积分邮件": (
        EMAIL,
        Purpose.MARKETING,
        "{surname}{honorific}：{organization}全体同仁祝您节日快乐！您目前的积分是{points}分，"
        "欢迎到{store}兑换礼品。",
        "",
        "{organization}节日问候",
    ),
    "生日祝福短信": (
        SMS,
        Purpose.MARKETING,
        "{surname}{honorific}，{organization}全体同仁祝您生日快乐，幸福安康！",
        "",
        "",
    ),
    "结婚纪念日祝福短信": (
        SMS,
        Purpose.MARKETING,
        "{surname}{honorific}，今天是您的结婚纪念日，{organization}祝您阖家幸福、恩爱美满！",
        "",
        "",
    ),
    "入会周年短信": (
        SMS,
        Purpose.MARKETING,
        "{surname}{honorific}，感谢您成为{organization}会员又满一年，您目前的积分是{points}分，"
        "期待再次在{store}见到您！",
        "",
        "",
    ),
    "新品上市短信": (
        SMS,
        Purpose.MARKETING,
        "尊敬的{surname}{honorific}：{store}新季新品即日起全面上市，欢迎您亲临{store}感受！",
        "",
        "",
    ),
    "活动邀请短信": (
        SMS,
        Purpose.MARKETING,
        "{surname}{honorific}，{store}将于{date}举办会员活动，诚邀您届时光临！",
        "",
        "",
    ),
}

MEMBER, NON_MEMBER, ANY = "member", "non_member", "any"
TOP = ("SVIP", "A")


def send(template, tier="", membership=MEMBER):
    return {"kind": "send", "template": template, "tier": tier, "membership": membership}


def call(tier="", membership=MEMBER):
    return {"kind": "call", "tier": tier, "membership": membership}


def task(title, tier="", membership=MEMBER, due_days=0):
    return {
        "kind": "store_task",
        "task": title,
        "tier": tier,
        "membership": membership,
        "due_days": due_days,
    }


def _festival(greeting, gift):
    """春节, 端午, 中秋: C a greeting, a mailed card and the points by email; B a greeting,
    the points and an invitation to collect a gift; A a call and a gift at home."""
    rows = [
        send(greeting, "C"),
        task("寄送节日贺卡", "C"),
        send("节日问候及积分邮件", "C"),
        send(greeting, "B"),
        send("节日问候及积分邮件", "B"),
        task(f"邀请到店领取{gift}", "B"),
        send(greeting, membership=NON_MEMBER),
    ]
    for tier in TOP:
        rows += [call(tier), send("节日问候及积分邮件", tier), task(f"上门赠送{gift}", tier)]
    return rows


def _greeting(template):
    return [send(template), send(template, membership=NON_MEMBER)]


# (name, trigger, holiday, days, actions, extra fields)
JOURNEYS = [
    ("售后1天 积分短信", "purchase", "", 1, [send("购物次日积分短信", membership=ANY)], {}),
    ("售后3天 电话回访", "purchase", "", 3, [call(membership=ANY)], {}),
    ("售后5天 领取会员卡", "card_pickup", "", 5, [send("会员卡领取通知")], {}),
    ("元旦", "holiday", "new_year", 0, _greeting("节日祝福短信"), {}),
    ("春节", "holiday", "spring", 0, _festival("春节祝福短信", "春节礼品"), {}),
    (
        "情人节",
        "holiday",
        "valentine",
        0,
        [
            send("节日祝福短信", "C"),
            send("节日问候及积分邮件", "C"),
            send("节日祝福短信", "B"),
            send("节日问候及积分邮件", "B"),
            task("邀请到店领取情人节礼品", "B"),
        ]
        + [
            row
            for tier in TOP
            for row in (
                send("节日祝福短信", tier),
                send("节日问候及积分邮件", tier),
                task("寄送情人节礼品", tier),
            )
        ],
        {},
    ),
    ("劳动节", "holiday", "labour", 0, _greeting("节日祝福短信"), {}),
    ("端午节", "holiday", "dragon_boat", 0, _festival("端午祝福短信", "端午礼品"), {}),
    ("父亲节", "holiday", "father", 0, _greeting("节日祝福短信"), {}),
    (
        "建军节（军人）",
        "holiday",
        "army",
        0,
        [send("节日祝福短信"), task("寄送建军节礼品")],
        {},
    ),
    (
        "教师节（教师）",
        "holiday",
        "teacher",
        0,
        [send("节日祝福短信"), task("寄送教师节礼品")],
        {},
    ),
    ("中秋节", "holiday", "mid_autumn", 0, _festival("中秋祝福短信", "中秋礼品"), {}),
    ("国庆节", "holiday", "national", 0, _greeting("节日祝福短信"), {}),
    ("圣诞节", "holiday", "christmas", 0, _greeting("节日祝福短信"), {}),
    (
        "生日",
        "birthday",
        "",
        0,
        [send("生日祝福短信")]
        + [task("生日蛋糕＋鲜花，导购登门祝福", tier) for tier in TOP]
        + [task("生日蛋糕，导购登门祝福", "B"), task("寄送生日贺卡", "C"), call("C")],
        {},
    ),
    ("结婚纪念日", "wedding", "", 0, [send("结婚纪念日祝福短信")], {}),
    ("入会周年", "membership", "", 0, [send("入会周年短信")], {}),
    (
        "季度新品上市",
        "new_season",
        "",
        0,
        [call("SVIP"), call("A"), call("B"), send("新品上市短信", "C")],
        {"season_days": "03-01,06-01,09-01,12-01"},
    ),
    (
        "店庆活动前一周",
        "event",
        "",
        7,
        [call(), send("活动邀请短信")],
        # No date yet: the admin sets the event's date and turns it on.
        {"is_active": False},
    ),
]

TEMPLATE_AUDIENCE = Audience.ALL
