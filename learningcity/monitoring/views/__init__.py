"""Monitoring pages: staff dashboards and the blueprint; public definitions and open data."""

from learningcity.monitoring.views.open_data import open_data, open_data_csv, open_data_xlsx, schema
from learningcity.monitoring.views.pages import (
    blueprint,
    dashboard,
    indicator_detail,
    indicator_list,
)

__all__ = [
    "blueprint",
    "dashboard",
    "indicator_detail",
    "indicator_list",
    "open_data",
    "open_data_csv",
    "open_data_xlsx",
    "schema",
]
