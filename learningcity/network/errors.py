from enum import StrEnum


class NetworkErrorCode(StrEnum):
    AREA_NOT_FOUND = "area_not_found"
    AREA_LEVEL = "area_level_invalid"
    ORGANIZATION_NOT_FOUND = "organization_not_found"
    CODE_TAKEN = "code_taken"
    PARENT_CYCLE = "parent_cycle"
    ROLE_EXISTS = "role_exists"
