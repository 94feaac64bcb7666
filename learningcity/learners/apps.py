from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learningcity.learners"
    label = "learners"
    verbose_name = "Residents"
