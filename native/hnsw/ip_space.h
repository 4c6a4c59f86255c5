// Inner-product distance (1 - dot) over unit vectors, stored as float32 or IEEE half, as an
// hnswlib space. hnswlib's own InnerProductSpace picks its SIMD kernel at compile time
// (__AVX512F__), so a build without -march=native would run its scalar loop; these kernels are
// chosen at run time from what the CPU reports, so one build serves every x86-64 machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hnswlib/hnswlib.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define AIOS_X86 1
#endif

namespace aios {

// IEEE 754 binary16 <-> binary32, round to nearest even: the portable path, and the rule the
// F16C instructions follow, so a vector converted either way is the same bits.
inline uint16_t float_to_half(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0));
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflows to infinity
  if (abs < 0x38800000u) {  // subnormal half or zero
    if (abs < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
    // The value is mantissa * 2^(exponent - 150) and a half's subnormal step is 2^-24.
    const int shift = 126 - static_cast<int>(abs >> 23);
    const uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t midpoint = 1u << (shift - 1);
    const uint32_t rounded = half + ((rest > midpoint || (rest == midpoint && (half & 1))) ? 1 : 0);
    return static_cast<uint16_t>(sign | rounded);
  }
  const uint32_t rebased = abs - 0x38000000u;
  const uint32_t half = rebased >> 13;
  const uint32_t rest = rebased & 0x1fffu;
  const uint32_t rounded = half + ((rest > 0x1000u || (rest == 0x1000u && (half & 1))) ? 1 : 0);
  return static_cast<uint16_t>(sign | rounded);
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      int e = -1;
      do {
        e++;
        mantissa <<= 1;
      } while ((mantissa & 0x400u) == 0);
      bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

inline float ip_f32_portable(const void* a, const void* b, const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  float sum = 0;
  for (size_t i = 0; i < n; i++) sum += x[i] * y[i];
  return 1.0f - sum;
}

inline float ip_f16_portable(const void* a, const void* b, const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  const uint16_t* x = static_cast<const uint16_t*>(a);
  const uint16_t* y = static_cast<const uint16_t*>(b);
  float sum = 0;
  for (size_t i = 0; i < n; i++) sum += half_to_float(x[i]) * half_to_float(y[i]);
  return 1.0f - sum;
}

#ifdef AIOS_X86
__attribute__((target("avx512f"))) inline float ip_f32_avx512(const void* a, const void* b,
                                                               const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  __m512 s0 = _mm512_setzero_ps();
  __m512 s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), s1);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  for (; i < n; i++) sum += x[i] * y[i];
  return 1.0f - sum;
}

__attribute__((target("avx512f"))) inline float ip_f16_avx512(const void* a, const void* b,
                                                               const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  const uint16_t* x = static_cast<const uint16_t*>(a);
  const uint16_t* y = static_cast<const uint16_t*>(b);
  __m512 s0 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 xv = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
    const __m512 yv = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + i)));
    s0 = _mm512_fmadd_ps(xv, yv, s0);
  }
  float sum = _mm512_reduce_add_ps(s0);
  for (; i < n; i++) sum += half_to_float(x[i]) * half_to_float(y[i]);
  return 1.0f - sum;
}

__attribute__((target("avx2,fma"))) inline float ip_f32_avx2(const void* a, const void* b,
                                                              const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  __m256 s0 = _mm256_setzero_ps();
  __m256 s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
  __m256 s = _mm256_add_ps(s0, s1);
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  float sum = _mm_cvtss_f32(lo);
  for (; i < n; i++) sum += x[i] * y[i];
  return 1.0f - sum;
}

__attribute__((target("avx2,fma,f16c"))) inline float ip_f16_avx2(const void* a, const void* b,
                                                                   const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  const uint16_t* x = static_cast<const uint16_t*>(a);
  const uint16_t* y = static_cast<const uint16_t*>(b);
  __m256 s0 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    const __m256 yv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i)));
    s0 = _mm256_fmadd_ps(xv, yv, s0);
  }
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
  lo = _mm_hadd_ps(lo, lo);
  lo = _mm_hadd_ps(lo, lo);
  float sum = _mm_cvtss_f32(lo);
  for (; i < n; i++) sum += half_to_float(x[i]) * half_to_float(y[i]);
  return 1.0f - sum;
}
#endif

enum class Kernel { kAvx512, kAvx2, kPortable };

/** The widest kernel this CPU runs. */
inline Kernel cpu_kernel() {
#ifdef AIOS_X86
  if (__builtin_cpu_supports("avx512f")) return Kernel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c"))
    return Kernel::kAvx2;
#endif
  return Kernel::kPortable;
}

/** `cpu_kernel()` in words: "avx512", "avx2" or "portable". */
inline const char* kernel_name() {
  switch (cpu_kernel()) {
    case Kernel::kAvx512:
      return "avx512";
    case Kernel::kAvx2:
      return "avx2";
    default:
      return "portable";
  }
}

/**
 * How a graph lays out a row's bytes: float32, IEEE half, or both (half, then float32), whose
 * distance reads only the half part: a graph is built on half-precision distances, which
 * halve the bytes each distance reads, then compacted to float32 rows (HnswGraph endBuild).
 */
enum class Layout { kF32, kF16, kF16ThenF32 };

class IpSpace : public hnswlib::SpaceInterface<float> {
 public:
  IpSpace(size_t dimension, Layout layout) : dimension_(dimension), layout_(layout) {
    const bool half = layout != Layout::kF32;
    func_ = half ? ip_f16_portable : ip_f32_portable;
#ifdef AIOS_X86
    const Kernel kernel = cpu_kernel();
    if (kernel == Kernel::kAvx512) func_ = half ? ip_f16_avx512 : ip_f32_avx512;
    if (kernel == Kernel::kAvx2) func_ = half ? ip_f16_avx2 : ip_f32_avx2;
#endif
  }
  size_t get_data_size() override { return row_bytes(); }
  /** Bytes of one stored row. */
  size_t row_bytes() const {
    switch (layout_) {
      case Layout::kF32:
        return dimension_ * 4;
      case Layout::kF16:
        return dimension_ * 2;
      default:
        return dimension_ * 6;
    }
  }
  hnswlib::DISTFUNC<float> get_dist_func() override { return func_; }
  void* get_dist_func_param() override { return &dimension_; }
  size_t dimension() const { return dimension_; }
  Layout layout() const { return layout_; }

  /** Writes `row` (dimension floats) as this layout stores it into `out` (row_bytes bytes). */
  void encode(const float* row, char* out) const {
    if (layout_ == Layout::kF32) {
      std::memcpy(out, row, dimension_ * 4);
      return;
    }
    uint16_t* half = reinterpret_cast<uint16_t*>(out);
    for (size_t d = 0; d < dimension_; d++) half[d] = float_to_half(row[d]);
    if (layout_ == Layout::kF16ThenF32) std::memcpy(out + dimension_ * 2, row, dimension_ * 4);
  }

 private:
  size_t dimension_;
  Layout layout_;
  hnswlib::DISTFUNC<float> func_;
};

}  // namespace aios
