from django.urls import path

from appraisal.pages import cases as views
from appraisal.pages import panel as panel_views
from appraisal.pages import rereview as rereview_views
from appraisal.pages import review as review_views
from appraisal.pages import transparency as transparency_views

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
    path("<int:pk>/rereview/", rereview_views.rereview_request, name="rereview_request"),
    path("<int:pk>/rereview/upload/", rereview_views.rereview_upload, name="rereview_upload"),
    path("<int:pk>/accept-result/", rereview_views.accept_result, name="accept_result"),
    path("<int:pk>/rereview/forward/", rereview_views.rereview_forward, name="rereview_forward"),
    path("<int:pk>/rereview/refuse/", rereview_views.rereview_refuse, name="rereview_refuse"),
    path("<int:pk>/rereview/receive/", rereview_views.rereview_receive, name="rereview_receive"),
    path("<int:pk>/draw/", panel_views.draw_panel, name="draw_panel"),
    path("<int:pk>/seats/<int:seat_pk>/draw/", panel_views.draw_seat, name="draw_seat"),
    path("<int:pk>/invitations/lapse/", panel_views.lapse_check, name="lapse_check"),
    path("draws/", panel_views.draw_list, name="draw_list"),
    path("draws/<int:pk>/", panel_views.draw_record, name="draw_record"),
    path("draws/<int:pk>/verify/", panel_views.draw_verify, name="draw_verify"),
    path(
        "draws/<int:pk>/record.json", transparency_views.draw_record_json, name="draw_record_json"
    ),
    path("invitations/<int:pk>/", panel_views.invitation, name="invitation"),
    path("invitations/<int:pk>/accept/", panel_views.invitation_accept, name="invitation_accept"),
    path(
        "invitations/<int:pk>/decline/", panel_views.invitation_decline, name="invitation_decline"
    ),
    path("rounds/<int:pk>/records/", review_views.review_records, name="review_records"),
    path("rounds/<int:pk>/sheet/", review_views.sheet, name="sheet"),
    path("rounds/<int:pk>/leader/", review_views.set_leader, name="set_leader"),
    path("rounds/<int:pk>/opinion/", review_views.opinion_edit, name="opinion_edit"),
    path("rounds/<int:pk>/sign/", review_views.opinion_sign, name="opinion_sign"),
    path("rounds/<int:pk>/decision/", review_views.decision, name="decision"),
    path(
        "activity-files/<int:pk>/download/",
        review_views.activity_file_download,
        name="activity_file_download",
    ),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
