/** Which BLAS libraries the native GEMM tries, in order, and how a user gets one. */

/** Names a BLAS library to open instead of searching (a path or a name the loader resolves). */
export const BLAS_LIBRARY_ENV = "AIOS_BLAS_LIBRARY";

export interface BlasCandidates {
  /** Library names or paths, best first, for `dlopen` / `LoadLibrary`. */
  readonly libraries: readonly string[];
  /** How to install one on this OS: one sentence for the fallback line. */
  readonly install: string;
}

/** Debian's multiarch directory of this CPU, where `libopenblas0-pthread` puts its library. */
function debianTriple(arch: string): string | null {
  switch (arch) {
    case "x64":
      return "x86_64-linux-gnu";
    case "arm64":
      return "aarch64-linux-gnu";
    default:
      return null;
  }
}

const INSTALL: Readonly<Record<string, string>> = {
  linux:
    "install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; Fedora: dnf install openblas-threads; Arch: pacman -S openblas)",
  darwin: "Accelerate ships with macOS; or install OpenBLAS with Homebrew: brew install openblas",
  win32:
    "put OpenBLAS's libopenblas.dll (from its Windows release zip, or conda/vcpkg) on PATH, or name it in AIOS_BLAS_LIBRARY",
};

/**
 * The libraries to try on `platform`/`arch`. `AIOS_BLAS_LIBRARY` in `env`, when set, is the
 * only candidate: the user's choice, and the way tests force a missing library.
 *
 * Only optimised BLAS libraries are listed: a generic `libblas.so.3` may be the reference
 * BLAS (5 GFLOP/s here, slower than TF.js's WASM kernel), so it is never picked by name.
 * Each library is opened as its threaded build and set to one thread per replica.
 */
export function blasCandidates(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  env: NodeJS.ProcessEnv = process.env,
): BlasCandidates {
  const install = INSTALL[platform] ?? `set ${BLAS_LIBRARY_ENV} to a CBLAS library's path`;
  const chosen = env[BLAS_LIBRARY_ENV];
  if (chosen !== undefined && chosen !== "") return { libraries: [chosen], install };
  switch (platform) {
    case "linux": {
      const triple = debianTriple(arch);
      return {
        libraries: [
          "libopenblas.so.0",
          ...(triple === null ? [] : [`/usr/lib/${triple}/openblas-pthread/libopenblas.so.0`]),
          "libopenblasp.so.0", // Fedora's pthread build
          "libopenblas.so",
          "libblis.so.4",
          "libmkl_rt.so.2",
          "libdnnl.so.3",
          "libdnnl.so.2",
        ],
        install,
      };
    }
    case "darwin":
      return {
        libraries: [
          "/System/Library/Frameworks/Accelerate.framework/Accelerate",
          "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
          "/usr/local/opt/openblas/lib/libopenblas.dylib",
        ],
        install,
      };
    case "win32":
      return { libraries: ["libopenblas.dll", "openblas.dll"], install };
    default:
      return { libraries: ["libopenblas.so.0", "libopenblas.so"], install };
  }
}
