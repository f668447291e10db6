// Activation checkpointing (torch.utils.checkpoint, reentrant form): a caller-supplied function
// runs without recording a graph, and runs again with one in backward, so only its inputs are
// kept between the two passes.
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "shim.hpp"

using rs::T;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

/// The caller's function and its context, released once when the last user lets go.
class Body {
 public:
  Body(rs_checkpoint_body fn, void* context, rs_checkpoint_release release)
      : fn_(fn), context_(context), release_(release) {}
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;
  ~Body() { release_(context_); }

  variable_list operator()(const variable_list& inputs, bool recomputing = false) const {
    std::vector<rs_tensor> handles;
    handles.reserve(inputs.size());
    for (const auto& t : inputs) handles.push_back(rs::wrap(t));  // owned by the function from here
    rs_tensor* outputs = nullptr;
    int64_t count = 0;
    char* error = nullptr;
    const int32_t status = fn_(context_, handles.data(), (int64_t)handles.size(), recomputing ? 1 : 0, &outputs, &count, &error);
    if (status != 0) {
      std::string message = error ? error : "the checkpointed function failed";
      std::free(error);
      TORCH_CHECK(false, message);
    }
    variable_list result;
    result.reserve((size_t)count);
    for (int64_t k = 0; k < count; ++k) result.push_back(T(outputs[k]));
    rs_tensor_array_free(outputs, count);
    return result;
  }

 private:
  rs_checkpoint_body fn_;
  void* context_;
  rs_checkpoint_release release_;
};

/// Random-number state (CPU and the given devices) and autocast state: captured at the first
/// run and put back for the recomputation, so that dropout masks and precisions match.
struct RunState {
  std::vector<std::pair<at::Generator, at::Tensor>> generators;
  bool autocast_cpu, autocast_cuda;
  at::ScalarType autocast_cpu_dtype, autocast_cuda_dtype;

  static RunState current(const std::vector<at::Device>& devices) {
    RunState s{{},
               at::autocast::is_autocast_enabled(at::kCPU),
               at::autocast::is_autocast_enabled(at::kCUDA),
               at::autocast::get_autocast_dtype(at::kCPU),
               at::autocast::get_autocast_dtype(at::kCUDA)};
    for (const auto& device : devices) {
      auto generator = at::globalContext().defaultGenerator(device);
      std::lock_guard<std::mutex> lock(generator.mutex());
      s.generators.emplace_back(generator, generator.get_state());
    }
    return s;
  }

  /// The CPU and every device an input lives on.
  static std::vector<at::Device> devices_of(const variable_list& inputs) {
    std::vector<at::Device> devices{at::Device(at::kCPU)};
    for (const auto& t : inputs)
      if (t.defined() && std::find(devices.begin(), devices.end(), t.device()) == devices.end())
        devices.push_back(t.device());
    return devices;
  }

  std::vector<at::Device> devices() const {
    std::vector<at::Device> list;
    for (const auto& entry : generators) list.push_back(entry.first.device());
    return list;
  }

  void apply() const {
    for (auto [generator, saved] : generators) {  // a Generator copy shares its state
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(saved);
    }
    at::autocast::set_autocast_enabled(at::kCPU, autocast_cpu);
    at::autocast::set_autocast_enabled(at::kCUDA, autocast_cuda);
    at::autocast::set_autocast_dtype(at::kCPU, autocast_cpu_dtype);
    at::autocast::set_autocast_dtype(at::kCUDA, autocast_cuda_dtype);
  }
};

/// Puts a captured state in place for a scope and restores what was there before. The scope
/// counts as an autocast region (as `with torch.autocast(...)` in PyTorch's checkpoint): leaving
/// the outermost one clears the cast cache, so weights cast during a recomputation are not
/// reused, stale, by the next step's forward after the optimiser has changed them.
class StateScope {
 public:
  explicit StateScope(const RunState& state) : previous_(RunState::current(state.devices())) {
    state.apply();
    at::autocast::increment_nesting();
  }
  ~StateScope() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    previous_.apply();
  }

 private:
  RunState previous_;
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  static variable_list forward(AutogradContext* ctx, at::TensorList inputs, std::shared_ptr<Body> body) {
    variable_list list(inputs.begin(), inputs.end());
    auto state = RunState::current(RunState::devices_of(list));
    // An output nothing used gets no gradient (not zeros), so the parameters behind only that
    // output get none either, as without recomputation (the optimiser then leaves them alone).
    ctx->set_materialize_grads(false);
    auto outputs = (*body)(list);
    ctx->save_for_backward(list);
    ctx->saved_data["body"] = c10::IValue::make_capsule(c10::make_intrusive<Holder>(body, std::move(state)));
    return outputs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto holder = ctx->saved_data["body"].toCapsule();
    auto& h = *static_cast<Holder*>(holder.get());
    variable_list inputs;
    for (const auto& t : ctx->get_saved_variables()) inputs.push_back(t.detach().requires_grad_(t.requires_grad()));

    variable_list outputs;
    {
      c10::AutoGradMode enable(true);
      StateScope scope(h.state);
      outputs = (*h.body)(inputs, /*recomputing=*/true);
    }
    TORCH_CHECK(outputs.size() == grads.size(), "checkpoint: the recomputation gave ", outputs.size(),
                " outputs, the first run ", grads.size());
    variable_list roots, root_grads;
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (outputs[k].requires_grad() && grads[k].defined()) {
        roots.push_back(outputs[k]);
        root_grads.push_back(grads[k]);
      }
    }
    // backward, not grad: parameters used inside the function accumulate their gradients too.
    if (!roots.empty()) torch::autograd::backward(roots, root_grads);
    variable_list result;
    for (auto& t : inputs) result.push_back(t.requires_grad() ? t.grad() : at::Tensor());
    result.emplace_back();  // the function itself
    return result;
  }

  /// What backward needs besides the saved inputs, kept in the node's saved data.
  struct Holder : torch::CustomClassHolder {
    Holder(std::shared_ptr<Body> body, RunState state) : body(std::move(body)), state(std::move(state)) {}
    std::shared_ptr<Body> body;
    RunState state;
  };
};

}  // namespace

extern "C" {

rs_status rs_checkpoint(rs_tensor** out, int64_t* n_out, const rs_tensor* inputs, int64_t n_inputs,
                        rs_checkpoint_body fn, void* context, rs_checkpoint_release release) {
  auto body = std::make_shared<Body>(fn, context, release);  // releases the context in every case
  RS_GUARD({
    auto list = rs::tensors(inputs, n_inputs);
    bool any_input_needs_grad = false;
    for (const auto& t : list) any_input_needs_grad = any_input_needs_grad || t.requires_grad();
    // With no graph to record, or no input that needs a gradient, there is nothing to save
    // memory on: run the function as it is (parameters inside still get their gradients).
    variable_list outputs = c10::GradMode::is_enabled() && any_input_needs_grad
                                ? CheckpointFunction::apply(at::TensorList(list), body)
                                : (*body)(list);
    rs::wrap_list(std::move(outputs), out, n_out);
  })
}

}  // extern "C"
