"""Which spreadsheet headers mean which field, in Chinese or English."""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # Chinese label used in messages
    aliases: tuple[str, ...]
    required: bool = False


CUSTOMER_FIELDS = (
    FieldSpec(
        "customer_code",
        "客户编号",
        (
            "customer_code",
            "code",
            "客户编号",
            "顾客编号",
            "会员卡号",
            "会员编号",
            "卡号",
            "客户编码",
        ),
        required=True,
    ),
    FieldSpec("name", "姓名", ("name", "姓名", "客户姓名", "顾客姓名", "客户名称")),
    FieldSpec(
        "phone", "手机", ("phone", "mobile", "手机", "手机号", "手机号码", "电话", "联系电话")
    ),
    FieldSpec("gender", "性别", ("gender", "sex", "性别")),
    FieldSpec(
        "email", "邮箱", ("email", "e-mail", "mail", "邮箱", "电子邮箱", "邮件地址", "电子邮件")
    ),
    FieldSpec(
        "wechat_openid",
        "微信OpenID",
        ("wechat_openid", "openid", "external_userid", "微信openid", "企业微信外部联系人"),
    ),
    FieldSpec("birthday", "生日", ("birthday", "birth_date", "生日", "出生日期")),
    FieldSpec(
        "first_visit",
        "首次到院",
        ("first_visit", "首次到院", "首次到店", "建档日期", "初诊日期", "首次来院"),
    ),
    FieldSpec("owner", "归属咨询师", ("owner", "归属咨询师", "开发人", "归属人", "所属咨询师")),
    FieldSpec("store", "门店", ("store", "门店", "所属门店", "院区", "店铺")),
    FieldSpec("channel", "来源渠道", ("channel", "source", "来源", "渠道", "来源渠道", "客户来源")),
    FieldSpec("satisfaction", "满意度", ("satisfaction", "满意度")),
    FieldSpec("notes", "备注", ("notes", "note", "remark", "备注")),
    FieldSpec("potential_needs", "潜在需求", ("potential_needs", "潜在需求", "意向项目")),
    FieldSpec(
        "sms_consent", "短信营销同意", ("sms_consent", "短信营销同意", "短信同意", "短信营销")
    ),
    FieldSpec(
        "call_consent", "电话营销同意", ("call_consent", "电话营销同意", "电话同意", "电话营销")
    ),
    FieldSpec(
        "wechat_consent",
        "微信营销同意",
        ("wechat_consent", "微信营销同意", "微信同意", "微信营销"),
    ),
    FieldSpec(
        "email_consent", "邮件营销同意", ("email_consent", "邮件营销同意", "邮件同意", "邮件营销")
    ),
)
# The consent columns of a customer file and the channel each records.
CONSENT_COLUMNS = {
    "sms_consent": "sms",
    "call_consent": "call",
    "wechat_consent": "wechat",
    "email_consent": "email",
}

ORDER_FIELDS = (
    FieldSpec(
        "order_no", "单号", ("order_no", "order_number", "单号", "收费单号", "订单号", "消费单号")
    ),
    FieldSpec(
        "customer_code",
        "客户编号",
        ("customer_code", "客户编号", "顾客编号", "会员卡号", "会员编号", "卡号"),
        required=True,
    ),
    FieldSpec("name", "姓名", ("name", "姓名", "客户姓名", "顾客姓名")),
    FieldSpec("phone", "手机", ("phone", "mobile", "手机", "手机号", "电话")),
    FieldSpec(
        "order_date",
        "消费日期",
        ("order_date", "date", "消费日期", "收费日期", "日期", "开单日期"),
        required=True,
    ),
    FieldSpec(
        "item", "项目", ("item", "item_name", "项目", "品项", "项目名称", "收费项目", "产品")
    ),
    FieldSpec("category", "项目类别", ("category", "项目类别", "类别", "项目分类")),
    FieldSpec("quantity", "数量", ("quantity", "qty", "数量")),
    FieldSpec(
        "amount", "实收金额", ("amount", "实收金额", "金额", "实收", "实付金额"), required=True
    ),
    FieldSpec("consultant", "咨询师", ("consultant", "咨询师", "现场咨询")),
    FieldSpec(
        "practitioner", "医生/美容师", ("practitioner", "医生", "美容师", "技师", "操作医生")
    ),
    FieldSpec("store", "门店", ("store", "门店", "院区", "店铺")),
    FieldSpec("promo", "活动特价", ("promo", "is_promo", "是否促销", "活动", "特价")),
)

# Opening balances from another system. "卡号" is the card's number here, not the
# customer's (the customer and order files read it as the customer code).
BALANCE_FIELDS = (
    FieldSpec(
        "customer_code",
        "客户编号",
        ("customer_code", "code", "客户编号", "顾客编号", "会员编号", "客户编码", "会员号"),
        required=True,
    ),
    FieldSpec(
        "kind",
        "类型",
        ("kind", "type", "类型", "账户类型", "余额类型", "卡类型", "卡种", "种类"),
        required=True,
    ),
    FieldSpec(
        "balance",
        "余额/次数",
        (
            "balance",
            "sessions",
            "余额",
            "剩余",
            "剩余次数",
            "次数",
            "剩余金额",
            "可用余额",
            "余额/次数",
            "剩余积分",
        ),
        required=True,
    ),
    FieldSpec(
        "expires_on",
        "有效期至",
        ("expires_on", "expiry", "expires", "有效期", "有效期至", "到期日", "到期日期", "过期日期"),
    ),
    FieldSpec("card_number", "卡号", ("card_number", "card_no", "card", "卡号", "卡编号")),
    FieldSpec("item", "项目", ("item", "item_name", "项目", "项目名称", "疗程项目", "品项")),
    FieldSpec("category", "项目类别", ("category", "项目类别", "类别", "项目分类")),
    FieldSpec(
        "unit_value",
        "单次价值",
        ("unit_value", "unit_price", "单次价值", "每次价值", "单价", "单次金额"),
    ),
)

FIELDS = {"customers": CUSTOMER_FIELDS, "orders": ORDER_FIELDS, "balances": BALANCE_FIELDS}


def normalize_header(text: str) -> str:
    """Headers compare without case, width, spaces, underscores or a trailing (元)."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"[\s_\-]+", "", text)
    return re.sub(r"\((元|rmb|¥)\)$", "", text)


def parse_mapping(items: list[str] | None, kind: str) -> dict[str, str]:
    """`["源列=field", "a=b,c=d"]` → {"源列": "field", ...}; unknown fields are refused."""
    known = {f.name for f in FIELDS[kind]}
    mapping: dict[str, str] = {}
    for item in items or []:
        for pair in item.split(","):
            if not pair.strip():
                continue
            if "=" not in pair:
                raise ValueError(f"列映射应写成 源列=字段: {pair!r} (use column=field)")
            source, field = (p.strip() for p in pair.split("=", 1))
            if field not in known:
                raise ValueError(
                    f"未知字段 {field!r}，可用: {', '.join(sorted(known))} (unknown field)"
                )
            mapping[source] = field
    return mapping


def detect_columns(headers: list[str], kind: str, mapping: dict[str, str] | None = None):
    """Map each header to a field. Returns ({header: field}, [unmapped headers]).

    An explicit mapping wins; otherwise the first header matching a field's alias.
    """
    mapping = mapping or {}
    by_alias = {normalize_header(a): f.name for f in FIELDS[kind] for a in f.aliases}
    explicit = {normalize_header(k): v for k, v in mapping.items()}
    result: dict[str, str] = {}
    taken: set[str] = set()
    unmapped: list[str] = []
    for header in headers:
        key = normalize_header(header)
        field = explicit.get(key) or (by_alias.get(key) if key not in explicit else None)
        if field and field not in taken:
            result[header] = field
            taken.add(field)
        else:
            unmapped.append(header)
    return result, unmapped


def missing_required(columns: dict[str, str], kind: str) -> list[FieldSpec]:
    present = set(columns.values())
    return [f for f in FIELDS[kind] if f.required and f.name not in present]
