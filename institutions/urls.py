from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_edit, name="project_create"),
    path("projects/<int:pk>/", views.project_edit, name="project_edit"),
    path("<int:pk>/", views.staff_detail, name="staff_detail"),
    path("<int:pk>/credit-marks/", views.credit_mark_add, name="credit_mark_add"),
]
