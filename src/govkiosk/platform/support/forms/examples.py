"""Example form definitions (示例表单) for three demo items of `govkiosk.sim.demo_catalog`.

They become the demo's forms: 灵活就业人员参保登记 (flexible-employment insurance registration),
生育津贴申领 (maternity allowance) and 社会保险参保证明打印 (printing a social-insurance certificate).
Rules such as the 178 days of maternity leave (98 national + 80 Guangdong) are demo approximations.
"""

import copy
from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _t(zh: str, en: str) -> JSON:
    return {"zh": zh, "en": en}


def _string(title: str, **extra: Any) -> JSON:
    return {"type": "string", "title": title, **extra}


def _scans(title: str) -> JSON:
    """A material slot's value: references to the scanned pages in object storage."""
    return {
        "type": "array",
        "title": title,
        "items": {"type": "string", "minLength": 1},
        "minItems": 1,
        "maxItems": 6,
    }


def _var(name: str) -> JSON:
    return {"var": name}


_SIGNATURE = _string("申请人签名", minLength=1)
_CONFIRM_STEP = {"id": "confirm", "title": _t("确认并签名", "Confirm and sign"), "fields": ["signature"]}
_IDENTITY_PREFILL = {"applicant.name": "identity.name", "applicant.id_number": "identity.id_number"}
_IDENTITY_WIDGETS: JSON = {
    "applicant.name": {"widget": "text", "readonly": True, "label": _t("姓名", "Name")},
    "applicant.id_number": {
        "widget": "id_number",
        "readonly": True,
        "label": _t("公民身份号码", "ID number"),
    },
    "applicant.mobile": {"widget": "phone", "label": _t("手机号码", "Mobile number")},
    "signature": {"widget": "signature", "label": _t("申请人签名", "Applicant's signature")},
}


def flexible_employment_registration(*, item_id: int, item_version: int = 1) -> JSON:
    """灵活就业人员参保登记: identity prefill, phone, region picker, a date, a choice, a scanned material."""
    applicant = {
        "type": "object",
        "title": "申请人",
        "required": ["name", "id_number", "mobile", "hukou_region", "address"],
        "properties": {
            "name": _string("姓名", minLength=1, maxLength=50),
            "id_number": _string("公民身份号码", format="gb11643"),
            "age": {"type": "integer", "title": "年龄", "minimum": 16},
            "mobile": _string("手机号码", format="cn-mobile"),
            "hukou_region": _string("户籍所在区", format="gb2260"),
            "address": _string("联系地址", minLength=5, maxLength=200),
        },
    }
    insurance = {
        "type": "object",
        "title": "参保信息",
        "required": ["start_date", "medical_tier"],
        "properties": {
            "start_date": _string("参保起始日期", format="date"),
            "medical_tier": _string("医疗保险档次", enum=["tier1", "tier2"]),
        },
    }
    schema = {
        "$schema": SCHEMA_DIALECT,
        "additionalProperties": False,  # the contract: no fields beyond the form's
        "type": "object",
        "required": ["applicant", "insurance", "materials", "signature"],
        "properties": {
            "applicant": applicant,
            "insurance": insurance,
            "materials": {
                "type": "object",
                "required": ["id_card"],
                "properties": {"id_card": _scans("居民身份证")},
            },
            "signature": _SIGNATURE,
        },
    }
    ui = {
        "steps": [
            {
                "id": "identity",
                "title": _t("核对身份信息", "Check your identity"),
                "fields": ["applicant.name", "applicant.id_number", "applicant.age"],
            },
            {
                "id": "contact",
                "title": _t("联系信息", "Contact details"),
                "fields": ["applicant.mobile", "applicant.hukou_region", "applicant.address"],
            },
            {"id": "insurance", "title": _t("参保信息", "Insurance"), "fields": ["insurance"]},
            {"id": "materials", "title": _t("拍摄申请材料", "Scan your documents"), "fields": ["materials"]},
            _CONFIRM_STEP,
        ],
        "widgets": {
            **_IDENTITY_WIDGETS,
            "applicant.age": {"widget": "number", "readonly": True, "label": _t("年龄", "Age")},
            "applicant.hukou_region": {
                "widget": "region",
                "root": "440300",
                "label": _t("户籍所在区", "District of household registration"),
            },
            "applicant.address": {"widget": "textarea", "label": _t("联系地址", "Postal address")},
            "insurance.start_date": {"widget": "date", "label": _t("参保起始日期", "Insured from")},
            "insurance.medical_tier": {
                "widget": "choice",
                "label": _t("医疗保险档次", "Medical insurance tier"),
                "options": {
                    "tier1": _t("基本医疗保险一档", "Basic medical insurance, tier 1"),
                    "tier2": _t("基本医疗保险二档", "Basic medical insurance, tier 2"),
                },
            },
            "materials.id_card": {
                "widget": "material",
                "material": "居民身份证",
                "label": _t("居民身份证正反面", "Both sides of your ID card"),
            },
        },
        "prefill": {**_IDENTITY_PREFILL, "applicant.address": "elicence.居民身份证.address"},
        "computed": {"applicant.age": {"age": [_var("applicant.id_number")]}},
        "checks": [
            {
                "path": "applicant.age",
                "rule": {"<": [_var("applicant.age"), 60]},
                "message": _t(
                    "已达到法定退休年龄，不能办理灵活就业参保登记",
                    "You have reached the statutory retirement age and cannot register",
                ),
            },
            {
                "path": "insurance.start_date",
                "rule": {">=": [_var("insurance.start_date"), {"today": []}]},
                "message": _t("参保起始日期不能早于今天", "The start date cannot be in the past"),
            },
        ],
    }
    return _definition("si-flexible-employment", item_id, item_version, schema, ui)


def _definition(form_id: str, item_id: int, item_version: int, schema: JSON, ui: JSON) -> JSON:
    """The definition as fresh JSON: the shared pieces above are copied, so callers may change it."""
    return copy.deepcopy(
        {
            "id": form_id,
            "version": 1,
            "item_id": item_id,
            "item_version": item_version,
            "schema": schema,
            "ui": ui,
        }
    )


def _maternity_schema() -> JSON:
    person = {
        "name": _string("姓名", minLength=1, maxLength=50),
        "id_number": _string("公民身份号码", format="gb11643"),
    }
    child = {
        "type": "object",
        "required": ["name", "sex", "registered", "id_number"],
        "properties": {
            "name": _string("婴儿姓名", minLength=1, maxLength=50),
            "sex": _string("性别", enum=["male", "female"]),
            "registered": _string("是否已办理户口登记", enum=["yes", "no"]),
            "id_number": _string("公民身份号码", format="gb11643"),
        },
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "additionalProperties": False,  # the contract: no fields beyond the form's
        "type": "object",
        "required": [
            "applicant",
            "claim",
            "spouse",
            "delivery",
            "children",
            "bank",
            "materials",
            "signature",
        ],
        "properties": {
            "applicant": {
                "type": "object",
                "required": ["name", "id_number", "mobile"],
                "properties": {
                    **person,
                    "mobile": _string("手机号码", format="cn-mobile"),
                    "employer_uscc": _string("用人单位统一社会信用代码", format="gb32100"),
                },
            },
            "claim": {
                "type": "object",
                "required": ["claimant"],
                "properties": {"claimant": _string("生育人", enum=["self", "spouse"])},
            },
            "spouse": {"type": "object", "required": ["name", "id_number"], "properties": person},
            "delivery": {
                "type": "object",
                "required": ["date", "mode", "hospital"],
                "properties": {
                    "date": _string("生育日期", format="date"),
                    "mode": _string("分娩方式", enum=["normal", "difficult"]),
                    "hospital": _string("分娩医院", minLength=2, maxLength=100),
                    "leave_days": {"type": "integer", "title": "产假天数", "minimum": 0},
                },
            },
            "children": {"type": "array", "title": "婴儿信息", "minItems": 1, "maxItems": 6, "items": child},
            "bank": {
                "type": "object",
                "required": ["bank_name", "account_no"],
                "properties": {
                    "bank_name": _string("开户银行", minLength=2, maxLength=50),
                    "account_no": _string("银行账号", pattern=r"^\d{12,30}$"),
                },
            },
            "materials": {
                "type": "object",
                "required": ["birth_certificate"],
                "properties": {
                    "birth_certificate": _scans("出生医学证明"),
                    "bank_card": _scans("本人社会保障卡或银行账户信息"),
                },
            },
            "signature": _SIGNATURE,
        },
    }


_CHILD_COUNT = {"count": _var("children")}
_LEAVE_DAYS = {
    "+": [
        178,  # 98 days national + 80 days Guangdong
        {"if": [{"==": [_var("delivery.mode"), "difficult"]}, 30, 0]},
        {"if": [{">": [_CHILD_COUNT, 1]}, {"*": [15, {"-": [_CHILD_COUNT, 1]}]}, 0]},
    ]
}


def maternity_allowance(*, item_id: int, item_version: int = 1) -> JSON:
    """生育津贴申领: spouse fields when the spouse gave birth, a repeating group of babies, computed leave."""
    ui = {
        "steps": [
            {"id": "applicant", "title": _t("申请人信息", "Applicant"), "fields": ["applicant"]},
            {"id": "claim", "title": _t("生育人", "Who gave birth"), "fields": ["claim"]},
            {
                "id": "spouse",
                "title": _t("配偶信息", "Spouse"),
                "fields": ["spouse"],
                "when": {"==": [_var("claim.claimant"), "spouse"]},
            },
            {"id": "delivery", "title": _t("生育信息", "Birth"), "fields": ["delivery", "children"]},
            {"id": "bank", "title": _t("收款账户", "Bank account"), "fields": ["bank"]},
            {"id": "materials", "title": _t("拍摄申请材料", "Scan your documents"), "fields": ["materials"]},
            _CONFIRM_STEP,
        ],
        "widgets": {
            **_IDENTITY_WIDGETS,
            "applicant.employer_uscc": {
                "widget": "text",
                "label": _t("用人单位统一社会信用代码", "Employer's USCC"),
            },
            "claim.claimant": {
                "widget": "choice",
                "label": _t("生育人", "Who gave birth"),
                "options": {
                    "self": _t("本人生育", "I gave birth"),
                    "spouse": _t("配偶生育（男职工未就业配偶）", "My spouse, who is not employed"),
                },
            },
            "spouse.id_number": {"widget": "id_number", "label": _t("配偶身份号码", "Spouse's ID number")},
            "delivery.date": {"widget": "date", "label": _t("生育日期", "Date of birth")},
            "delivery.mode": {
                "widget": "choice",
                "options": {
                    "normal": _t("顺产", "Normal delivery"),
                    "difficult": _t("难产（含剖宫产）", "Difficult or caesarean"),
                },
            },
            "delivery.leave_days": {
                "widget": "number",
                "readonly": True,
                "label": _t("产假天数", "Days of leave"),
            },
            "children": {"widget": "group", "label": _t("婴儿信息", "Babies")},
            "children.sex": {
                "widget": "choice",
                "options": {"male": _t("男", "Boy"), "female": _t("女", "Girl")},
            },
            "children.registered": {
                "widget": "choice",
                "options": {"yes": _t("是", "Yes"), "no": _t("否", "No")},
            },
            "children.id_number": {"widget": "id_number", "when": {"==": [_var("$item.registered"), "yes"]}},
            "materials.birth_certificate": {"widget": "material", "material": "出生医学证明"},
            "materials.bank_card": {"widget": "material", "material": "本人社会保障卡或银行账户信息"},
        },
        "prefill": {
            **_IDENTITY_PREFILL,
            "spouse.name": "elicence.结婚证.spouse_name",
            "spouse.id_number": "elicence.结婚证.spouse_id_number",
        },
        "computed": {
            "delivery.leave_days": _LEAVE_DAYS,
            "children.sex": {
                "if": [
                    {"and": [{"==": [_var("$item.registered"), "yes"]}, _var("$item.id_number")]},
                    {"sex": _var("$item.id_number")},
                    _var("$item.sex"),
                ]
            },
        },
        "checks": [
            {
                "path": "delivery.date",
                "rule": {"<=": [_var("delivery.date"), {"today": []}]},
                "message": _t("生育日期不能晚于今天", "The date of birth cannot be in the future"),
            },
            {
                "path": "applicant.id_number",
                "rule": {
                    "or": [
                        {"!=": [_var("claim.claimant"), "self"]},
                        {"==": [{"sex": _var("applicant.id_number")}, "female"]},
                    ]
                },
                "message": _t(
                    "本人生育时申请人应为女性参保人", "If you gave birth, the applicant must be a woman"
                ),
            },
            {
                "path": "spouse.id_number",
                "rule": {"!=": [_var("spouse.id_number"), _var("applicant.id_number")]},
                "message": _t("配偶身份号码不能与本人相同", "Your spouse's ID number cannot be your own"),
            },
        ],
    }
    return _definition("si-maternity-allowance", item_id, item_version, _maternity_schema(), ui)


def insurance_certificate_print(*, item_id: int, item_version: int = 1) -> JSON:
    """社会保险参保证明打印: one step with the purpose and the months the certificate covers."""
    schema = {
        "$schema": SCHEMA_DIALECT,
        "additionalProperties": False,  # the contract: no fields beyond the form's
        "type": "object",
        "required": ["purpose", "period"],
        "properties": {
            "purpose": _string("用途", enum=["residence_permit", "school", "housing", "car", "other"]),
            "period": {
                "type": "object",
                "title": "参保期间",
                "required": ["from", "to"],
                "properties": {
                    "from": _string("起始日期", format="date"),
                    "to": _string("截止日期", format="date"),
                },
            },
        },
    }
    ui = {
        "steps": [
            {
                "id": "request",
                "title": _t("打印参保证明", "Print a certificate"),
                "fields": ["purpose", "period"],
            }
        ],
        "widgets": {
            "purpose": {
                "widget": "choice",
                "label": _t("证明用途", "Purpose"),
                "options": {
                    "residence_permit": _t("办理居住证", "Residence permit"),
                    "school": _t("子女入学", "School enrolment"),
                    "housing": _t("购房", "Buying a home"),
                    "car": _t("购车摇号", "Car licence lottery"),
                    "other": _t("其他", "Other"),
                },
            },
            "period.from": {"widget": "date", "label": _t("起始日期", "From")},
            "period.to": {"widget": "date", "label": _t("截止日期", "To")},
        },
        "checks": [
            {
                "path": "period.to",
                "rule": {"<=": [_var("period.from"), _var("period.to")]},
                "message": _t("截止日期不能早于起始日期", "The end date cannot be before the start date"),
            },
            {
                "path": "period.to",
                "rule": {"<=": [_var("period.to"), {"today": []}]},
                "message": _t("截止日期不能晚于今天", "The end date cannot be in the future"),
            },
        ],
    }
    return _definition("si-insurance-certificate", item_id, item_version, schema, ui)


EXAMPLES: dict[str, Callable[..., JSON]] = {
    "灵活就业人员参保登记": flexible_employment_registration,
    "生育津贴申领": maternity_allowance,
    "社会保险参保证明打印": insurance_certificate_print,
}


def example_definition(item_name: str, *, item_id: int, item_version: int = 1) -> JSON:
    """The example definition for a demo item, by the item's name; KeyError for other items."""
    return EXAMPLES[item_name](item_id=item_id, item_version=item_version)
