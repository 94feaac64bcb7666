from enum import StrEnum


class LearnerErrorCode(StrEnum):
    ID_NUMBER_INVALID = "id_number_invalid"
    ID_NUMBER_TAKEN = "id_number_taken"
    AREA_INVALID = "residence_area_invalid"
    LEARNER_NOT_FOUND = "learner_not_found"
    MEMBERSHIP_INVALID = "membership_invalid"
