// aios_hnsw: an hnswlib HNSW graph (nmslib/hnswlib 0.8.0, vendored under hnswlib/) for the
// LanceDB driver, over unit vectors under inner product, as a Node-API class:
//
//   new HnswGraph(dimension, m, efConstruction, efSearch, half, seed)
//   add(keys: BigUint64Array, vectors: Float32Array, threads)  rows of `dimension` floats
//   search(query: Float32Array, count) -> [keys: BigUint64Array, distances: Float32Array]
//   remove(key: bigint)   save(path)   load(path)   size()   kernel()
//   beginBuild(rows)   endBuild()
//
// A bulk build of a float32 graph (beginBuild on an empty graph, adds, endBuild) inserts on
// half-precision distances, each row stored as half and float32, then drops the half copies:
// the graph is then float32 like any other, searched and scored at full precision. Half
// distances read half the bytes, so the build takes about 0.9x the time at 1M rows, and the
// graph's recall is the same (docs/BENCHMARKS.md, bench:hnsw-build); a distance's rounding
// error (~1e-3) only reorders near ties while links are chosen.
//
// Distances are 1 - dot, nearest first. Errors (a short or foreign file, a missing key) throw
// a JS Error with hnswlib's message; nothing in here ends the process.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "ip_space.h"

namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

struct HnswGraph {
  /** How rows are stored once built (float32 or half): what search, save and load use. */
  std::unique_ptr<aios::IpSpace> space;
  /** Between beginBuild and endBuild of a float32 graph: rows as half, then float32. */
  std::unique_ptr<aios::IpSpace> build_space;
  std::unique_ptr<Graph> graph;
  size_t m = 0;
  size_t ef_construction = 0;
  size_t ef_search = 0;
  size_t seed = 0;
};

constexpr size_t kInitialCapacity = 1024;

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, "AIOS_HNSW", message.c_str());
  return nullptr;
}

#define CHECK_NAPI(env, call)                                     \
  do {                                                            \
    if ((call) != napi_ok) return Throw((env), "node-api call failed: " #call); \
  } while (0)

struct Args {
  napi_value self = nullptr;
  napi_value argv[6] = {};
  size_t argc = 6;
  HnswGraph* graph = nullptr;
};

bool ReadArgs(napi_env env, napi_callback_info info, Args& args) {
  if (napi_get_cb_info(env, info, &args.argc, args.argv, &args.self, nullptr) != napi_ok)
    return false;
  void* data = nullptr;
  if (napi_unwrap(env, args.self, &data) != napi_ok || data == nullptr) {
    Throw(env, "not an HnswGraph");
    return false;
  }
  args.graph = static_cast<HnswGraph*>(data);
  return true;
}

bool ReadSize(napi_env env, napi_value value, size_t& out) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok || number < 0) return false;
  out = static_cast<size_t>(number);
  return true;
}

bool ReadString(napi_env env, napi_value value, std::string& out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out.resize(length + 1);
  if (napi_get_value_string_utf8(env, value, out.data(), length + 1, &length) != napi_ok)
    return false;
  out.resize(length);
  return true;
}

template <typename T>
bool ReadTypedArray(napi_env env, napi_value value, napi_typedarray_type want, T*& data,
                    size_t& length) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &length, &raw, &buffer, &offset) != napi_ok ||
      type != want)
    return false;
  data = static_cast<T*>(raw);
  return true;
}

std::unique_ptr<Graph> NewGraph(const HnswGraph& g, aios::IpSpace* space, size_t capacity) {
  auto graph = std::make_unique<Graph>(space, capacity, g.m, g.ef_construction, g.seed);
  graph->setEf(g.ef_search);
  return graph;
}

const aios::IpSpace& Layout(const HnswGraph& g) {
  return g.build_space ? *g.build_space : *g.space;
}

// Row `row` of `vectors` as the graph stores it now (float32 rows are used in place).
const char* Row(const HnswGraph& g, const float* vectors, size_t row, std::vector<char>& buffer) {
  const aios::IpSpace& layout = Layout(g);
  const float* source = vectors + row * layout.dimension();
  if (layout.layout() == aios::Layout::kF32) return reinterpret_cast<const char*>(source);
  buffer.resize(layout.row_bytes());
  layout.encode(source, buffer.data());
  return buffer.data();
}

// Ends a bulk build: rewrites every row as links, float32 vector, label (dropping the half
// copy) and makes the graph measure float32 distances, as a graph built row by row would.
// In place, front to back: a row never grows, so row i's new bytes end before row i + 1's old
// ones start; the block is then shrunk. The build's peak is so the half + float32 layout
// (1.33x the float32 graph's level-0 memory for 128-D rows), not both layouts at once.
void EndBuild(HnswGraph& g) {
  if (!g.build_space) return;
  Graph& graph = *g.graph;
  const size_t links = graph.offsetData_;
  const size_t half_bytes = g.space->dimension() * 2;
  const size_t row_bytes = g.space->row_bytes();
  const size_t old_element = graph.size_data_per_element_;
  const size_t per_element = links + row_bytes + sizeof(hnswlib::labeltype);
  char* memory = graph.data_level0_memory_;
  const size_t count = graph.cur_element_count;
  for (size_t i = 0; i < count; i++) {
    const char* from = memory + i * old_element;
    char* to = memory + i * per_element;
    hnswlib::labeltype label;
    std::memcpy(&label, from + graph.label_offset_, sizeof(label));
    std::memmove(to, from, links);
    std::memmove(to + links, from + links + half_bytes, row_bytes);
    std::memcpy(to + links + row_bytes, &label, sizeof(label));
  }
  char* shrunk = static_cast<char*>(realloc(memory, graph.max_elements_ * per_element));
  // A failed shrink leaves the larger block, which still holds the rows.
  if (shrunk != nullptr) graph.data_level0_memory_ = shrunk;
  graph.size_data_per_element_ = per_element;
  graph.data_size_ = row_bytes;
  graph.label_offset_ = links + row_bytes;
  graph.fstdistfunc_ = g.space->get_dist_func();
  graph.dist_func_param_ = g.space->get_dist_func_param();
  g.build_space.reset();
}

void Finalize(napi_env, void* data, void*) { delete static_cast<HnswGraph*>(data); }

napi_value Construct(napi_env env, napi_callback_info info) {
  napi_value self;
  napi_value argv[6];
  size_t argc = 6;
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  size_t dimension, m, ef_construction, ef_search, seed;
  bool half = false;
  if (argc < 6 || !ReadSize(env, argv[0], dimension) || !ReadSize(env, argv[1], m) ||
      !ReadSize(env, argv[2], ef_construction) || !ReadSize(env, argv[3], ef_search) ||
      napi_get_value_bool(env, argv[4], &half) != napi_ok || !ReadSize(env, argv[5], seed) ||
      dimension == 0 || m < 2)
    return Throw(env, "HnswGraph(dimension, m, efConstruction, efSearch, half, seed)");
  auto g = std::make_unique<HnswGraph>();
  g->space = std::make_unique<aios::IpSpace>(
      dimension, half ? aios::Layout::kF16 : aios::Layout::kF32);
  g->m = m;
  g->ef_construction = ef_construction;
  g->ef_search = ef_search;
  g->seed = seed;
  try {
    g->graph = NewGraph(*g, g->space.get(), kInitialCapacity);
  } catch (const std::exception& e) {
    return Throw(env, e.what());
  }
  CHECK_NAPI(env, napi_wrap(env, self, g.get(), Finalize, nullptr, nullptr));
  g.release();
  return self;
}

napi_value Add(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  HnswGraph& g = *args.graph;
  uint64_t* keys = nullptr;
  float* vectors = nullptr;
  size_t count = 0, floats = 0, threads = 1;
  if (args.argc < 3 || !ReadTypedArray(env, args.argv[0], napi_biguint64_array, keys, count) ||
      !ReadTypedArray(env, args.argv[1], napi_float32_array, vectors, floats) ||
      !ReadSize(env, args.argv[2], threads))
    return Throw(env, "add(keys: BigUint64Array, vectors: Float32Array, threads: number)");
  if (floats != count * g.space->dimension())
    return Throw(env, "add: vectors hold " + std::to_string(floats) + " floats, not " +
                          std::to_string(count) + " rows of " +
                          std::to_string(g.space->dimension()));
  if (count == 0) return nullptr;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // A thread per 256 rows at most: small upserts would spend longer starting threads.
  threads = std::max<size_t>(1, std::min(threads, count / 256));
  try {
    Graph& graph = *g.graph;
    const size_t needed = graph.getCurrentElementCount() + count;
    if (needed > graph.getMaxElements())
      graph.resizeIndex(std::max(needed, graph.getMaxElements() * 2));
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    auto work = [&]() {
      std::vector<char> buffer;
      for (size_t row = next++; row < count && !failed; row = next++) {
        try {
          graph.addPoint(Row(g, vectors, row, buffer), static_cast<hnswlib::labeltype>(keys[row]));
        } catch (...) {
          if (!failed.exchange(true)) failure = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; t++) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // No more threads to be had: the rows go to those already running.
      }
    }
    work();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return Throw(env, std::string("add: ") + e.what());
  }
  return nullptr;
}

napi_value Search(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  HnswGraph& g = *args.graph;
  float* query = nullptr;
  size_t length = 0, count = 0;
  if (args.argc < 2 || !ReadTypedArray(env, args.argv[0], napi_float32_array, query, length) ||
      !ReadSize(env, args.argv[1], count))
    return Throw(env, "search(query: Float32Array, count: number)");
  if (length != g.space->dimension())
    return Throw(env, "search: the query has " + std::to_string(length) + " dimensions, not " +
                          std::to_string(g.space->dimension()));
  std::priority_queue<std::pair<float, hnswlib::labeltype>> found;
  try {
    std::vector<char> buffer;
    if (count > 0 && g.graph->getCurrentElementCount() > 0)
      found = g.graph->searchKnn(Row(g, query, 0, buffer), count);
  } catch (const std::exception& e) {
    return Throw(env, std::string("search: ") + e.what());
  }
  // searchKnn gives the farthest first.
  const size_t n = found.size();
  napi_value key_buffer, distance_buffer, keys, distances, result;
  void* key_data = nullptr;
  void* distance_data = nullptr;
  CHECK_NAPI(env, napi_create_arraybuffer(env, n * 8, &key_data, &key_buffer));
  CHECK_NAPI(env, napi_create_arraybuffer(env, n * 4, &distance_data, &distance_buffer));
  for (size_t i = n; i-- > 0;) {
    static_cast<uint64_t*>(key_data)[i] = found.top().second;
    static_cast<float*>(distance_data)[i] = found.top().first;
    found.pop();
  }
  CHECK_NAPI(env, napi_create_typedarray(env, napi_biguint64_array, n, key_buffer, 0, &keys));
  CHECK_NAPI(env, napi_create_typedarray(env, napi_float32_array, n, distance_buffer, 0, &distances));
  CHECK_NAPI(env, napi_create_array_with_length(env, 2, &result));
  CHECK_NAPI(env, napi_set_element(env, result, 0, keys));
  CHECK_NAPI(env, napi_set_element(env, result, 1, distances));
  return result;
}

napi_value Remove(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  uint64_t key = 0;
  bool lossless = false;
  if (args.argc < 1 || napi_get_value_bigint_uint64(env, args.argv[0], &key, &lossless) != napi_ok)
    return Throw(env, "remove(key: bigint)");
  try {
    args.graph->graph->markDelete(static_cast<hnswlib::labeltype>(key));
  } catch (const std::exception& e) {
    return Throw(env, std::string("remove: ") + e.what());
  }
  return nullptr;
}

napi_value Save(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  std::string path;
  if (args.argc < 1 || !ReadString(env, args.argv[0], path)) return Throw(env, "save(path)");
  try {
    EndBuild(*args.graph);
    args.graph->graph->saveIndex(path);
  } catch (const std::exception& e) {
    return Throw(env, "save " + path + ": " + e.what());
  }
  return nullptr;
}

napi_value Load(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  HnswGraph& g = *args.graph;
  std::string path;
  if (args.argc < 1 || !ReadString(env, args.argv[0], path)) return Throw(env, "load(path)");
  try {
    auto graph = std::make_unique<Graph>(g.space.get(), path);
    // hnswlib takes the row layout from the file: one made for other rows would be misread.
    if (graph->label_offset_ - graph->offsetData_ != g.space->row_bytes() ||
        graph->M_ != g.m)
      throw std::runtime_error("made with other settings");
    graph->setEf(g.ef_search);
    g.graph = std::move(graph);
    g.build_space.reset();
  } catch (const std::exception& e) {
    return Throw(env, "load " + path + ": " + e.what());
  }
  return nullptr;
}

napi_value Size(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  napi_value out;
  const size_t live = args.graph->graph->getCurrentElementCount() - args.graph->graph->getDeletedCount();
  CHECK_NAPI(env, napi_create_double(env, static_cast<double>(live), &out));
  return out;
}

napi_value BeginBuild(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  HnswGraph& g = *args.graph;
  size_t rows = 0;
  if (args.argc < 1 || !ReadSize(env, args.argv[0], rows)) return Throw(env, "beginBuild(rows)");
  try {
    Graph& graph = *g.graph;
    const size_t capacity = std::max(kInitialCapacity, graph.getCurrentElementCount() + rows);
    if (graph.getCurrentElementCount() == 0 && !g.build_space &&
        g.space->layout() == aios::Layout::kF32) {
      g.build_space =
          std::make_unique<aios::IpSpace>(g.space->dimension(), aios::Layout::kF16ThenF32);
      g.graph = NewGraph(g, g.build_space.get(), capacity);
    } else if (capacity > graph.getMaxElements()) {
      graph.resizeIndex(capacity);
    }
  } catch (const std::exception& e) {
    return Throw(env, std::string("beginBuild: ") + e.what());
  }
  return nullptr;
}

napi_value EndBuildMethod(napi_env env, napi_callback_info info) {
  Args args;
  if (!ReadArgs(env, info, args)) return nullptr;
  try {
    EndBuild(*args.graph);
  } catch (const std::exception& e) {
    return Throw(env, std::string("endBuild: ") + e.what());
  }
  return nullptr;
}

napi_value Kernel(napi_env env, napi_callback_info) {
  napi_value out;
  CHECK_NAPI(env, napi_create_string_utf8(env, aios::kernel_name(), NAPI_AUTO_LENGTH, &out));
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"search", nullptr, Search, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"remove", nullptr, Remove, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"save", nullptr, Save, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"load", nullptr, Load, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"size", nullptr, Size, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"kernel", nullptr, Kernel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"beginBuild", nullptr, BeginBuild, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"endBuild", nullptr, EndBuildMethod, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cls;
  if (napi_define_class(env, "HnswGraph", NAPI_AUTO_LENGTH, Construct, nullptr,
                        sizeof(methods) / sizeof(methods[0]), methods, &cls) != napi_ok ||
      napi_set_named_property(env, exports, "HnswGraph", cls) != napi_ok)
    return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
