{
  "targets": [
    {
      "target_name": "aios_gemm",
      "sources": ["gemm.c"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"],
      "defines": ["_POSIX_C_SOURCE=200809L"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }],
        ["OS=='mac'", { "xcode_settings": { "OTHER_CFLAGS": ["-O2", "-std=c11"] } }]
      ]
    }
  ]
}
