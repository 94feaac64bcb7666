from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "learningcity.enrollment"
    label = "enrollment"
    verbose_name = "Enrollment"
