#pragma once

#include <napi.h>

namespace rpntd {

Napi::Value CountSpikes(const Napi::CallbackInfo& info);

}  // namespace rpntd
