"""The test service's views."""
from django.urls import path

from shop import views

urlpatterns = [
    path("login/<int:user_id>", views.login),
    path("login-then-fail/<int:user_id>", views.login_then_fail),
]
