from django.urls import path

from learningcity.communities.views import public, staff

app_name = "communities"

urlpatterns = [
    path("", public.team_list, name="teams"),
    path("map/", public.team_map, name="map"),
    path("teams/new/", public.team_new, name="team_new"),
    path("teams/<uuid:public_id>/", public.team_detail, name="team"),
    path("teams/<uuid:public_id>/join/", public.team_join, name="team_join"),
    path("teams/<uuid:public_id>/leave/", public.team_leave, name="team_leave"),
    path("teams/<uuid:public_id>/decision/", public.team_decide, name="team_decide"),
    path("teams/<uuid:public_id>/review/", public.team_review, name="team_review"),
    path("teams/<uuid:public_id>/activities/new/", public.activity_new, name="activity_new"),
    path("memberships/<uuid:public_id>/decision/", public.membership_decide, name="member_decide"),
    path("memberships/<uuid:public_id>/role/", public.member_role, name="member_role"),
    path("memberships/<uuid:public_id>/nominate/", public.nominate, name="nominate"),
    path("photos/<uuid:public_id>/", public.photo, name="photo"),
    path("mine/", public.mine, name="mine"),
    path("volunteer/", public.volunteer, name="volunteer"),
    path(
        "invitations/<uuid:public_id>/answer/", public.invitation_answer, name="invitation_answer"
    ),
    path("nominations/<uuid:public_id>/consent/", public.nomination_consent, name="consent"),
    path("organizations/", public.organizations, name="organizations"),
    path("showcase/", public.showcase, name="showcase"),
    path("staff/", staff.desk, name="staff"),
    path("staff/volunteers/", staff.volunteers, name="volunteers"),
    path("staff/volunteers/<uuid:public_id>/invite/", staff.invite, name="invite"),
    path("staff/invitations/<uuid:public_id>/hours/", staff.hours, name="hours"),
    path("staff/nominations/<uuid:public_id>/", staff.nomination_review, name="nomination_review"),
    path("recognition/apply/", staff.recognition_apply, name="recognition_apply"),
    path("recognition/<uuid:public_id>/", staff.recognition, name="recognition"),
]
