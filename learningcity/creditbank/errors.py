from enum import StrEnum


class CreditBankErrorCode(StrEnum):
    ACCOUNT_MERGED = "account_merged"
    NO_LEARNER = "no_learner"
    WRONG_STATUS = "wrong_status"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    NO_STANDARD = "no_standard"
    NOT_CONVERTIBLE = "not_convertible"
    ALREADY_CONVERTED = "already_converted"
    APPEAL_USED = "appeal_used"
    FILE_REJECTED = "file_rejected"
    SAME_LEARNER = "same_learner"
    NOT_DUPLICATES = "not_duplicates"
    LINK_EXPIRED = "link_expired"
    OWN_LEARNING = "own_learning"
