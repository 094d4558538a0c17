# Manifests: in-process benchmarks and a small tool the side-by-side script times
# (bench/manifest_vs_xxhsum.sh).
add_executable(bootstrap_bench_manifest ${CMAKE_CURRENT_SOURCE_DIR}/manifest_bench.cpp)
target_link_libraries(bootstrap_bench_manifest PRIVATE bootstrap_core benchmark::benchmark_main)
set_target_properties(bootstrap_bench_manifest PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${BOOTSTRAP_OUTPUT_DIR})

add_executable(bootstrap_manifest_tool ${CMAKE_CURRENT_SOURCE_DIR}/manifest_tool.cpp)
target_link_libraries(bootstrap_manifest_tool PRIVATE bootstrap_core)
set_target_properties(bootstrap_manifest_tool PROPERTIES
  OUTPUT_NAME bootstrap-manifest-bench RUNTIME_OUTPUT_DIRECTORY ${BOOTSTRAP_OUTPUT_DIR})
