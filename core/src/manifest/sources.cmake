# Manifests: walking an upper layer, ignore rules, comparison (digests: sandboxes/src/digest).
target_sources(bootstrap_core PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/ignore_rules.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/manifest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/walk.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/src/manifest/compare.cpp
)
