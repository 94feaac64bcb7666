from enum import StrEnum


class FundingErrorCode(StrEnum):
    BUDGET_SHORT = "budget_short"
    ENTITLEMENT_SHORT = "entitlement_short"
    NO_BUDGET = "no_budget"
    UNBALANCED = "unbalanced"
    ALREADY_REVERSED = "already_reversed"
    WRONG_STATUS = "wrong_status"
    HELD = "payment_held"
    INVALID_SPLIT = "invalid_split"
    CONTRACT_FULL = "contract_full"
