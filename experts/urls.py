from django.urls import path

from . import views

app_name = "experts"

urlpatterns = [
    path("", views.expert_list, name="expert_list"),
    path("new/", views.expert_create, name="expert_create"),
    path("export/", views.expert_export, name="expert_export"),
    path("import/", views.expert_import, name="expert_import"),
    path("import/confirm/", views.expert_import_confirm, name="expert_import_confirm"),
    path("import/template/", views.import_template, name="import_template"),
    path("my-ties/", views.my_ties, name="my_ties"),
    path("<int:pk>/", views.expert_detail, name="expert_detail"),
    path("<int:pk>/edit/", views.expert_edit, name="expert_edit"),
    path("<int:pk>/ties/", views.tie_add, name="tie_add"),
    path("<int:pk>/credit/", views.credit_add, name="credit_add"),
]
