// GDAL's C API: rasters (gdal.h), spatial references (ogr_srs_api.h), errors and config (cpl_*).
#include <gdal.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
