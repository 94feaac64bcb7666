from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from learningcity.accounts import views
from learningcity.accounts.forms import LoginForm, ResetForm
from learningcity.core.ratelimit import page_limit

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        # Beyond the per-account lockout, one address may not flood the page either.
        page_limit("accounts.login", limit=30, window=60)(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html",
                authentication_form=LoginForm,
                redirect_authenticated_user=True,
            )
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    # Password reset answers the same whether or not an account has the address given.
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ResetForm,
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
