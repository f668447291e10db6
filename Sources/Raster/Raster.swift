// Raster layer: filled in by its issue.
