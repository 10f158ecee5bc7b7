"""The words of the component registry, defined once."""

from __future__ import annotations

# Status keys and their Chinese names (GB/T 30428.2's 完好 / 损坏 / 丢失 / 占用, plus 废弃 for retired assets).
INTACT = "intact"
DAMAGED = "damaged"
LOST = "lost"
OCCUPIED = "occupied"
RETIRED = "retired"
STATUS_TEXT = {INTACT: "完好", DAMAGED: "损坏", LOST: "丢失", OCCUPIED: "占用", RETIRED: "废弃"}
STATUSES = tuple(STATUS_TEXT)
# Import files may give the key or the Chinese word.
STATUS_BY_WORD = {**{k: k for k in STATUSES}, **{v: k for k, v in STATUS_TEXT.items()}}
# Statuses a closed case about the component may set back to 完好.
REPAIRABLE = (DAMAGED, LOST, OCCUPIED)

# Where a component row came from; demo rows are labelled so they can be told apart and removed.
SOURCE_IMPORT = "import"
SOURCE_DEMO = "demo"
SOURCE_STAFF = "staff"

# Import formats and coordinate systems accepted in files.
FORMATS = ("geojson", "csv")
CSV_HEADER = ("code", "type", "name", "lng", "lat", "crs", "owner", "maintainer", "status")

# Case.extra / Report.extra keys.
REPORT_COMPONENT_KEY = "component_code"  # the component a resident reported about (scan to report, API)
MATCH_BY_KEY = "component_match"  # Case.extra: how the component was found (given | text | nearest)
MATCH_GIVEN, MATCH_TEXT, MATCH_NEAREST = "given", "text", "nearest"
# Case.extra: the component whose scan page a report came from when the report turned out to be about another
# matter (a stall beside a lamp post): the case keeps the scan's place but is not about, nor counted for, it.
SCANNED_FROM_KEY = "scanned_from_component"
