{
  "targets": [
    {
      "target_name": "aios_hnsw",
      "sources": ["hnsw.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-Wall", "-Wno-unused-function", "-Wno-sign-compare", "-Wno-type-limits", "-Wno-uninitialized", "-Wno-maybe-uninitialized"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-pthread"], "cflags_cc": ["-pthread"] }],
        ["OS=='mac'", { "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] } }],
        ["OS=='win'", { "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } } }]
      ]
    }
  ]
}
