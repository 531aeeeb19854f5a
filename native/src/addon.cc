// Registration only; each exported function lives in its own *_napi.cc.
#include <napi.h>

#include "bin_counts_napi.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("countSpikes", Napi::Function::New(env, rpntd::CountSpikes, "countSpikes"));
  return exports;
}

}  // namespace

NODE_API_MODULE(rpntd_native, Init)
