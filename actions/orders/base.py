"""The one interface every order store implements (SQL database today, a shop's API tomorrow)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date

from actions.orders.model import Address, ChangeRecord, Order


class OrderStore(ABC):
    @abstractmethod
    def find_owned_order(self, order_id: str, contact: str) -> Order | None:
        """The order when `contact` (email or phone) belongs to it; None when the order does not
        exist *or* the contact does not match, so callers cannot tell the two apart."""

    @abstractmethod
    def get_order(self, order_id: str) -> Order | None:
        """An order already verified by its owner in this conversation."""

    @abstractmethod
    def cancel_order(self, order_id: str, reason: str) -> ChangeRecord:
        """Cancel a not-yet-shipped order; raises OrderRuleError otherwise."""

    @abstractmethod
    def change_address(self, order_id: str, address: Address) -> ChangeRecord:
        """Replace the shipping address of a not-yet-shipped order; raises OrderRuleError otherwise."""

    @abstractmethod
    def create_return(self, order_id: str, skus: list[str], reason: str, window_days: int, today: date) -> ChangeRecord:
        """Open a return (RMA) for delivered, returnable items inside the window."""

    @abstractmethod
    def request_invoice(self, order_id: str, email: str, vat_number: str | None) -> ChangeRecord:
        """Record that the invoice for the order must be sent to `email`."""

    @abstractmethod
    def changes(self, order_id: str) -> list[ChangeRecord]:
        """Every change recorded for the order, oldest first."""
