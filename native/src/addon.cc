// Registration only; each exported function lives in its own *_napi.cc.
#include <napi.h>

#include "bin_counts_napi.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Registered on the C interface: node-addon-api's trampoline (CallbackInfo with a heap array for > 6 arguments)
  // costs more than the kernel at real batch sizes.
  napi_value count_spikes;
  NAPI_THROW_IF_FAILED(env,
                       napi_create_function(env, "countSpikes", NAPI_AUTO_LENGTH, rpntd::CountSpikesRaw, nullptr,
                                            &count_spikes),
                       exports);
  exports.Set("countSpikes", count_spikes);
  return exports;
}

}  // namespace

NODE_API_MODULE(rpntd_native, Init)
