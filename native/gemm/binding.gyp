{
  "targets": [
    {
      "target_name": "aios_gemm",
      "sources": ["gemm.c"],
      "cflags": ["-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra"],
      "defines": ["_POSIX_C_SOURCE=200809L"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-lm"] }],
        ["OS=='mac'", { "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11", "-ffp-contract=off"] } }],
        ["OS=='win'", { "msvs_settings": { "VCCLCompilerTool": { "FloatingPointModel": "0" } } }]
      ]
    }
  ]
}
