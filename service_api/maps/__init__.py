"""Maps for the staff console: our own layers (area outlines, case points, counts) served as JSON so a map works
with no internet at all, an optional raster base map by configuration, and the pages' map data."""
