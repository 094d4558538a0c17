# Manifests: walking an upper layer, digests, ignore rules, comparison.
target_sources(bootstrap_core PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/digest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/xxh3_generic.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/ignore_rules.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/manifest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/walk.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/compare.cpp
)
# XXH3 for AVX2, picked at run time when the CPU has it (xxh3_generic.cpp otherwise).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  target_sources(bootstrap_core PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/xxh3_avx2.cpp)
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/xxh3_avx2.cpp
    PROPERTIES COMPILE_OPTIONS -mavx2 COMPILE_DEFINITIONS BOOTSTRAP_XXH3_AVX2=1)
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/xxh3_generic.cpp
    PROPERTIES COMPILE_DEFINITIONS BOOTSTRAP_XXH3_AVX2=1)
endif()
