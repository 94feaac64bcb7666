"""Every change of state in funding. One concern per module; import from here."""

from learningcity.funding.services.budgets import (
    budget_allocate,
    budget_appropriate,
    budget_create,
)
from learningcity.funding.services.contracts import contract_close, contract_sign
from learningcity.funding.services.journal import Short, account_of, post, reverse
from learningcity.funding.services.places import class_deliver, place_commit, place_refund
from learningcity.funding.services.policies import (
    entitlements_grant,
    policy_create,
    scheme_create,
    tranche_grant,
    tranches_lapse,
)
from learningcity.funding.services.settlements import flag_review, settlement_pay

__all__ = [
    "Short",
    "account_of",
    "budget_allocate",
    "budget_appropriate",
    "budget_create",
    "class_deliver",
    "contract_close",
    "contract_sign",
    "entitlements_grant",
    "flag_review",
    "place_commit",
    "place_refund",
    "policy_create",
    "post",
    "reverse",
    "scheme_create",
    "settlement_pay",
    "tranche_grant",
    "tranches_lapse",
]
