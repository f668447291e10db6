// Interpolation, pixel (un)shuffle, padding and pooling.
#include "shim.hpp"

using rs::T;

extern "C" {

rs_status rs_interpolate(rs_tensor* out, rs_tensor x, rs_interp_mode mode, const int64_t* size,
                         const double* scale, int32_t align_corners) {
  RS_GUARD({
    TORCH_CHECK(T(x).dim() == 4, "interpolate: expected a 4-d [N, C, H, W] input, got ",
                T(x).dim(), " dimensions");
    TORCH_CHECK((size == nullptr) != (scale == nullptr),
                "interpolate: give exactly one of size and scale factor");
    at::OptionalIntArrayRef sz = size ? at::OptionalIntArrayRef(rs::ints(size, 2)) : std::nullopt;
    std::optional<at::ArrayRef<double>> sc =
        scale ? std::optional<at::ArrayRef<double>>(at::ArrayRef<double>(scale, 2)) : std::nullopt;
    at::Tensor y;
    switch (mode) {
      case RS_INTERP_NEAREST:
        TORCH_CHECK(!align_corners, "interpolate: align_corners needs bilinear or bicubic mode");
        y = at::upsample_nearest2d(T(x), sz, sc);
        break;
      case RS_INTERP_BILINEAR: y = at::upsample_bilinear2d(T(x), sz, align_corners != 0, sc); break;
      case RS_INTERP_BICUBIC: y = at::upsample_bicubic2d(T(x), sz, align_corners != 0, sc); break;
      default: TORCH_CHECK(false, "interpolate: unknown mode ", (int)mode);
    }
    *out = rs::wrap(std::move(y));
  })
}

rs_status rs_pixel_shuffle(rs_tensor* out, rs_tensor x, int64_t factor, int32_t inverse) {
  RS_RETURN_TENSOR(inverse ? at::pixel_unshuffle(T(x), factor) : at::pixel_shuffle(T(x), factor));
}

rs_status rs_pad(rs_tensor* out, rs_tensor x, const int64_t* pad, int64_t n, rs_pad_mode mode,
                 double value) {
  RS_GUARD({
    c10::string_view name;
    switch (mode) {
      case RS_PAD_CONSTANT: name = "constant"; break;
      case RS_PAD_REFLECT: name = "reflect"; break;
      case RS_PAD_REPLICATE: name = "replicate"; break;
      case RS_PAD_CIRCULAR: name = "circular"; break;
      default: TORCH_CHECK(false, "pad: unknown mode ", (int)mode);
    }
    auto v = mode == RS_PAD_CONSTANT ? std::optional<double>(value) : std::nullopt;
    *out = rs::wrap(at::pad(T(x), rs::ints(pad, n), name, v));
  })
}

rs_status rs_pool2d(rs_tensor* out, rs_tensor x, rs_pool_kind kind, const int64_t* kernel,
                    const int64_t* stride, const int64_t* padding, const int64_t* dilation,
                    int32_t ceil_mode, int32_t count_include_pad) {
  RS_GUARD({
    auto k = rs::ints(kernel, 2), s = rs::ints(stride, 2), p = rs::ints(padding, 2);
    *out = rs::wrap(kind == RS_POOL_MAX
                        ? at::max_pool2d(T(x), k, s, p, rs::ints(dilation, 2), ceil_mode != 0)
                        : at::avg_pool2d(T(x), k, s, p, ceil_mode != 0, count_include_pad != 0));
  })
}

rs_status rs_adaptive_pool2d(rs_tensor* out, rs_tensor x, rs_pool_kind kind, const int64_t* size) {
  RS_RETURN_TENSOR(kind == RS_POOL_MAX ? std::get<0>(at::adaptive_max_pool2d(T(x), rs::ints(size, 2)))
                                       : at::adaptive_avg_pool2d(T(x), rs::ints(size, 2)));
}

}  // extern "C"
