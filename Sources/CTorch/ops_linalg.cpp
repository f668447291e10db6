// Linear algebra: matrix products and einsum.
#include "shim.hpp"

using rs::T;

static at::Tensor product(rs_product_op op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case RS_PRODUCT_MATMUL: return rs::matmul(a, b);
    case RS_PRODUCT_MM: return at::mm(a, b);
    case RS_PRODUCT_BMM: return at::bmm(a, b);
    case RS_PRODUCT_OUTER: return at::outer(a, b);
    case RS_PRODUCT_DOT: return at::dot(a, b);
  }
  TORCH_CHECK(false, "unknown product ", (int)op);
}

static at::Tensor add_product(rs_add_product_op op, const at::Tensor& input, const at::Tensor& a,
                              const at::Tensor& b, const at::Scalar& beta, const at::Scalar& alpha) {
  switch (op) {
    case RS_ADD_PRODUCT_ADDMM: return at::addmm(input, a, b, beta, alpha);
    case RS_ADD_PRODUCT_BADDBMM: return at::baddbmm(input, a, b, beta, alpha);
    case RS_ADD_PRODUCT_ADDBMM: return at::addbmm(input, a, b, beta, alpha);
  }
  TORCH_CHECK(false, "unknown add-product ", (int)op);
}

extern "C" {

rs_status rs_product(rs_tensor* out, rs_product_op op, rs_tensor a, rs_tensor b) {
  RS_RETURN_TENSOR(product(op, T(a), T(b)));
}

rs_status rs_add_product(rs_tensor* out, rs_add_product_op op, rs_tensor input, rs_tensor a,
                         rs_tensor b, rs_scalar beta, rs_scalar alpha) {
  RS_RETURN_TENSOR(add_product(op, T(input), T(a), T(b), rs::scalar(beta), rs::scalar(alpha)));
}

rs_status rs_einsum(rs_tensor* out, const char* equation, const rs_tensor* list, int64_t n) {
  RS_RETURN_TENSOR(at::einsum(equation, rs::tensors(list, n)));
}

}  // extern "C"
