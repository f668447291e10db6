// The "audit" device: a test backend on libtorch's PrivateUse1 dispatch key (rs_device type 3).
//
// Its tensors live in host memory and every op computes on the CPU, so values are the CPU's. What
// it adds is a check: an op that receives a CPU tensor (other than a 0-dim scalar, which CUDA
// accepts too) beside audit tensors fails with the op's name and the argument. A model and its
// inputs on "audit" thus show any tensor that the code creates on the CPU by mistake, as a GPU
// would, on a machine without one.
//
// What is registered, once, by rs_audit_device_enable():
//   - the backend name "audit" (devices print and parse as "audit", "audit:0");
//   - an allocator for PrivateUse1 over the CPU allocator (its DataPtrs say PrivateUse1:0);
//   - a DeviceGuardImpl with one device and no-op streams, and PrivateUse1 hooks (autograd's
//     engine and the checkpoint's RNG capture need them);
//   - explicit kernels for what must not be a CPU round trip: the factories empty and
//     empty_strided, the views that have no composite kernel (as_strided, view, _reshape_alias,
//     unfold), resize_, and the copies between devices (_copy_from, _copy_from_and_resize);
//   - one boxed fallback for every other op: the device check, then at::native::cpu_fallback
//     (inputs copied to the CPU, the CPU kernel, outputs and mutated inputs copied back). The
//     convolutions are routed to it explicitly: their composite kernels pick a backend by device
//     and would otherwise end in convolution_overrideable, which has no implementation.
// Autograd needs nothing: libtorch's autograd kernels cover AutogradPrivateUse1.
// Structured ops (add, mul, cat, …) run their shape checks before any backend kernel, so a CPU
// tensor there fails earlier, in libtorch's own check ("Expected all tensors to be on the same
// device, but found at least two devices, audit:0 and cpu!"), exactly as it would on CUDA.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/EmptyTensor.h>
#include <ATen/detail/PrivateUse1HooksInterface.h>
#include <ATen/native/CPUFallback.h>
#include <ATen/ops/_reshape_alias_native.h>
#include <ATen/ops/as_strided_native.h>
#include <ATen/ops/resize_native.h>
#include <ATen/ops/unfold_native.h>
#include <ATen/ops/view_native.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/library.h>

#include <mutex>

#include "shim.hpp"

namespace {

constexpr c10::DeviceType kAudit = c10::DeviceType::PrivateUse1;
const c10::Device kAuditDevice(kAudit, 0);

// --- memory -------------------------------------------------------------------------------

/// Host memory from the CPU allocator (so the CPU cache, when enabled, serves it too), labelled
/// as the audit device's.
struct AuditAllocator final : c10::Allocator {
  c10::DataPtr allocate(size_t n) override {
    c10::DataPtr p = c10::GetAllocator(c10::DeviceType::CPU)->allocate(n);
    p.unsafe_set_device(kAuditDevice);
    return p;
  }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
};

AuditAllocator allocator;

/// A CPU tensor over the same host memory as audit tensor `t` (same sizes, strides, dtype).
at::Tensor host_alias(const at::Tensor& t) {
  return at::from_blob(t.data_ptr(), t.sizes(), t.strides(), t.options().device(at::kCPU));
}

// --- device guard -------------------------------------------------------------------------

/// One device (index 0), always current; one default stream that never waits.
struct AuditGuardImpl final : c10::impl::DeviceGuardImplInterface {
  c10::DeviceType type() const override { return kAudit; }
  c10::Device exchangeDevice(c10::Device d) const override {
    setDevice(d);
    return kAuditDevice;
  }
  c10::Device getDevice() const override { return kAuditDevice; }
  void setDevice(c10::Device d) const override {
    TORCH_CHECK(d.type() == kAudit && d.index() <= 0, "the audit backend has one device, not ", d);
  }
  void uncheckedSetDevice(c10::Device) const noexcept override {}
  c10::Stream getStream(c10::Device) const override {
    return c10::Stream(c10::Stream::DEFAULT, kAuditDevice);
  }
  c10::Stream exchangeStream(c10::Stream) const override { return getStream(kAuditDevice); }
  c10::DeviceIndex deviceCount() const noexcept override { return 1; }
};

// --- hooks -------------------------------------------------------------------------------

/// What autograd's engine and the checkpoint's RNG capture ask of a device. The random ops run
/// on the CPU (cpu_fallback passes their generator, None, through), so the audit device's
/// default generator is the CPU's.
struct AuditHooks final : at::PrivateUse1HooksInterface {
  bool isBuilt() const override { return true; }
  bool isAvailable() const override { return true; }
  bool hasPrimaryContext(c10::DeviceIndex) const override { return true; }
  c10::DeviceIndex deviceCount() const override { return 1; }
  void setCurrentDevice(c10::DeviceIndex) const override {}
  c10::DeviceIndex getCurrentDevice() const override { return 0; }
  c10::DeviceIndex exchangeDevice(c10::DeviceIndex) const override { return 0; }
  c10::DeviceIndex maybeExchangeDevice(c10::DeviceIndex) const override { return 0; }
  const at::Generator& getDefaultGenerator(c10::DeviceIndex) const override {
    return at::detail::getDefaultCPUGenerator();
  }
  at::Device getDeviceFromPtr(void*) const override { return kAuditDevice; }
};

// --- explicit kernels ---------------------------------------------------------------------

at::Tensor empty(at::IntArrayRef size, std::optional<at::ScalarType> dtype,
                 std::optional<at::Layout>, std::optional<at::Device>, std::optional<bool>,
                 std::optional<at::MemoryFormat> memory_format) {
  return at::detail::empty_generic(size, &allocator, c10::DispatchKeySet(c10::DispatchKey::PrivateUse1),
                                   c10::dtype_or_default(dtype), memory_format);
}

at::Tensor empty_strided(at::IntArrayRef size, at::IntArrayRef stride,
                         std::optional<at::ScalarType> dtype, std::optional<at::Layout>,
                         std::optional<at::Device>, std::optional<bool>) {
  return at::detail::empty_strided_generic(size, stride, &allocator,
                                           c10::DispatchKeySet(c10::DispatchKey::PrivateUse1),
                                           c10::dtype_or_default(dtype));
}

/// Copies `self` into `dst` where either (or both) is an audit tensor: both are seen as CPU
/// tensors over their host memory and the CPU's copy_ does the work (broadcast, dtype).
at::Tensor copy_from(const at::Tensor& self, const at::Tensor& dst, bool /*non_blocking*/) {
  if (self.numel() == 0 || dst.numel() == 0) return dst;
  auto src = self.is_cpu() ? self : host_alias(self);
  auto out = dst.is_cpu() ? dst : host_alias(dst);
  out.copy_(src);
  return dst;
}

at::Tensor copy_from_and_resize(const at::Tensor& self, const at::Tensor& dst) {
  dst.resize_(self.sizes());
  return copy_from(self, dst, false);
}

// --- the fallback -------------------------------------------------------------------------

/// A tensor that would not be allowed beside device tensors on a GPU.
bool misplaced(const at::Tensor& t) { return t.defined() && t.is_cpu() && t.dim() > 0; }

/// The device check, then the op on the CPU.
void audit_fallback(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  const auto& args = op.schema().arguments();
  const size_t n = args.size(), begin = stack->size() - n;
  for (size_t i = 0; i < n; ++i) {
    c10::IValue& v = (*stack)[begin + i];
    bool bad = false;
    if (v.isTensor()) {
      const at::Tensor t = v.toTensor();
      bad = misplaced(t);
      // A CPU 0-dim scalar is allowed; moved to the device here so that cpu_fallback, which
      // sends the results to the first tensor argument's device, does not send them to the CPU.
      const auto* alias = args[i].alias_info();
      if (t.defined() && t.is_cpu() && t.dim() == 0 && !(alias && alias->isWrite()))
        v = c10::IValue(t.to(kAuditDevice));
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorVector()) bad = bad || misplaced(t);
    } else if (v.isOptionalTensorList()) {
      for (const auto& t : v.toOptionalTensorVector()) bad = bad || (t && misplaced(*t));
    }
    TORCH_CHECK(!bad, op.schema().operator_name(), ": expected all tensors on the audit device, argument ",
                i, " (", args[i].name(), ") is on cpu");
  }
  at::native::cpu_fallback(op, stack, /*error_on_views=*/true);
}

void register_kernels() {
  // Leaked on purpose: a torch::Library deregisters what it registered when destroyed.
  auto* aten = new torch::Library(torch::Library::IMPL, "aten", c10::DispatchKey::PrivateUse1,
                                  __FILE__, __LINE__);
  aten->impl("empty.memory_format", TORCH_FN(empty));
  aten->impl("empty_strided", TORCH_FN(empty_strided));
  aten->impl("as_strided", TORCH_FN(at::native::as_strided_tensorimpl));
  aten->impl("view", TORCH_FN(at::native::view));
  aten->impl("_reshape_alias", TORCH_FN(at::native::_reshape_alias));
  aten->impl("unfold", TORCH_FN(at::native::unfold));
  aten->impl("resize_", TORCH_FN(at::native::resize_));
  aten->impl("_copy_from", TORCH_FN(copy_from));
  aten->impl("_copy_from_and_resize", TORCH_FN(copy_from_and_resize));
  for (const char* name : {"convolution", "convolution_backward"})
    aten->impl(name, torch::CppFunction::makeFromBoxedFunction<&audit_fallback>());

  auto* all = new torch::Library(torch::Library::IMPL, "_", c10::DispatchKey::PrivateUse1,
                                 __FILE__, __LINE__);
  all->fallback(torch::CppFunction::makeFromBoxedFunction<&audit_fallback>());
}

}  // namespace

extern "C" rs_status rs_audit_device_enable(void) {
  RS_GUARD({
    static std::once_flag once;
    std::call_once(once, [] {
      c10::register_privateuse1_backend("audit");
      c10::SetAllocator(kAudit, &allocator);
      static c10::impl::DeviceGuardImplRegistrar guard(kAudit, new AuditGuardImpl());
      at::RegisterPrivateUse1HooksInterface(new AuditHooks());
      register_kernels();
    });
  })
}

// The autograd engine sizes its per-device queues at the first backward pass of the process; a
// device registered after that has none (an internal assert in backward), so register at load.
[[maybe_unused]] static const bool registered_at_load = rs_audit_device_enable() == 0;
