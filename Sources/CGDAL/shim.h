// GDAL's C API: rasters (gdal.h), vectors (ogr_api.h), raster algorithms such as polygonising
// (gdal_alg.h), virtual rasters (gdal_vrt.h), spatial references (ogr_srs_api.h), the
// gdal_translate library call (gdal_utils.h), errors and config (cpl_*).
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <gdal_vrt.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
