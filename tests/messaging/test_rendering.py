"""Template text: placeholders checked, rendered, SMS length and segments."""

import pytest

from revisit.messaging import rendering
from revisit.messaging.rendering import TemplateError, parse, sms_segments, substitute


def test_known_placeholders_render_and_double_braces_are_literal():
    text = substitute(
        "{surname}{honorific}，积分{points}分 {{不是占位符}}",
        {"surname": "张", "honorific": "先生", "points": "2350"},
    )
    assert text == "张先生，积分2350分 {不是占位符}"


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("您好 {nmae}", "{nmae}"),
        ("{name.__class__}", "{name.__class__}"),
        ("{0}", "{0}"),
        ("{name!r}", "{name!r}"),
    ],
)
def test_unknown_placeholders_are_refused_by_name_in_chinese(body, fragment, settings):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(TemplateError) as error:
        parse(body)
    assert fragment in str(error.value) and "未知的占位符" in str(error.value)


@pytest.mark.parametrize("body", ["您好 {", "}", "a { b", "{name", "name}"])
def test_a_lone_brace_is_refused_with_where_it_is(body):
    with pytest.raises(TemplateError):
        parse(body)


def test_a_huge_template_is_refused_without_being_read_through():
    with pytest.raises(TemplateError):
        parse("{name}" * 100_000)
    with pytest.raises(TemplateError):
        parse("字" * 2001)


def test_a_missing_value_is_named():
    with pytest.raises(TemplateError) as error:
        substitute("积分{points}", {"points": ""})
    assert "{points}" in str(error.value)


@pytest.mark.parametrize(
    "length, segments", [(0, 0), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_segments_70_single_67_per_part(length, segments):
    assert sms_segments("字" * length) == segments


def test_signature_first_and_opt_out_last_on_marketing_only():
    assert rendering.sms_text(
        "新品上市", signature="示例", opt_out_line="回T退订", marketing=True
    ) == ("【示例】新品上市回T退订")
    assert rendering.sms_text(
        "积分到账", signature="示例", opt_out_line="回T退订", marketing=False
    ) == ("【示例】积分到账")


def test_honorific_and_compound_surnames():
    assert rendering.honorific("M") == "先生" and rendering.honorific("F") == "女士"
    assert rendering.surname("欧阳娜娜") == "欧阳" and rendering.surname("张伟") == "张"
