"""Identity failures the kiosk UI shows, each with a Chinese and an English message."""

from typing import Literal

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
