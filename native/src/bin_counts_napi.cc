// N-API glue for kernels::count_spikes: cheap argument checks, typed-array views, result into a caller-owned
// Float64Array. TypeScript (src/bin) validates user-facing values first, so a failed check here is a programmer
// error: it throws TypeError/RangeError with code RPNTD_ERR_NATIVE_ARG and never aborts the process.
#include "bin_counts_napi.h"

#include <cmath>
#include <string>

#include "kernels/bin_counts.h"

namespace rpntd {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1: sample numbers are exact JS numbers below it

[[noreturn]] void ThrowArg(Napi::Env env, bool range, const std::string& message) {
  const std::string text = "countSpikes: " + message;
  Napi::Error error = range ? static_cast<Napi::Error>(Napi::RangeError::New(env, text))
                            : static_cast<Napi::Error>(Napi::TypeError::New(env, text));
  error.Set("code", Napi::String::New(env, "RPNTD_ERR_NATIVE_ARG"));
  throw error;
}

template <typename T>
Napi::TypedArrayOf<T> TypedArrayArg(const Napi::CallbackInfo& info, size_t index, napi_typedarray_type type,
                                    const char* name, const char* type_name) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    ThrowArg(info.Env(), false, std::string(name) + " must be a " + type_name);
  }
  return value.As<Napi::TypedArrayOf<T>>();
}

// A non-negative integer JS number below 2^53, at least `minimum`.
uint64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name, double minimum) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) ThrowArg(info.Env(), false, std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= minimum) || number > kMaxSafeInteger || std::floor(number) != number) {
    ThrowArg(info.Env(), true,
             std::string(name) + " must be an integer in [" + std::to_string(static_cast<uint64_t>(minimum)) +
                 ", 2^53), got " + value.ToString().Utf8Value());
  }
  return static_cast<uint64_t>(number);
}

}  // namespace

// countSpikes(offsets, channels, t0Samples, t1Samples, ring, ringBins, channelCount, binSamples, lowestOpenBin,
//             tally): one call per batch. tally receives [binned, late, invalid, ahead].
Napi::Value CountSpikes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 10) {
    ThrowArg(env, false, "expected 10 arguments, got " + std::to_string(info.Length()));
  }
  auto offsets = TypedArrayArg<uint32_t>(info, 0, napi_uint32_array, "offsets", "Uint32Array");
  auto channels = TypedArrayArg<uint16_t>(info, 1, napi_uint16_array, "channels", "Uint16Array");
  const uint64_t t0_samples = IntegerArg(info, 2, "t0Samples", 0);
  const uint64_t t1_samples = IntegerArg(info, 3, "t1Samples", 0);
  auto ring = TypedArrayArg<float>(info, 4, napi_float32_array, "ring", "Float32Array");
  const uint64_t ring_bins = IntegerArg(info, 5, "ringBins", 1);
  const uint64_t channel_count = IntegerArg(info, 6, "channelCount", 1);
  const uint64_t bin_samples = IntegerArg(info, 7, "binSamples", 1);
  const uint64_t lowest_open_bin = IntegerArg(info, 8, "lowestOpenBin", 0);
  auto tally = TypedArrayArg<double>(info, 9, napi_float64_array, "tally", "Float64Array");

  if (offsets.ElementLength() != channels.ElementLength()) {
    ThrowArg(env, true,
             "offsets and channels must have the same length, got " + std::to_string(offsets.ElementLength()) +
                 " and " + std::to_string(channels.ElementLength()));
  }
  if (t1_samples < t0_samples) ThrowArg(env, true, "t1Samples must be >= t0Samples");
  if (channel_count > 65536) ThrowArg(env, true, "channelCount must be <= 65536 (channels are uint16)");
  // ring_bins * channel_count cannot overflow: ElementLength() bounds it once equal.
  if (ring_bins > ring.ElementLength() || ring.ElementLength() != ring_bins * channel_count) {
    ThrowArg(env, true,
             "ring must hold ringBins * channelCount = " + std::to_string(ring_bins) + " * " +
                 std::to_string(channel_count) + " floats, got " + std::to_string(ring.ElementLength()));
  }
  if (tally.ElementLength() < 4) ThrowArg(env, true, "tally must be a Float64Array of length >= 4");

  const kernels::BinRing bin_ring{ring.Data(), ring_bins, channel_count, bin_samples, lowest_open_bin};
  const kernels::BinTally result = kernels::count_spikes(offsets.Data(), channels.Data(), offsets.ElementLength(),
                                                         t0_samples, t1_samples, bin_ring);
  double* out = tally.Data();
  out[0] = static_cast<double>(result.binned);
  out[1] = static_cast<double>(result.late);
  out[2] = static_cast<double>(result.invalid);
  out[3] = static_cast<double>(result.ahead);
  return env.Undefined();
}

// The same function on the plain N-API C interface, registered directly (no node-addon-api trampoline): one
// napi_get_cb_info into a stack array, one napi_get_typedarray_info per array (it also rejects non-typed-arrays),
// one napi_get_value_double per number (it also rejects non-numbers). Every check of CountSpikes is repeated here
// as a plain comparison; when any fails, CountSpikes runs instead and throws its usual TypeError/RangeError, so
// errors are unchanged. This roughly halves the fixed per-call cost, which dominates at real batch sizes (a 1 ms
// message of a few hundred channels carries a handful of spikes).
namespace {

inline bool FastInteger(napi_env env, napi_value value, double minimum, uint64_t* out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) return false;
  if (!(number >= minimum) || number > kMaxSafeInteger || std::floor(number) != number) return false;
  *out = static_cast<uint64_t>(number);
  return true;
}

inline bool FastArray(napi_env env, napi_value value, napi_typedarray_type expected, size_t* length, void** data) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, nullptr, nullptr) != napi_ok) return false;
  return type == expected;
}

napi_value SlowPath(napi_env env, napi_callback_info cbinfo) {
  try {
    Napi::CallbackInfo info(env, cbinfo);
    Napi::Value result = CountSpikes(info);
    return result;
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
    return nullptr;
  }
}

}  // namespace

napi_value CountSpikesRaw(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) != napi_ok || argc != 10) {
    return SlowPath(env, cbinfo);
  }
  size_t offsets_length, channels_length, ring_length, tally_length;
  void *offsets_data, *channels_data, *ring_data, *tally_data;
  uint64_t t0_samples, t1_samples, ring_bins, channel_count, bin_samples, lowest_open_bin;
  const bool ok =
      FastArray(env, argv[0], napi_uint32_array, &offsets_length, &offsets_data) &&
      FastArray(env, argv[1], napi_uint16_array, &channels_length, &channels_data) &&
      FastInteger(env, argv[2], 0, &t0_samples) && FastInteger(env, argv[3], 0, &t1_samples) &&
      FastArray(env, argv[4], napi_float32_array, &ring_length, &ring_data) &&
      FastInteger(env, argv[5], 1, &ring_bins) && FastInteger(env, argv[6], 1, &channel_count) &&
      FastInteger(env, argv[7], 1, &bin_samples) && FastInteger(env, argv[8], 0, &lowest_open_bin) &&
      FastArray(env, argv[9], napi_float64_array, &tally_length, &tally_data) &&
      offsets_length == channels_length && t1_samples >= t0_samples && channel_count <= 65536 &&
      ring_bins <= ring_length && ring_length == ring_bins * channel_count && tally_length >= 4;
  if (!ok) return SlowPath(env, cbinfo);

  const kernels::BinRing bin_ring{static_cast<float*>(ring_data), ring_bins, channel_count, bin_samples,
                                  lowest_open_bin};
  const kernels::BinTally result =
      kernels::count_spikes(static_cast<const uint32_t*>(offsets_data), static_cast<const uint16_t*>(channels_data),
                            offsets_length, t0_samples, t1_samples, bin_ring);
  double* out = static_cast<double*>(tally_data);
  out[0] = static_cast<double>(result.binned);
  out[1] = static_cast<double>(result.late);
  out[2] = static_cast<double>(result.invalid);
  out[3] = static_cast<double>(result.ahead);
  return nullptr;  // undefined
}

}  // namespace rpntd
