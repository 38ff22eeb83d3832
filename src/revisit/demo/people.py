"""Names, stores and staff for the demo organization (all invented)."""

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN_FEMALE = list("婷静敏丽娟芳燕艳娜霞雪颖琳倩洁佳欣怡梦瑶雨晨思悦蕾璐菲琪露薇月玲慧妍")
GIVEN_MALE = list("伟强磊军勇杰涛斌明超刚辉鹏浩宇帆俊峰晨")
MOBILE_PREFIXES = [
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "158",
    "159",
    "186",
    "188",
    "189",
    "177",
    "199",
    "131",
    "132",
    "155",
    "156",
    "180",
    "187",
]

REGIONS = [("EAST", "华东区"), ("SOUTH", "华南区")]
# (code, name, region code)
STORES = [
    ("SH01", "上海静安院", "EAST"),
    ("HZ01", "杭州西湖院", "EAST"),
    ("SZ01", "深圳南山院", "SOUTH"),
]

DEPARTMENTS = [
    ("onsite", "现场部"),
    ("customer_service", "客服部"),
    ("member_center", "会员中心"),
    ("revisit_team", "回访组"),
]

# (username, display name, role, store code or region code or None, department kind)
STAFF = [
    ("admin", "周运营", "admin", None, None),
    ("supervisor", "钱主管", "region_supervisor", "EAST", None),
    ("supervisor2", "孙主管", "region_supervisor", "SOUTH", None),
    ("manager1", "李店长", "store_manager", "SH01", None),
    ("manager2", "吴店长", "store_manager", "HZ01", None),
    ("manager3", "郑店长", "store_manager", "SZ01", None),
    ("consultant1", "陈咨询", "consultant", "SH01", "onsite"),
    ("consultant2", "林咨询", "consultant", "SH01", "onsite"),
    ("consultant3", "何咨询", "consultant", "HZ01", "onsite"),
    ("consultant4", "罗咨询", "consultant", "SZ01", "onsite"),
    ("caller1", "冯客服", "caller", "SH01", "customer_service"),
    ("caller2", "韩客服", "caller", "SZ01", "customer_service"),
    ("doctor1", "唐医生", "practitioner", "SH01", None),
    ("doctor2", "宋医生", "practitioner", "HZ01", None),
    ("doctor3", "蒋医生", "practitioner", "SZ01", None),
    ("desk1", "苏前台", "front_desk", "SH01", None),
]
