from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "ekkyo.reviews"
    label = "reviews"
    verbose_name = "Dashboard reviews"
