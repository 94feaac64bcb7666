from enum import StrEnum


class CommunitiesErrorCode(StrEnum):
    WRONG_STATUS = "wrong_status"
    NOT_A_MEMBER = "not_a_member"
    ALREADY_MEMBER = "already_member"
    LEADER_CANNOT_LEAVE = "leader_cannot_leave"
    FILE_REJECTED = "file_rejected"
    ALREADY_REVIEWED = "already_reviewed"
    NOT_SCORED = "not_scored"
    NO_PROFILE = "no_volunteer_profile"
    ALREADY_INVITED = "already_invited"
