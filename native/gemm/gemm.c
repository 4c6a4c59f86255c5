/*
 * aios_gemm: single-precision GEMM from a BLAS library found at run time, on Float32Arrays
 * (in practice views of the TF.js WASM heap) with no copies.
 *
 * No BLAS header is needed to build: the two entry points used are declared here from their
 * published ABIs (CBLAS `cblas_sgemm`, oneDNN `dnnl_sgemm`), and the library is opened with
 * dlopen / LoadLibrary when JavaScript asks, so the addon builds on any machine with a C
 * compiler and Node's headers, and a missing BLAS is a fallback, not a load failure.
 *
 * Context-aware (NAPI_MODULE_INIT): every worker_thread that loads it gets its own instance
 * data; dlopen reference-counts the library itself.
 */
#define NAPI_VERSION 8
/* Bit-identical doubles with JavaScript: no a*b+c contracted into one FMA rounding. */
#pragma STDC FP_CONTRACT OFF
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
typedef HMODULE lib_handle;
static lib_handle lib_open(const char *path) { return LoadLibraryA(path); }
static void *lib_symbol(lib_handle h, const char *name) { return (void *)GetProcAddress(h, name); }
static void lib_close(lib_handle h) { FreeLibrary(h); }
static void lib_error(char *out, size_t size) {
  snprintf(out, size, "LoadLibrary failed with Windows error %lu", (unsigned long)GetLastError());
}
static void set_env_default(const char *name, const char *value) {
  if (getenv(name) == NULL) _putenv_s(name, value);
}
#else
#include <dlfcn.h>
typedef void *lib_handle;
static lib_handle lib_open(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static void *lib_symbol(lib_handle h, const char *name) { return dlsym(h, name); }
static void lib_close(lib_handle h) { dlclose(h); }
static void lib_error(char *out, size_t size) {
  const char *e = dlerror();
  snprintf(out, size, "%s", e == NULL ? "dlopen failed" : e);
}
static void set_env_default(const char *name, const char *value) { setenv(name, value, 0); }
#endif

/* CBLAS ABI (netlib cblas.h): enums are ints; LP64 BLAS, so dimensions are int. */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
typedef void (*cblas_sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k,
                               float alpha, const float *a, int lda, const float *b, int ldb,
                               float beta, float *c, int ldc);
/* oneDNN ABI (dnnl.h): row-major only, transposes as 'N'/'T', 64-bit dims, status 0 = success. */
typedef int (*dnnl_sgemm_fn)(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k,
                             float alpha, const float *a, int64_t lda, const float *b,
                             int64_t ldb, float beta, float *c, int64_t ldc);
typedef void (*set_threads_fn)(int);

typedef struct {
  lib_handle handle;
  cblas_sgemm_fn cblas;
  dnnl_sgemm_fn dnnl;
} Blas;

#define THROW(env, msg)                          \
  do {                                           \
    napi_throw_error((env), NULL, (msg));        \
    return NULL;                                 \
  } while (0)
#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) THROW((env), "aios_gemm: N-API call failed: " #call); \
  } while (0)

/*
 * The library stays loaded when a worker's instance goes: unloading a BLAS whose runtime
 * (OpenMP, a thread pool) may still hold threads or exit handlers can crash the process later,
 * and another replica may be using it. The process exit releases it.
 */
static void blas_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static Blas *instance(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return (Blas *)data;
}

/*
 * Calls every known thread-count setter the library exports (in the calling thread; OpenMP's
 * setting is per thread), and returns their names joined by commas in `names`.
 */
static void one_thread(lib_handle h, char *names, size_t size) {
  static const char *setters[] = {"openblas_set_num_threads", "bli_thread_set_num_threads",
                                  "MKL_Set_Num_Threads", "omp_set_num_threads"};
  names[0] = '\0';
  for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++) {
    set_threads_fn f = (set_threads_fn)lib_symbol(h, setters[i]);
    if (f == NULL) continue;
    f(1);
    size_t used = strlen(names);
    snprintf(names + used, size - used, "%s%s", used == 0 ? "" : ",", setters[i]);
  }
}

/*
 * open(path: string) -> { api: "cblas" | "dnnl", threads: string }
 * Opens the library at `path` (a file name the loader searches for, or a path), finds its
 * sgemm and sets it to one thread. Throws an Error naming the cause when it cannot.
 */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) THROW(env, "open(path) needs the library path");
  char path[4096];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok)
    THROW(env, "open(path): path must be a string");

  /* A multithreaded BLAS starts its pool at load time; replicas already use every core. */
  set_env_default("OPENBLAS_NUM_THREADS", "1");
  set_env_default("BLIS_NUM_THREADS", "1");
  set_env_default("MKL_NUM_THREADS", "1");
  set_env_default("OMP_NUM_THREADS", "1");
  set_env_default("VECLIB_MAXIMUM_THREADS", "1");

  lib_handle h = lib_open(path);
  if (h == NULL) {
    char message[4300];
    lib_error(message, sizeof message);
    THROW(env, message);
  }
  cblas_sgemm_fn cblas = (cblas_sgemm_fn)lib_symbol(h, "cblas_sgemm");
  dnnl_sgemm_fn dnnl = cblas == NULL ? (dnnl_sgemm_fn)lib_symbol(h, "dnnl_sgemm") : NULL;
  if (cblas == NULL && dnnl == NULL) {
    lib_close(h);
    char message[4300];
    snprintf(message, sizeof message, "%s exports neither cblas_sgemm nor dnnl_sgemm", path);
    THROW(env, message);
  }
  char threads[256];
  one_thread(h, threads, sizeof threads);

  Blas *previous = instance(env);
  Blas *blas = previous != NULL ? previous : (Blas *)calloc(1, sizeof(Blas));
  if (blas == NULL) {
    lib_close(h);
    THROW(env, "aios_gemm: out of memory");
  }
  blas->handle = h;
  blas->cblas = cblas;
  blas->dnnl = dnnl;
  if (previous == NULL) CHECK(env, napi_set_instance_data(env, blas, blas_finalize, NULL));

  napi_value result, api, names;
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_string_utf8(env, cblas != NULL ? "cblas" : "dnnl", NAPI_AUTO_LENGTH, &api));
  CHECK(env, napi_create_string_utf8(env, threads, NAPI_AUTO_LENGTH, &names));
  CHECK(env, napi_set_named_property(env, result, "api", api));
  CHECK(env, napi_set_named_property(env, result, "threads", names));
  return result;
}

/* A Float32Array argument: its data pointer and length in elements. */
static int float_array(napi_env env, napi_value value, float **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok) return 0;
  if (type != napi_float32_array) return 0;
  *data = (float *)raw;
  return 1;
}

static int int_arg(napi_env env, napi_value value, int64_t *out) {
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok) return 0;
  if (d != d || d < 0 || d > 9007199254740991.0 || (double)(int64_t)d != d) return 0;
  *out = (int64_t)d;
  return 1;
}

/*
 * Whether a `rows x cols` row-major matrix with leading dimension `ld`, repeated `batch` times
 * `stride` apart from `offset`, lies inside an array of `length` elements.
 */
static int fits(int64_t offset, int64_t stride, int64_t batch, int64_t rows, int64_t cols,
                int64_t ld, size_t length) {
  if (ld < (cols > 1 ? cols : 1)) return 0;
  if (rows == 0 || cols == 0 || batch == 0) return offset <= (int64_t)length;
  int64_t last = offset + (batch - 1) * stride + (rows - 1) * ld + cols;
  return last <= (int64_t)length;
}

/*
 * gemm(a, aOffset, lda, aStride, b, bOffset, ldb, bStride, c, cOffset, ldc, cStride,
 *      batch, m, n, k, transA, transB, alpha, beta)
 *
 * For i in [0, batch): C_i = alpha * op(A_i) @ op(B_i) + beta * C_i, row-major, where
 * X_i starts at xOffset + i * xStride elements of the Float32Array x and op() transposes when
 * asked. op(A) is [m, k], op(B) [k, n], C [m, n]. A stride of 0 reuses one matrix for the
 * whole batch (broadcasting). Every access is bounds-checked first (RangeError).
 */
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value argv[20];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 20) THROW(env, "gemm takes 20 arguments");
  Blas *blas = instance(env);
  if (blas == NULL || blas->handle == NULL) THROW(env, "gemm: no BLAS library is open");

  float *a, *b, *c;
  size_t a_len, b_len, c_len;
  if (!float_array(env, argv[0], &a, &a_len) || !float_array(env, argv[4], &b, &b_len) ||
      !float_array(env, argv[8], &c, &c_len))
    THROW(env, "gemm: a, b and c must be Float32Arrays");
  int64_t v[12];
  const int index[12] = {1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14};
  for (int i = 0; i < 12; i++) {
    if (!int_arg(env, argv[index[i]], &v[i]))
      THROW(env, "gemm: offsets, strides and sizes must be non-negative integers");
  }
  int64_t a_off = v[0], lda = v[1], a_stride = v[2], b_off = v[3], ldb = v[4], b_stride = v[5];
  int64_t c_off = v[6], ldc = v[7], c_stride = v[8], batch = v[9], m = v[10], n = v[11];
  int64_t k = 0;
  if (!int_arg(env, argv[15], &k)) THROW(env, "gemm: k must be a non-negative integer");
  bool trans_a = false, trans_b = false;
  CHECK(env, napi_get_value_bool(env, argv[16], &trans_a));
  CHECK(env, napi_get_value_bool(env, argv[17], &trans_b));
  double alpha = 1, beta = 0;
  CHECK(env, napi_get_value_double(env, argv[18], &alpha));
  CHECK(env, napi_get_value_double(env, argv[19], &beta));

  if (!fits(a_off, a_stride, batch, trans_a ? k : m, trans_a ? m : k, lda, a_len) ||
      !fits(b_off, b_stride, batch, trans_b ? n : k, trans_b ? k : n, ldb, b_len) ||
      !fits(c_off, c_stride, batch, m, n, ldc, c_len)) {
    napi_throw_range_error(env, NULL, "gemm: a matrix reaches past the end of its array");
    return NULL;
  }
  if (blas->cblas != NULL && (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX ||
                              lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX)) {
    napi_throw_range_error(env, NULL, "gemm: a dimension exceeds the 32-bit CBLAS interface");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;

  for (int64_t i = 0; i < batch; i++) {
    const float *ai = a + a_off + i * a_stride;
    const float *bi = b + b_off + i * b_stride;
    float *ci = c + c_off + i * c_stride;
    if (blas->cblas != NULL) {
      blas->cblas(CBLAS_ROW_MAJOR, trans_a ? CBLAS_TRANS : CBLAS_NO_TRANS,
                  trans_b ? CBLAS_TRANS : CBLAS_NO_TRANS, (int)m, (int)n, (int)k, (float)alpha,
                  ai, (int)lda, bi, (int)ldb, (float)beta, ci, (int)ldc);
    } else {
      int status = blas->dnnl(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, (float)alpha,
                              ai, lda, bi, ldb, (float)beta, ci, ldc);
      if (status != 0) {
        char message[128];
        snprintf(message, sizeof message, "gemm: dnnl_sgemm returned status %d", status);
        THROW(env, message);
      }
    }
  }
  return NULL;
}

/*
 * The optimizer's loops over the flat parameter buffers (src/train/adamw.ts), in double
 * precision with the same operations in the same order as the JavaScript they replace, so the
 * results are bit-identical (IEEE +, *, / and sqrt are correctly rounded in both; contraction
 * into FMA is off). Only the speed differs: no JIT, no bounds checks, vectorised.
 */

/* Float32Array x and the range [start, end) of it from argv[first], argv[first + 1]. */
static int range_args(napi_env env, napi_value *argv, int first, size_t length, int64_t *start,
                      int64_t *end) {
  if (!int_arg(env, argv[first], start) || !int_arg(env, argv[first + 1], end)) return 0;
  return *start <= *end && *end <= (int64_t)length;
}

static int double_arg(napi_env env, napi_value value, double *out) {
  return napi_get_value_double(env, value, out) == napi_ok;
}

/* sumOfSquares(x, start, end) -> Σ x[i]² in double, summed in index order. */
static napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *x;
  size_t len;
  int64_t start, end;
  if (argc != 3 || !float_array(env, argv[0], &x, &len) ||
      !range_args(env, argv, 1, len, &start, &end))
    THROW(env, "sumOfSquares(x: Float32Array, start, end) with 0 <= start <= end <= x.length");
  double sum = 0;
  for (int64_t i = start; i < end; i++) {
    double g = x[i];
    sum += g * g;
  }
  napi_value result;
  CHECK(env, napi_create_double(env, sum, &result));
  return result;
}

/* addInto(target, source, start, end): target[i] += source[i], rounded to float32. */
static napi_value AddInto(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *target, *source;
  size_t target_len, source_len;
  int64_t start, end;
  if (argc != 4 || !float_array(env, argv[0], &target, &target_len) ||
      !float_array(env, argv[1], &source, &source_len) ||
      !range_args(env, argv, 2, target_len < source_len ? target_len : source_len, &start, &end))
    THROW(env, "addInto(target, source: Float32Array, start, end) within both arrays");
  for (int64_t i = start; i < end; i++) target[i] = (float)((double)target[i] + (double)source[i]);
  return NULL;
}

/*
 * adamw(params, grads, m, v, start, end, gradScale, beta1, beta2, stepSize, sqrtC2, eps, decay)
 * AdamW over [start, end) of the four arrays: the loop of adamwUpdate in src/train/adamw.ts.
 */
static napi_value AdamW(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *p, *g, *m, *v;
  size_t lp, lg, lm, lv;
  if (argc != 13 || !float_array(env, argv[0], &p, &lp) || !float_array(env, argv[1], &g, &lg) ||
      !float_array(env, argv[2], &m, &lm) || !float_array(env, argv[3], &v, &lv))
    THROW(env, "adamw: params, grads, m and v must be Float32Arrays");
  size_t len = lp;
  if (lg < len) len = lg;
  if (lm < len) len = lm;
  if (lv < len) len = lv;
  int64_t start, end;
  if (!range_args(env, argv, 4, len, &start, &end))
    THROW(env, "adamw: need 0 <= start <= end <= the shortest array's length");
  double k[7];
  for (int i = 0; i < 7; i++) {
    if (!double_arg(env, argv[6 + i], &k[i])) THROW(env, "adamw: coefficients must be numbers");
  }
  const double scale = k[0], beta1 = k[1], beta2 = k[2], step_size = k[3], sqrt_c2 = k[4];
  const double eps = k[5], decay = k[6];
  const double one_minus_beta1 = 1 - beta1, one_minus_beta2 = 1 - beta2;
  for (int64_t i = start; i < end; i++) {
    double gi = (double)g[i] * scale;
    double mi = beta1 * (double)m[i] + one_minus_beta1 * gi;
    double vi = beta2 * (double)v[i] + one_minus_beta2 * gi * gi;
    m[i] = (float)mi;
    v[i] = (float)vi;
    p[i] = (float)((double)p[i] * decay - (step_size * mi) / (sqrt(vi) / sqrt_c2 + eps));
  }
  return NULL;
}

/* Inlined into each SIMD clone below, so that they are compiled for its instruction set. */
#if defined(__GNUC__)
#define FORCE_INLINE __attribute__((always_inline))
#else
#define FORCE_INLINE
#endif

/*
 * exp(x) for x <= 0 in float, as plain arithmetic the compiler vectorises (libm's expf is a
 * call per element): Cephes' expf, x = n·ln2 + r with |r| <= ln2/2, a degree-7 polynomial in r,
 * and 2^n built in the exponent bits. Relative error ~1e-7; exp(x) for x < -87.3 (below the
 * smallest normal float) is 0, and NaN stays NaN.
 */
static inline FORCE_INLINE float exp_nonpositive(float x) {
  const float log2e = 1.44269504088896341f, ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  const float shifter = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */
  /* Clamped (NaN too) so that the float-to-int conversion below stays in range. */
  float xc = x > -88.0f ? x : -88.0f;
  float t = xc * log2e + shifter;
  float n = t - shifter;
  float r = xc - n * ln2_hi;
  r = r - n * ln2_lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t e = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &e, sizeof scale);
  float y = x < -87.3f ? 0.0f : p * scale;
  return x == x ? y : x;
}

#define LANES 8

/* The largest value of row[0..n) (NaNs ignored), with 8 independent lanes to vectorise. */
static inline FORCE_INLINE float row_max(const float *row, int64_t n) {
  float lane[LANES];
  for (int j = 0; j < LANES; j++) lane[j] = -INFINITY;
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int j = 0; j < LANES; j++) lane[j] = row[i + j] > lane[j] ? row[i + j] : lane[j];
  }
  float m = -INFINITY;
  for (int j = 0; j < LANES; j++) m = lane[j] > m ? lane[j] : m;
  for (; i < n; i++) m = row[i] > m ? row[i] : m;
  return m;
}

/*
 * probs[0..n) = exp(row - max); returns their sum: float lanes over blocks of 256 (vectorised),
 * blocks summed in double, so the sum of 50k terms keeps ~1e-7 relative.
 */
static inline FORCE_INLINE double row_exp(const float *row, float max, float *probs, int64_t n) {
  double sum = 0;
  int64_t i = 0;
  for (; i + 256 <= n; i += 256) {
    float lane[LANES] = {0};
    for (int64_t k = i; k < i + 256; k += LANES) {
      for (int j = 0; j < LANES; j++) {
        float e = exp_nonpositive(row[k + j] - max);
        probs[k + j] = e;
        lane[j] += e;
      }
    }
    for (int j = 0; j < LANES; j++) sum += lane[j];
  }
  for (; i < n; i++) {
    float e = exp_nonpositive(row[i] - max);
    probs[i] = e;
    sum += e;
  }
  return sum;
}

/* Wider vectors where the CPU has them: one build, the best clone picked at load (ifunc). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define WIDEST_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDEST_SIMD
#endif

/* One row of softmaxCrossEntropy: probs, and the row's maximum and its first index. */
WIDEST_SIMD static double softmax_row(const float *row, float *probs, int64_t n, float *max_out,
                                      int64_t *best_out) {
  float max = row_max(row, n);
  int64_t best = 0;
  while (best < n - 1 && !(row[best] == max)) best++;
  double sum = row_exp(row, max, probs, n);
  float inv = (float)(1.0 / sum);
  for (int64_t i = 0; i < n; i++) probs[i] *= inv;
  *max_out = max;
  *best_out = best;
  return sum;
}

static int int32_array(napi_env env, napi_value value, int32_t **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok) return 0;
  if (type != napi_int32_array) return 0;
  *data = (int32_t *)raw;
  return 1;
}

/*
 * softmaxCrossEntropy(logits, labels, probs, nll, correct, rows, vocab)
 * Per row r of logits [rows, vocab]: probs = softmax(row), nll[r] = log Σ exp(row) - row[label]
 * (as max + log Σ exp(row - max) - row[label]: no overflow, no underflow), correct[r] = 1 when
 * the first index of the row's maximum is the label, else 0. Labels outside [0, vocab) throw
 * RangeError. One pass for the maximum, one for exp and the sum, one to normalise.
 */
static napi_value SoftmaxCrossEntropy(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *logits, *probs, *nll, *correct;
  int32_t *labels;
  size_t l_len, p_len, n_len, c_len, lab_len;
  int64_t rows, vocab;
  if (argc != 7 || !float_array(env, argv[0], &logits, &l_len) ||
      !int32_array(env, argv[1], &labels, &lab_len) || !float_array(env, argv[2], &probs, &p_len) ||
      !float_array(env, argv[3], &nll, &n_len) || !float_array(env, argv[4], &correct, &c_len) ||
      !int_arg(env, argv[5], &rows) || !int_arg(env, argv[6], &vocab))
    THROW(env, "softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, probs, nll, correct: "
               "Float32Array, rows, vocab)");
  if ((int64_t)l_len < rows * vocab || (int64_t)p_len < rows * vocab || (int64_t)lab_len < rows ||
      (int64_t)n_len < rows || (int64_t)c_len < rows || vocab < 1) {
    napi_throw_range_error(env, NULL, "softmaxCrossEntropy: an array is shorter than its shape");
    return NULL;
  }
  for (int64_t r = 0; r < rows; r++) {
    if (labels[r] < 0 || labels[r] >= vocab) {
      napi_throw_range_error(env, NULL, "softmaxCrossEntropy: a label is outside [0, vocab)");
      return NULL;
    }
  }
  for (int64_t r = 0; r < rows; r++) {
    const float *row = logits + r * vocab;
    float max;
    int64_t best;
    double sum = softmax_row(row, probs + r * vocab, vocab, &max, &best);
    int32_t label = labels[r];
    nll[r] = (float)(((double)max - (double)row[label]) + log(sum));
    correct[r] = best == label ? 1.0f : 0.0f;
  }
  return NULL;
}

/* An element array of 4-byte elements (Float32Array, Int32Array, Uint32Array). */
static int word_array(napi_env env, napi_value value, uint32_t **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok) return 0;
  if (type != napi_float32_array && type != napi_int32_array && type != napi_uint32_array)
    return 0;
  *data = (uint32_t *)raw;
  return 1;
}

#define MAX_RANK 8

/* A JS array of up to MAX_RANK non-negative integers. */
static int int_list(napi_env env, napi_value value, int64_t *out, uint32_t *count) {
  bool is_array = false;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array) return 0;
  if (napi_get_array_length(env, value, count) != napi_ok || *count > MAX_RANK) return 0;
  for (uint32_t i = 0; i < *count; i++) {
    napi_value item;
    if (napi_get_element(env, value, i, &item) != napi_ok || !int_arg(env, item, &out[i])) return 0;
  }
  return 1;
}

/*
 * stridedCopy(src, srcOffset, dst, dstOffset, shape, srcStrides)
 * Copies the block `shape` of src, element (i0, i1, ...) at srcOffset + Σ ik·srcStrides[k], into
 * dst densely (row-major) from dstOffset: a slice, or a transpose that keeps the last axis
 * (srcStrides permuted). The last stride must be 1: rows are copied whole. 4-byte elements.
 */
static napi_value StridedCopy(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t *src, *dst;
  size_t src_len, dst_len;
  int64_t src_off, dst_off, shape[MAX_RANK], strides[MAX_RANK];
  uint32_t rank = 0, stride_count = 0;
  if (argc != 6 || !word_array(env, argv[0], &src, &src_len) || !int_arg(env, argv[1], &src_off) ||
      !word_array(env, argv[2], &dst, &dst_len) || !int_arg(env, argv[3], &dst_off) ||
      !int_list(env, argv[4], shape, &rank) || !int_list(env, argv[5], strides, &stride_count) ||
      rank == 0 || stride_count != rank || strides[rank - 1] != 1)
    THROW(env, "stridedCopy(src, srcOffset, dst, dstOffset, shape, srcStrides): 4-byte typed "
               "arrays, rank 1-8, last stride 1");
  int64_t total = 1, last_src = src_off;
  for (uint32_t k = 0; k < rank; k++) {
    total *= shape[k];
    if (shape[k] > 0) last_src += (shape[k] - 1) * strides[k];
  }
  if (total == 0) return NULL;
  if (last_src >= (int64_t)src_len || dst_off + total > (int64_t)dst_len) {
    napi_throw_range_error(env, NULL, "stridedCopy: the block reaches past an array");
    return NULL;
  }
  const int64_t run = shape[rank - 1];
  const size_t run_bytes = (size_t)run * sizeof(uint32_t);
  int64_t index[MAX_RANK] = {0};
  int64_t from = src_off;
  uint32_t *to = dst + dst_off;
  for (int64_t done = 0; done < total; done += run) {
    memcpy(to, src + from, run_bytes);
    to += run;
    /* Next index over the outer axes, odometer style. */
    for (int k = (int)rank - 2; k >= 0; k--) {
      if (++index[k] < shape[k]) {
        from += strides[k];
        break;
      }
      from -= (shape[k] - 1) * strides[k];
      index[k] = 0;
    }
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {{"open", Open},
                   {"gemm", Gemm},
                   {"sumOfSquares", SumOfSquares},
                   {"addInto", AddInto},
                   {"adamw", AdamW},
                   {"softmaxCrossEntropy", SoftmaxCrossEntropy},
                   {"stridedCopy", StridedCopy}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL,
                             &fn) != napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok)
      return NULL;
  }
  return exports;
}
