from enum import StrEnum


class EventsErrorCode(StrEnum):
    REGISTRATION_CLOSED = "registration_closed"
    EVENT_CANCELLED = "event_cancelled"
    ALREADY_REGISTERED = "already_registered"
    WRONG_STATUS = "wrong_status"
    BAD_TICKET = "bad_ticket"
    NOT_THIS_EVENT = "not_this_event"
    NOT_REGISTERED = "not_registered"
    EDITION_EXISTS = "edition_exists"
