from django.urls import path

from learningcity.enrollment.views import resident, staff

app_name = "enrollment"

urlpatterns = [
    path("apply/<uuid:class_id>/", resident.apply, name="apply"),
    path("mine/", resident.mine, name="mine"),
    path("applications/<uuid:public_id>/", resident.application_detail, name="application"),
    path("applications/<uuid:public_id>/accept/", resident.accept, name="accept"),
    path("applications/<uuid:public_id>/decline/", resident.decline, name="decline"),
    path("applications/<uuid:public_id>/withdraw/", resident.withdraw, name="withdraw"),
    path("staff/classes/", staff.staff_classes, name="staff_classes"),
    path("staff/classes/new/", staff.class_new, name="staff_class_new"),
    path("staff/courses/new/", staff.course_new, name="staff_course_new"),
    path("staff/classes/<uuid:class_id>/", staff.staff_class, name="staff_class"),
    path("staff/classes/<uuid:class_id>/window/", staff.class_window, name="staff_class_window"),
    path(
        "staff/classes/<uuid:class_id>/sessions/",
        staff.class_sessions,
        name="staff_class_sessions",
    ),
    path(
        "staff/classes/<uuid:class_id>/complete/",
        staff.class_complete,
        name="staff_class_complete",
    ),
    path("staff/sessions/<int:session_id>/roll-call/", staff.roll_call, name="roll_call"),
    path("staff/terms/<str:code>/draw/", staff.staff_draw, name="staff_draw"),
]
