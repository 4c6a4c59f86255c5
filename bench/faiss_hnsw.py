"""FAISS baseline for bench/ann-candidates.ts: HNSW (inner product on unit vectors = cosine).

argv: vectors.f32 queries.f32 dim M efConstruction build_threads ef[,ef...]
Prints one JSON object: build_s, rss_mib, and per ef the single-query millis and top-10 ids.
"""
import json
import sys
import time

import faiss
import numpy as np

vec_path, q_path, dim, m, ef_c, threads, efs = sys.argv[1:8]
dim, m, ef_c, threads = int(dim), int(m), int(ef_c), int(threads)
xb = np.fromfile(vec_path, dtype=np.float32).reshape(-1, dim)
xq = np.fromfile(q_path, dtype=np.float32).reshape(-1, dim)
faiss.normalize_L2(xb)
faiss.normalize_L2(xq)


def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


rss_before = rss_kib()
faiss.omp_set_num_threads(threads)
index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
index.hnsw.efConstruction = ef_c
started = time.perf_counter()
index.add(xb)
build_s = time.perf_counter() - started
faiss.omp_set_num_threads(1)
runs = []
for ef in [int(e) for e in efs.split(",")]:
    index.hnsw.efSearch = ef
    for q in xq[:10]:
        index.search(q[None, :], 10)
    millis, ids = [], []
    for q in xq:
        t = time.perf_counter()
        _, found = index.search(q[None, :], 10)
        millis.append((time.perf_counter() - t) * 1000)
        ids.append([int(i) for i in found[0]])
    runs.append({"ef": ef, "millis": millis, "ids": ids})
rss_mib = (rss_kib() - rss_before) / 1024
print(json.dumps({"build_s": build_s, "rss_mib": rss_mib, "runs": runs}))

if len(sys.argv) > 8 and sys.argv[8] == "full":
    # bench:vectors: throughput with concurrent callers (the search releases the GIL) and the
    # two selective filters of bench/vector-run.ts (bucket = row mod 100), at the first ef.
    from concurrent.futures import ThreadPoolExecutor

    ef = int(efs.split(",")[0])
    index.hnsw.efSearch = ef

    def one(q):
        index.search(q[None, :], 10)

    qps = []
    for callers in (1, 2, 8):
        total = max(len(xq), 50 * callers)
        started = time.perf_counter()
        with ThreadPoolExecutor(callers) as pool:
            list(pool.map(one, (xq[i % len(xq)] for i in range(total))))
        qps.append(total / (time.perf_counter() - started))
    n = np.arange(xb.shape[0])
    filtered = []
    for label, rows in (("1 %", n[n % 100 == 0]), ("10 %", n[n % 100 < 10])):
        params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBatch(rows), efSearch=ef)
        millis, ids = [], []
        for q in xq:
            t = time.perf_counter()
            _, found = index.search(q[None, :], 10, params=params)
            millis.append((time.perf_counter() - t) * 1000)
            ids.append([int(i) for i in found[0]])
        filtered.append({"label": label, "millis": millis, "ids": ids})
    print(json.dumps({"qps": qps, "filtered": filtered}))
