"""The automatic checks of an onboarding (入驻): required fields, valid codes, devices some terminal profile
has, and, for H5 apps, that the entry URL answers. The URL probe runs outside any database transaction."""

from collections.abc import Sequence

import httpx
from sqlalchemy.orm import Session

from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import AppContent, ItemContent
from govkiosk.platform.onboarding.models import Onboarding
from govkiosk.platform.onboarding.schemas import CheckResult
from govkiosk.platform.terminals import service as terminals


def _result(name: str, problems: Sequence[str], ok: str) -> CheckResult:
    return CheckResult(name=name, passed=not problems, message="; ".join(problems) if problems else ok)


def _item_fields(content: ItemContent) -> list[str]:
    problems = []
    if not content.kiosk_eligible:
        problems.append("the item is not marked as one that may be handled at a kiosk (kiosk_eligible)")
    if not content.conditions:
        problems.append("no acceptance conditions (受理条件)")
    if content.promised_limit is None:
        problems.append("no promised time limit (承诺办结时限)")
    if "kiosk" not in content.channels:
        problems.append("channels do not include kiosk")
    return problems


def _codes(content: ItemContent, issues: list[dict]) -> list[str]:
    if not content.task_code:
        return ["no implementation code (实施编码)"]
    return [f"{i.get('field')}: {i.get('message')}" for i in issues]


def _devices(session: Session, required: Sequence[str]) -> list[str]:
    if not required:
        return []
    for profile in terminals.profiles(session):
        offered = set(profile.required_devices or []) | set(profile.optional_devices or [])
        if set(required) <= offered:
            return []
    return [f"no terminal profile has {', '.join(sorted(required))}"]


def _app_fields(content: AppContent) -> list[str]:
    problems = []
    if content.kind == "h5" and not content.allowed_origins:
        problems.append("an H5 app lists no allowed origins")
    if content.kind == "form" and not (content.form_definition or {}).get("schema"):
        problems.append("the form definition has no JSON Schema under 'schema'")
    return problems


def static_checks(session: Session, onboarding: Onboarding) -> tuple[list[CheckResult], str | None]:
    """Every check but the URL probe, and the URL to probe (H5 apps)."""
    if onboarding.subject == "item":
        content, issues = catalog.item_content(session, onboarding.subject_id, onboarding.version)
        return [
            _result("required_fields", _item_fields(content), "all required fields present"),
            _result("codes_valid", _codes(content, issues), "codes valid (GB/T 39554.1, GB 32100)"),
            _result("devices_available", _devices(session, content.required_devices), "devices available"),
        ], None
    app = catalog.app_content(session, onboarding.subject_id, onboarding.version)
    results = [_result("required_fields", _app_fields(app), "all required fields present")]
    required = list(app.required_devices)
    if app.item_id is not None:
        item = catalog.get_item(session, app.item_id)
        content, issues = catalog.item_content(session, item.id, item.latest_version)
        results.append(_result("codes_valid", _codes(content, issues), "the item's codes are valid"))
        required += content.required_devices
    results.append(
        _result("devices_available", _devices(session, sorted(set(required))), "devices available")
    )
    return results, app.url if app.kind == "h5" else None


def probe(url: str, *, timeout_s: float) -> CheckResult:
    """Whether an H5 app's entry URL answers (any status below 400)."""
    try:
        response = httpx.get(url, timeout=timeout_s, follow_redirects=True)
    except httpx.HTTPError as exc:
        return CheckResult(
            name="url_answers", passed=False, message=f"{url} did not answer: {type(exc).__name__}"
        )
    if response.status_code >= 400:
        return CheckResult(name="url_answers", passed=False, message=f"{url} answered {response.status_code}")
    return CheckResult(name="url_answers", passed=True, message=f"{url} answered {response.status_code}")
