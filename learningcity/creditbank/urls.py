from django.urls import path

from learningcity.creditbank.views import assess, public, resident, staff, transcript

app_name = "creditbank"

urlpatterns = [
    # The learner's own bank.
    path("", resident.home, name="home"),
    path("open/", resident.open_account, name="open"),
    path("programs/", resident.programs, name="programs"),
    path("programs/<str:code>/", resident.audit, name="audit"),
    path("conversions/", resident.conversions, name="conversions"),
    path("claims/", resident.claims, name="claims"),
    path("claims/new/", resident.claim_new, name="claim_new"),
    path("claims/<uuid:public_id>/appeal/", resident.claim_appeal, name="claim_appeal"),
    path("claims/<uuid:public_id>/evidence/", resident.claim_evidence, name="claim_evidence"),
    path("links/", resident.shares, name="shares"),
    path("links/<uuid:public_id>/withdraw/", resident.share_revoke, name="share_revoke"),
    path("transcript/", transcript.transcript, name="transcript"),
    path("transcript/pdf/", transcript.transcript_pdf, name="transcript_pdf"),
    path("transcript/json/", transcript.transcript_json, name="transcript_json"),
    # Anyone holding a link; anyone at all.
    path("t/<str:token>/", transcript.shared, name="shared"),
    path("t/<str:token>/pdf/", transcript.shared_pdf, name="shared_pdf"),
    path("standards/", public.standards, name="standards"),
    # Staff.
    path("staff/", staff.staff_home, name="staff_home"),
    path("staff/records/", staff.records, name="staff_records"),
    path("staff/records/new/", staff.record_new, name="record_new"),
    path("staff/records/upload/", staff.records_upload, name="records_upload"),
    path("staff/accounts/", staff.accounts, name="accounts"),
    path("staff/accounts/merge/", staff.merge, name="merge"),
    path("staff/accounts/<str:number>/", staff.account_detail, name="account"),
    # Assessors.
    path("assess/records/", assess.review, name="review"),
    path("assess/records/<uuid:public_id>/verify/", assess.record_verify, name="record_verify"),
    path("assess/records/<uuid:public_id>/reject/", assess.record_reject, name="record_reject"),
    path("assess/records/<uuid:public_id>/revoke/", assess.record_revoke, name="record_revoke"),
    path("assess/conversions/", assess.conversions, name="conversion_queue"),
    path(
        "assess/conversions/<uuid:public_id>/",
        assess.conversion_decide,
        name="conversion_decide",
    ),
    path("assess/claims/", assess.claims, name="claim_queue"),
    path("assess/claims/<uuid:public_id>/", assess.claim_decide, name="claim_decide"),
    path("assess/standards/new/", assess.standard_new, name="standard_new"),
    path("assess/standards/<str:code>/revise/", assess.standard_revise, name="standard_revise"),
]
