from django.urls import path

from . import views

app_name = "appraisal"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("<int:pk>/submit/", views.case_submit, name="case_submit"),
    path("<int:pk>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("<int:pk>/accept/", views.case_accept, name="case_accept"),
    path("<int:pk>/return/", views.case_return, name="case_return"),
    path("<int:pk>/refuse/", views.case_refuse, name="case_refuse"),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
