# liteformer_utf8 and liteformer_sentence_splitter: the text libraries that
# need nothing but Abseil, included by engine/CMakeLists.txt and by the fuzz
# build (fuzz/CMakeLists.txt), which compiles them with libFuzzer's
# instrumentation. Paths are relative to this file's directory.
set(LITEFORMER_TEXT_DIR ${CMAKE_CURRENT_LIST_DIR})
# UTF-8 checks and length, shared with the clients (which need no engine).
add_library(liteformer_utf8 STATIC ${LITEFORMER_TEXT_DIR}/utf8.cc)
target_include_directories(liteformer_utf8 PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(liteformer_utf8 PUBLIC absl::strings)

# Sentence segmentation (no model needed), with each language's non-breaking
# prefixes compiled in: the server runs without the source tree.
set(LITEFORMER_PREFIX_NAMES en de fr neutral)
set(prefix_dir ${LITEFORMER_TEXT_DIR}/nonbreaking_prefixes)
set(prefix_data_cc ${CMAKE_CURRENT_BINARY_DIR}/nonbreaking_prefix_data.cc)
list(TRANSFORM LITEFORMER_PREFIX_NAMES PREPEND ${prefix_dir}/ OUTPUT_VARIABLE prefix_files)
list(TRANSFORM prefix_files APPEND .txt)
string(REPLACE ";" "," prefix_names_arg "${LITEFORMER_PREFIX_NAMES}")
add_custom_command(
  OUTPUT ${prefix_data_cc}
  COMMAND ${CMAKE_COMMAND} -DINPUT_DIR=${prefix_dir} -DNAMES=${prefix_names_arg}
          -DOUTPUT=${prefix_data_cc} -P ${prefix_dir}/embed_prefixes.cmake
  DEPENDS ${prefix_files} ${prefix_dir}/embed_prefixes.cmake
  COMMENT "Embedding the non-breaking prefix lists"
  VERBATIM)
add_library(liteformer_sentence_splitter STATIC
  ${LITEFORMER_TEXT_DIR}/char_class.cc
  ${LITEFORMER_TEXT_DIR}/language.cc
  ${LITEFORMER_TEXT_DIR}/nonbreaking_prefixes.cc
  ${LITEFORMER_TEXT_DIR}/sentence_splitter.cc
  ${prefix_data_cc}
)
target_include_directories(liteformer_sentence_splitter PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(liteformer_sentence_splitter
  PUBLIC absl::status absl::statusor absl::strings absl::flat_hash_map absl::flat_hash_set
         liteformer_utf8)

