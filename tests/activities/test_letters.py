"""The commitment letter (告知承诺书): every mandatory part under its own heading, with the
workflow's own deadlines and the rules of procedure; the blank format text for the public."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.letters import LetterActivities, blank_letter, letter_templates
from activities.procedure import procedure_data as procedure_rules
from db.models import Letter, Matter
from db.session import session_factory
from tests.support.factories import AFTER, AFTER2, DURING, EXEMPT, TEST_MATTERS, applicant
from tests.support.letters import HEADINGS
from workflows.types import LetterRef, RenderLettersInput

MATTERS = {m.code: m for m in TEST_MATTERS}
SERVICE = "食品经营许可"
ISSUED = "2026-03-02"

Render = Callable[..., str]


def part(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading."""
    lines = text.splitlines()
    assert lines.count(heading) == 1, f"{heading} 应当作为单独一行的标题出现一次"
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] in HEADINGS), len(lines))
    return "\n".join(lines[start:end])


def inp(code: str, kind: str = "person", n: int = 1, app_id: str = "L-1") -> RenderLettersInput:
    return RenderLettersInput(app_id, applicant(n, kind), SERVICE, ISSUED, [code])


@pytest.fixture
def activities(engine: Engine) -> LetterActivities:
    return LetterActivities(session_factory(engine), letter_templates())


@pytest.fixture
def render(activities: LetterActivities, engine: Engine) -> Render:
    """Render through the activity and read back the letter it kept."""

    def run(code: str, kind: str = "person", n: int = 1) -> str:
        [ref] = ActivityEnvironment().run(activities.render_letters, inp(code, kind, n))
        with Session(engine) as s:
            letter = s.get(Letter, ref.sha256)
            assert letter is not None and letter.matter_code == code
            return letter.text

    return run


def expected(kind: str) -> dict[str, list[str]]:
    """Per heading, what its part must say, for the during-stage matter and applicant 1."""
    m, p, a = MATTERS[DURING], procedure_rules(), applicant(1, kind)
    return {
        "（一）证明义务": [
            f"办理“{SERVICE}”，依法应当提交由{m.issuing_unit}开具的“{m.name}”",
            f"设定依据：{m.basis}",
            "可以自主选择以书面承诺代替提交该证明",
            "不愿承诺或者无法承诺的，应当提交该证明，按照一般程序办理",
        ],
        "（二）证明内容": [m.content, m.verification_standard],
        "（三）承诺方式": [
            "通过政务服务平台在线作出承诺并进行电子签名",
            "在政务服务窗口签署纸质告知承诺书",
            "具有同等法律效力",
            "任何人不得代为承诺",
            "在行政机关作出决定前，申请人有合理理由的，可以撤回承诺",
        ],
        "（四）核查权力": [
            "有权依法对申请人承诺的内容是否属实进行核查",
            "请求有关部门协助核查",
            "实地核查",
            f"核查方式：{m.verification_method_label}",
            f"在作出决定前核查；核查人员自申请人作出承诺之日起{m.verification_deadline_days}个工作日内完成核查，核查时间计入办理时限。",
            f"自作出准予决定之日起{m.supervision_days}日内为本证明事项的监管期，期间行政机关可以随时核查（日常监管），接到投诉举报的立即核查",
        ],
        "（五）法律责任": [
            "民事、行政、刑事责任",
            "行政机关终止办理",
            "依法撤销行政决定",
            f"作出撤销决定前，行政机关告知申请人拟作出决定的事实、理由和依据，申请人可以自收到告知之日起{p['statement_working_days']}个工作日内进行陈述、申辩",
            p["statement_basis"],
            "依法应当给予行政处罚的，依法处罚",
            "涉嫌犯罪的，依法移送司法机关",
            "纳入申请人信用记录",
            m.consequences,
            p["remedies"],
        ],
        "（六）承诺效力": [f"本承诺书代替“{m.name}”，作为行政机关作出决定的依据", "不再要求申请人提交该证明"],
        "（七）承诺公开": [m.publication],
        "（八）咨询方式": [p["consultation"], m.department],
        "（九）投诉举报方式": [p["complaint_channels"], "立即组织核查"],
        "二、申请人声明": [
            f"申请人{a.name}就“{m.name}”（所办事项：{SERVICE}）郑重声明并承诺",
            "已经知晓行政机关告知的全部事项",
            "已经符合行政机关告知的条件、标准和要求",
            "愿意接受并配合行政机关的核查",
            "愿意承担不实承诺的法律责任",
            "真实意思的表示",
        ],
        "三、签名": (
            [f"承诺单位（盖章）：{a.name}", f"统一社会信用代码：{a.id}", "法定代表人（负责人）签名：________"]
            if kind == "company"
            else ["承诺人签名：________", f"身份证件号码：{a.id}"]
        )
        + [f"行政机关（盖章）：{m.department}"],
        "四、日期": ["承诺日期：____年__月__日", "告知日期：2026年3月2日"],
    }


@pytest.mark.parametrize("kind", ["person", "company"])
@pytest.mark.parametrize("heading", HEADINGS)
def test_each_mandatory_part_under_its_heading(render: Render, heading: str, kind: str) -> None:
    body = part(render(DURING, kind), heading)
    for phrase in expected(kind)[heading]:
        assert phrase in body, f"{heading} 缺少：{phrase}"


@pytest.mark.parametrize("kind", ["person", "company"])
def test_parts_in_order_with_the_applicant(render: Render, kind: str) -> None:
    text = render(DURING, kind)
    positions = [text.index(f"\n{h}\n") for h in HEADINGS]
    assert positions == sorted(positions)
    a = applicant(1, kind)
    assert f"申请人：{a.name}（{'法人或其他组织' if kind == 'company' else '自然人'}）" in text
    assert "编号：L-1（证明事项编码：T-DURING）" in text
    self_word = "本单位" if kind == "company" else "本人"
    assert f"（一）{self_word}已经知晓" in part(text, "二、申请人声明")


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        (DURING, "在作出决定前核查；核查人员自申请人作出承诺之日起5个工作日内完成核查，核查时间计入办理时限。"),
        (
            AFTER,
            "作出准予决定后，抽中核查的，自作出决定之日起第10个工作日核查到期，核查人员应当在到期后5个工作日内完成核查；未抽中的，纳入日常监管。",
        ),
        (
            AFTER2,
            "作出准予决定后，抽中核查的，自作出决定之日起第30个工作日核查到期，核查人员应当在到期后5个工作日内完成核查；未抽中的，纳入日常监管。",
        ),
        (EXEMPT, "免于核查，纳入日常监管；日常监管中或者接到投诉举报的，可以随时核查，发现承诺不实的依法处理。"),
    ],
)
def test_deadlines_in_the_workflows_own_terms(render: Render, code: str, sentence: str) -> None:
    verification = part(render(code), "（四）核查权力")
    assert f"核查时间：{sentence}" in verification
    days = MATTERS[code].supervision_days
    assert f"自作出准予决定之日起{days}日内为本证明事项的监管期" in verification
    if code == EXEMPT:
        assert "核查方式" not in verification and "核查到期" not in verification


def test_supervision_period_is_the_matters_own(render: Render) -> None:
    assert "自作出准予决定之日起180日内为本证明事项的监管期" in render(AFTER2)
    assert "180日" not in render(AFTER)


@pytest.mark.parametrize("code", [AFTER, DURING, EXEMPT])
def test_blank_letter_has_every_part_and_no_applicant(code: str) -> None:
    m = MATTERS[code]
    text = blank_letter(m)
    for heading in HEADINGS:
        assert part(text, heading).strip(), heading
    assert text.startswith("证明事项告知承诺书（格式文本）\n")
    assert f"编号：________（证明事项编码：{code}）" in text
    assert "申请人：________" in text and "身份证件号码或者统一社会信用代码：________" in text
    assert "承诺人签名（自然人）：________" in part(text, "三、签名")
    assert "承诺单位（盖章）：________" in part(text, "三、签名")
    assert part(text, "四、日期").split()[:2] == ["承诺日期：____年__月__日", "告知日期：____年__月__日"]
    assert "测试申请人" not in text and "app-" not in text and "L-1" not in text
    assert f"所办事项：{'、'.join(m.services)}" in text
    p = procedure_rules()
    assert p["remedies"] in part(text, "（五）法律责任")
    assert f"{p['statement_working_days']}个工作日内进行陈述、申辩" in part(text, "（五）法律责任")
    assert p["consultation"] in part(text, "（八）咨询方式")
    assert f"{m.supervision_days}日内为本证明事项的监管期" in part(text, "（四）核查权力")


def test_blank_letter_is_deterministic() -> None:
    m = MATTERS[AFTER]
    assert blank_letter(m) == blank_letter(Matter.model_validate(m.model_dump()))


def test_same_input_same_text_and_hash(activities: LetterActivities, engine: Engine) -> None:
    env = ActivityEnvironment()
    first = env.run(activities.render_letters, inp(AFTER, "company"))
    again = env.run(activities.render_letters, inp(AFTER, "company"))
    assert first == again and len(first) == 1 and isinstance(first[0], LetterRef)
    with Session(engine) as s:
        letter = s.get(Letter, first[0].sha256)
        assert letter is not None
        assert hashlib.sha256(letter.text.encode()).hexdigest() == letter.sha256
    other = env.run(activities.render_letters, inp(AFTER, "company", n=2))
    assert other[0].sha256 != first[0].sha256
