"""Every change of state in communities. One concern per module; import from here."""

from learningcity.communities.services.awards import (
    award_create,
    nomination_consent,
    nomination_create,
    nomination_review,
)
from learningcity.communities.services.organizations import (
    PASS_MARK,
    criterion_create,
    criterion_score,
    recognition_apply,
    recognition_publish,
    weighted_total,
)
from learningcity.communities.services.teams import (
    activity_log,
    member_role_set,
    membership_decide,
    photo_check,
    school_of_town,
    team_apply,
    team_decide,
    team_join,
    team_leave,
    team_review,
)
from learningcity.communities.services.volunteers import (
    hours_record,
    invitation_respond,
    may_record_hours,
    volunteer_invite,
    volunteer_offer,
)

__all__ = [
    "PASS_MARK",
    "activity_log",
    "award_create",
    "criterion_create",
    "criterion_score",
    "hours_record",
    "invitation_respond",
    "may_record_hours",
    "member_role_set",
    "membership_decide",
    "nomination_consent",
    "nomination_create",
    "nomination_review",
    "photo_check",
    "recognition_apply",
    "recognition_publish",
    "school_of_town",
    "team_apply",
    "team_decide",
    "team_join",
    "team_leave",
    "team_review",
    "volunteer_invite",
    "volunteer_offer",
    "weighted_total",
]
