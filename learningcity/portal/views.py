from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


def text_size(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")
