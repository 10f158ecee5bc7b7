"""City components (城市部件): the registry of the city's coded assets, matched to reports and routed to owners.

models (tables), vocab (statuses), spatial (nearest / bbox queries on PostGIS or SQLite), importer (`flask
components import`), matching (which component a report is about), api (`/api/v1/components`), pages (`/c/<code>`
and the staff console), qr, demo, cli.
"""
