from django.http import HttpRequest, HttpResponse


def directory(request: HttpRequest) -> HttpResponse:
    return HttpResponse("directory")


def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    return HttpResponse(code)


def site_detail(request: HttpRequest, site_id: str) -> HttpResponse:
    return HttpResponse(str(site_id))
