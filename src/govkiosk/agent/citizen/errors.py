"""Identity failures the kiosk UI shows, each with a Chinese and an English message."""

from typing import Any, Literal

IdentityFailure = Literal[
    "no_card",
    "card_removed",
    "device_unavailable",
    "face_mismatch",
    "liveness_failed",
    "provider_unavailable",
    "code_invalid",
    "code_expired",
    "code_used",
]

MESSAGES: dict[IdentityFailure, tuple[str, str]] = {
    "no_card": (
        "未检测到身份证，请将身份证放在读卡区",
        "No ID card was found: place your card on the reader.",
    ),
    "card_removed": (
        "读卡时身份证被移开，请放回读卡区后重试",
        "The ID card was removed while it was being read: put it back and try again.",
    ),
    "device_unavailable": (
        "设备暂时无法使用，请联系工作人员",
        "A device is not available at the moment: please ask staff for help.",
    ),
    "face_mismatch": (
        "人脸与身份证照片不一致，请本人办理",
        "The face does not match the ID card photo: the card holder must apply in person.",
    ),
    "liveness_failed": (
        "活体检测未通过，请正对摄像头后重试",
        "The liveness check failed: face the camera and try again.",
    ),
    "provider_unavailable": (
        "身份核验服务暂时不可用，请稍后再试",
        "The identity verification service is unavailable: please try again later.",
    ),
    "code_invalid": (
        "无法识别该二维码，请出示政务服务身份码",
        "This QR code is not a government-service identity code.",
    ),
    "code_expired": (
        "身份码已过期，请在手机上刷新后重新扫码",
        "The code has expired: refresh it on your phone and scan again.",
    ),
    "code_used": (
        "身份码已使用，请在手机上刷新后重新扫码",
        "The code was already used: refresh it on your phone and scan again.",
    ),
}


class IdentityError(Exception):
    """Identity could not be established; `code` says why, `message_zh`/`message_en` say it to the citizen."""

    def __init__(self, code: IdentityFailure, detail: str | None = None) -> None:
        self.code: IdentityFailure = code
        self.message_zh, self.message_en = MESSAGES[code]
        self.detail = detail  # for logs: never personal
        super().__init__(f"{code}: {detail}" if detail else code)


KIOSK_MESSAGES: dict[str, tuple[str, str]] = {
    "no_session": ("请先核验身份", "Please verify your identity first."),
    "session_ended": ("本次办理已结束", "This session has ended."),
    "offline": (
        "暂时无法连接政务服务平台，请稍后再试",
        "The government service platform cannot be reached: please try again later.",
    ),
    "not_offered": ("本机暂不提供该事项", "This kiosk does not offer this service at the moment."),
    "not_found": ("未找到", "Not found."),
    "no_form": ("该事项没有在线表单", "This service has no form."),
    "unknown_material": (
        "材料已失效，请重新提交",
        "This material is no longer available: please add it again.",
    ),
    "no_licence": (
        "未找到您的电子证照，请拍摄原件",
        "No e-licence of yours was found: please scan the original.",
    ),
    "scan_failed": ("拍摄失败，请重新放置材料后再试", "The scan failed: place the document again and retry."),
    "material_rejected": ("材料不符合要求", "The material was not accepted."),
    "invalid_form": ("请检查标记的内容", "Please check the marked fields."),
    "invalid_request": ("请求内容不正确", "The request is not valid."),
    "payment_required": ("请先完成缴费", "Please pay the fee first."),
    "no_fee": ("该事项无需缴费", "This service has no fee."),
    "submission_refused": ("申请未被受理", "The application was not accepted."),
    "no_case": ("未找到该办件", "No such case was found."),
    "qr_invalid": ("无法识别该二维码", "This QR code cannot be read."),
    "qr_expired": ("二维码已过期，请刷新后重试", "The code has expired: refresh it and try again."),
    "phone_invalid": ("请填写正确的手机号码", "Please enter a valid mobile number."),
    "not_simulated": ("本机设备不是模拟设备", "This kiosk's devices are not simulated."),
    "forbidden": ("禁止访问", "Forbidden."),
    "internal": ("系统繁忙，请稍后再试", "Something went wrong: please try again later."),
}
_IDENTITY_CODES = {"code_invalid": "qr_invalid", "code_expired": "qr_expired", "code_used": "qr_expired"}


class KioskError(Exception):
    """A refusal the kiosk UI shows: a code, an HTTP status, and the message in Chinese and English."""

    def __init__(
        self, code: str, *, status: int = 400, message: tuple[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(code)
        self.code, self.status = code, status
        self.message_zh, self.message_en = message or KIOSK_MESSAGES.get(code, KIOSK_MESSAGES["internal"])
        self.extra = extra  # more of the answer, e.g. the fields of `invalid_form`

    @classmethod
    def of_identity(cls, error: IdentityError) -> "KioskError":
        """An identity failure as the UI names it (the mobile app's code errors are `qr_*`)."""
        code = _IDENTITY_CODES.get(error.code, error.code)
        unavailable = code in ("device_unavailable", "provider_unavailable")
        return cls(code, status=503 if unavailable else 422, message=(error.message_zh, error.message_en))
