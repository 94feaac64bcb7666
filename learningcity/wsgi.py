import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
application = get_wsgi_application()

# Load every view and the API schemas now rather than on the first request, then move what
# is loaded out of the garbage collector's sight: those objects live as long as the process,
# and each full collection would otherwise walk all of them again.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and everything it names
gc.collect()
gc.freeze()
