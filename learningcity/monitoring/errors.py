from enum import StrEnum


class MonitoringErrorCode(StrEnum):
    NOT_MUNICIPAL = "not_municipal"
    UNKNOWN_AREA = "unknown_area"
    INVALID_GROUP = "invalid_group"
    INVALID_YEARS = "invalid_years"
    BLUEPRINT_EXISTS = "blueprint_exists"
    UNKNOWN_INDICATOR = "unknown_indicator"
