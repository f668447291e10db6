// Tensors over externally owned memory (memory-mapped safetensors and .pth storages).
#include <c10/util/safe_numerics.h>

#include "shim.hpp"

extern "C" {

rs_status rs_tensor_from_external(rs_tensor* out, void* data, int64_t numel, int32_t dtype,
                                  void (*release)(void*), void* context) {
  // The DataPtr owns `context` from the first line on: any later failure releases it.
  c10::DataPtr owner(data, context, release, at::Device(at::kCPU));
  RS_GUARD({
    TORCH_CHECK(numel >= 0, "from_external: negative element count ", numel);
    auto type = rs::dtype(dtype);
    size_t nbytes = 0;
    TORCH_CHECK(!c10::mul_overflows((size_t)numel, c10::elementSize(type), &nbytes),
                "from_external: ", numel, " elements overflow the byte count");
    c10::Storage storage(c10::Storage::use_byte_size_t(), nbytes, std::move(owner),
                         /*allocator=*/nullptr, /*resizable=*/false);
    auto t = at::empty({0}, at::TensorOptions().dtype(type));
    t.set_(storage, 0, {numel}, {1});
    *out = rs::wrap(std::move(t));
  })
}

}  // extern "C"
