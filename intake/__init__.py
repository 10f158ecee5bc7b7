"""Intake: a pure library that turns a resident's complaint into standard, routable facts.

Nothing here imports Flask, a database session or any other package of this project:
inputs are plain values, results are plain dataclasses. `service_api` calls it.
"""
