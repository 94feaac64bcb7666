from enum import StrEnum


class CatalogErrorCode(StrEnum):
    CLASS_NOT_FOUND = "class_not_found"
    COURSE_NOT_FOUND = "course_not_found"
    CODE_TAKEN = "code_taken"
    INVALID_SCHEDULE = "invalid_schedule"
