"""Paying a fee at the kiosk by QR code: the provider interface and a simulated provider.

A real provider (a payment platform's 扫码支付) creates an order and answers its state; the kiosk shows the
order's QR code and polls. `SimulatedPaymentProvider` pays by itself after a few seconds (or at once through
its `pay` hook) and says it is simulated in every answer.
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

PaymentState = Literal["pending", "paid", "failed", "expired"]
SimulatedPaymentFault = Literal["decline"]


class PaymentNotFound(LookupError):
    """No payment has this id (here)."""


@dataclass
class Payment:
    """One order: what it is for, how much, the QR payload the citizen scans, and where it stands."""

    payment_id: str
    amount_yuan: Decimal
    description: str
    qr_payload: str
    state: PaymentState
    simulated: bool


class PaymentProvider(Protocol):
    """Creates QR payment orders and reports their state."""

    simulated: bool

    async def create(self, *, amount_yuan: Decimal, description: str) -> Payment: ...

    async def state(self, payment_id: str) -> Payment: ...

    async def cancel(self, payment_id: str) -> None: ...


@dataclass
class _Order:
    payment: Payment
    created_at: float


class SimulatedPaymentProvider:
    """Orders in memory: paid `pay_after_s` after creation (or by `pay`), expired after `ttl_s`;
    `fault = "decline"` fails every order."""

    simulated = True

    def __init__(
        self, *, pay_after_s: float = 4.0, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.pay_after_s, self.ttl_s, self.clock = pay_after_s, ttl_s, clock
        self.fault: SimulatedPaymentFault | None = None
        self._orders: dict[str, _Order] = {}

    async def create(self, *, amount_yuan: Decimal, description: str) -> Payment:
        """A new pending order and its QR payload."""
        payment_id = "SIMPAY" + secrets.token_hex(8).upper()
        payment = Payment(
            payment_id=payment_id, amount_yuan=amount_yuan, description=description,
            qr_payload=f"simulated-pay://{payment_id}?amount={amount_yuan}", state="pending", simulated=True,
        )  # fmt: skip
        self._orders[payment_id] = _Order(payment, self.clock())
        return payment

    async def state(self, payment_id: str) -> Payment:
        """The order as it stands now."""
        order = self._order(payment_id)
        payment = order.payment
        if payment.state == "pending":
            age = self.clock() - order.created_at
            if self.fault == "decline":
                payment.state = "failed"
            elif age >= self.ttl_s:
                payment.state = "expired"
            elif age >= self.pay_after_s:
                payment.state = "paid"
        return payment

    async def cancel(self, payment_id: str) -> None:
        """Withdraw a pending order (the citizen left)."""
        payment = self._order(payment_id).payment
        if payment.state == "pending":
            payment.state = "expired"

    def pay(self, payment_id: str) -> None:
        """The test and demo hook: the citizen's phone pays now."""
        payment = self._order(payment_id).payment
        if payment.state == "pending":
            payment.state = "paid"

    def _order(self, payment_id: str) -> _Order:
        order = self._orders.get(payment_id)
        if order is None:
            raise PaymentNotFound(payment_id)
        return order
