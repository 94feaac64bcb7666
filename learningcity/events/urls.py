from django.urls import path

from learningcity.events import views

app_name = "events"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/<uuid:ticket_id>/", views.ticket, name="ticket"),
    path("tickets/<uuid:ticket_id>/qr.svg", views.ticket_qr, name="ticket_qr"),
    path("tickets/<uuid:ticket_id>/cancel/", views.cancel, name="cancel"),
    path("organize/", views.organize, name="organize"),
    path("organize/new/", views.event_new, name="event_new"),
    path("organize/participation/", views.participation, name="participation"),
    path("organize/<uuid:event_id>/", views.manage, name="manage"),
    path("organize/<uuid:event_id>/participants.csv", views.participants, name="participants"),
    path("organize/<uuid:event_id>/scan/", views.scan, name="scan"),
    path(
        "organize/<uuid:event_id>/registrations/<uuid:ticket_id>/check-in/",
        views.manage_check_in,
        name="manage_check_in",
    ),
    path(
        "organize/<uuid:event_id>/registrations/<uuid:ticket_id>/cancel/",
        views.manage_cancel,
        name="manage_cancel",
    ),
    path("<uuid:event_id>/", views.event_detail, name="event"),
    path("<uuid:event_id>/register/", views.register, name="register"),
]
