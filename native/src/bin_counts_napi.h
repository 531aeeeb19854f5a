#pragma once

#include <napi.h>

namespace rpntd {

Napi::Value CountSpikes(const Napi::CallbackInfo& info);

// The same, on the plain N-API C interface with a cheap fast path; what the addon exports (see the .cc).
napi_value CountSpikesRaw(napi_env env, napi_callback_info info);

}  // namespace rpntd
