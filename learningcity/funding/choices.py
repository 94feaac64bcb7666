from django.db import models
from django.utils.translation import gettext_lazy as _


class BudgetLevel(models.TextChoices):
    """The three levels of the investment mechanism; each is an area level of the network."""

    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / subdistrict")


# The area level (network.choices.AreaLevel) each budget level belongs to, and its depth in an
# area's path of codes ("310000/310101/310101001/...").
LEVEL_AREA: dict[str, str] = {
    BudgetLevel.MUNICIPAL: "city",
    BudgetLevel.DISTRICT: "district",
    BudgetLevel.TOWN: "town",
}
LEVEL_DEPTH: dict[str, int] = {
    BudgetLevel.MUNICIPAL: 0,
    BudgetLevel.DISTRICT: 1,
    BudgetLevel.TOWN: 2,
}
LEVELS = (BudgetLevel.MUNICIPAL, BudgetLevel.DISTRICT, BudgetLevel.TOWN)


class AccountKind(models.TextChoices):
    """The journal's accounts. Every amount of public money sits in exactly one of them."""

    # The treasury's side of a budget: the only account that may go below zero (its balance
    # is minus what the budget was given).
    APPROPRIATION = "appropriation", _("Appropriation")
    AVAILABLE = "available", _("Available")
    COMMITTED = "committed", _("Committed")
    PAYABLE = "payable", _("Payable to a provider")
    PAID = "paid", _("Paid")
    ENTITLEMENT = "entitlement", _("Learning entitlement")


class Benefit(models.TextChoices):
    FREE = "free", _("Free of charge")
    PERCENT = "percent", _("A percentage of the fee")
    FIXED = "fixed", _("A fixed amount")


class TransactionKind(models.TextChoices):
    APPROPRIATION = "appropriation", _("Appropriation")
    ALLOCATION = "allocation", _("Allocation to a lower level")
    GRANT = "grant", _("Entitlement granted")
    SUBSIDY = "subsidy", _("Subsidy committed for a place")
    SPEND = "spend", _("Entitlement spent on a place")
    CONTRACT_COMMIT = "contract_commit", _("Contract signed: committed")
    DELIVERY = "delivery", _("Delivered: payable to the provider")
    PAYMENT = "payment", _("Paid to the provider")
    LAPSE = "lapse", _("Entitlement expired")
    RELEASE = "release", _("Commitment released")
    CLAWBACK = "clawback", _("Claim rejected: payable returned")
    REVERSAL = "reversal", _("Reversal")


class ContractUnit(models.TextChoices):
    SEAT = "seat", _("Seats")
    HOUR = "hour", _("Learner-hours")


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class DeliveryKind(models.TextChoices):
    SUBSIDY = "subsidy", _("Subsidy and entitlement")
    CONTRACT = "contract", _("Bought service")


class SettlementStatus(models.TextChoices):
    PAYABLE = "payable", _("Payable")
    HELD = "held", _("Held for review")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


class FlagKind(models.TextChoices):
    ATTENDANCE_OUTLIER = "attendance_outlier", _("Attendance that does not fit")
    OVERLAPPING_CLASSES = "overlapping_classes", _("A learner in overlapping classes")
    ABOVE_CAPACITY = "above_capacity", _("Billing above capacity")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open: payment held")
    CLEARED = "cleared", _("Cleared: payment may go")
    UPHELD = "upheld", _("Upheld: claim rejected")


class ReportDimension(models.TextChoices):
    LEVEL = "level", _("Level")
    DISTRICT = "district", _("District")
    TARGET_GROUP = "target_group", _("Target group")
    PROVIDER = "provider", _("Provider")
