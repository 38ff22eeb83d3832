"""The demo clinic's catalog: common medical-aesthetics items at realistic prices.

(code, name, category, list price, price level, promo, expert, popularity weight)
"""

from decimal import Decimal

ITEMS = [
    ("SK01", "光子嫩肤", "皮肤美容", 1280, "low", False, False, 14),
    ("SK02", "超光子嫩肤 M22", "皮肤美容", 2680, "mid", False, False, 10),
    ("SK03", "水光针 (基础补水)", "皮肤美容", 980, "low", False, False, 16),
    ("SK04", "富勒烯防晒水光", "皮肤美容", 1580, "mid", False, False, 9),
    ("SK05", "小气泡清洁", "皮肤美容", 298, "low", True, False, 12),
    ("SK06", "医用修护面膜 (盒)", "产品", 198, "low", False, False, 10),
    ("LS01", "超皮秒全面部", "激光", 3980, "mid", False, False, 7),
    ("LS02", "激光祛斑", "激光", 1880, "mid", False, False, 6),
    ("LS03", "冰点脱毛 (腋下)", "激光", 680, "low", True, False, 8),
    ("IJ01", "肉毒素除皱 (国产)", "注射", 1280, "low", False, False, 9),
    ("IJ02", "肉毒素除皱 (进口)", "注射", 2980, "mid", False, False, 7),
    ("IJ03", "玻尿酸填充 (1ml)", "注射", 4800, "mid", False, False, 7),
    ("IJ04", "婴儿针 (动能素)", "注射", 3800, "mid", False, False, 5),
    ("IJ05", "胶原蛋白填充", "注射", 6800, "high", False, True, 3),
    ("AA01", "热玛吉全面部", "抗衰", 16800, "high", False, True, 3),
    ("AA02", "超声炮提升", "抗衰", 9800, "high", False, False, 3),
    ("AA03", "热拉提", "抗衰", 5800, "mid", False, False, 4),
    ("EY01", "双眼皮 (全切)", "眼部整形", 12800, "high", False, True, 2),
    ("EY02", "眼袋去除", "眼部整形", 8800, "high", False, False, 2),
    ("NS01", "隆鼻 (综合)", "鼻部整形", 28800, "high", False, True, 1),
    ("NS02", "鼻部玻尿酸塑形", "鼻部整形", 5800, "mid", False, False, 2),
    ("PR01", "春季美肤卡 (活动)", "疗程卡", 980, "low", True, False, 6),
    ("PR02", "双C美肤王卡 (活动)", "疗程卡", 1980, "mid", True, False, 4),
    ("PR03", "年度皮肤管理卡", "疗程卡", 19800, "high", False, False, 1),
]


def list_price(value: int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
