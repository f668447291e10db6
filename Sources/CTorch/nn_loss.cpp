// Losses, encodings and similarity.
#include "shim.hpp"

using rs::T;

extern "C" {

rs_status rs_cross_entropy(rs_tensor* out, rs_tensor x, rs_tensor target, rs_tensor weight,
                           rs_reduction reduction, int64_t ignore_index, double label_smoothing) {
  RS_RETURN_TENSOR(at::cross_entropy_loss(T(x), T(target), rs::opt(weight), reduction,
                                          ignore_index, label_smoothing));
}

rs_status rs_nll_loss(rs_tensor* out, rs_tensor x, rs_tensor target, rs_tensor weight,
                      rs_reduction reduction, int64_t ignore_index) {
  RS_RETURN_TENSOR(at::nll_loss_nd(T(x), T(target), rs::opt(weight), reduction, ignore_index));
}

rs_status rs_bce_with_logits(rs_tensor* out, rs_tensor x, rs_tensor target, rs_tensor weight,
                             rs_tensor pos_weight, rs_reduction reduction) {
  RS_RETURN_TENSOR(at::binary_cross_entropy_with_logits(T(x), T(target), rs::opt(weight),
                                                        rs::opt(pos_weight), reduction));
}

rs_status rs_one_hot(rs_tensor* out, rs_tensor x, int64_t num_classes) {
  RS_RETURN_TENSOR(at::one_hot(T(x), num_classes));
}

rs_status rs_embedding(rs_tensor* out, rs_tensor weight, rs_tensor indices, int64_t padding_idx) {
  RS_RETURN_TENSOR(at::embedding(T(weight), T(indices), padding_idx < 0 ? -1 : padding_idx));
}

rs_status rs_normalize(rs_tensor* out, rs_tensor x, double p, int64_t dim, double eps) {
  RS_GUARD({
    const auto& input = T(x);
    auto denom = input.norm(p, dim, /*keepdim=*/true).clamp_min(eps).expand_as(input);
    *out = rs::wrap(input / denom);
  })
}

rs_status rs_cosine_similarity(rs_tensor* out, rs_tensor a, rs_tensor b, int64_t dim, double eps) {
  RS_RETURN_TENSOR(at::cosine_similarity(T(a), T(b), dim, eps));
}

}  // extern "C"
