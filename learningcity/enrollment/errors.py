from enum import StrEnum


class EnrollmentErrorCode(StrEnum):
    WINDOW_CLOSED = "window_closed"
    ALREADY_APPLIED = "already_applied"
    RANK_TAKEN = "rank_taken"
    TOO_MANY_CHOICES = "too_many_choices"
    CAP_REACHED = "cap_reached"
    CLASS_UNAVAILABLE = "class_unavailable"
    WRONG_STATUS = "wrong_status"
    OFFER_EXPIRED = "offer_expired"
    DRAW_NOT_READY = "draw_not_ready"
    DRAW_DONE = "draw_done"
    NOT_YOURS = "not_yours"
