# Small wrappers that keep each directory's CMakeLists.txt a few lines long.

# Targets that MLIR's CMake functions attach dependencies to; an in-tree MLIR
# build defines them, an out-of-tree project has to.
foreach(target mlir-headers mlir-generic-headers mlir-doc)
  if(NOT TARGET ${target})
    add_custom_target(${target})
  endif()
endforeach()

# bnc_add_dialect_tablegen(<Prefix> <namespace>)
#   Runs mlir-tblgen over <Prefix>Ops.td (which includes the dialect, enum and
#   attribute definitions) and writes the dialect's Markdown reference to
#   build/docs/dialects/<Prefix>Dialect.md.
function(bnc_add_dialect_tablegen prefix namespace)
  set(LLVM_TARGET_DEFINITIONS ${prefix}Ops.td)
  mlir_tablegen(${prefix}Ops.h.inc -gen-op-decls)
  mlir_tablegen(${prefix}Ops.cpp.inc -gen-op-defs)
  mlir_tablegen(${prefix}Dialect.h.inc -gen-dialect-decls -dialect=${namespace})
  mlir_tablegen(${prefix}Dialect.cpp.inc -gen-dialect-defs -dialect=${namespace})
  mlir_tablegen(${prefix}Enums.h.inc -gen-enum-decls)
  mlir_tablegen(${prefix}Enums.cpp.inc -gen-enum-defs)
  mlir_tablegen(${prefix}Attrs.h.inc -gen-attrdef-decls -attrdefs-dialect=${namespace})
  mlir_tablegen(${prefix}Attrs.cpp.inc -gen-attrdef-defs -attrdefs-dialect=${namespace})
  add_public_tablegen_target(BNC${prefix}IncGen)
  add_mlir_doc(${prefix}Ops ${prefix}Dialect dialects/ -gen-dialect-doc -dialect=${namespace})
  add_dependencies(bnc-doc ${prefix}DialectDocGen)
endfunction()

# bnc_add_library(<name> <sources>... [DEPENDS <targets>...]
#                 [LINK_LIBS <bnc libraries>...] [MLIR_LIBS <MLIR libraries>...])
#   A static library of the compiler. MLIR_LIBS names the MLIR components the
#   library uses; they resolve to libMLIR.so when BNC_LINK_MLIR_DYLIB is on.
function(bnc_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS;MLIR_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS})
  mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  if(MLIR_LINK_MLIR_DYLIB)
    target_link_libraries(${name} PUBLIC LLVM)
  else()
    target_link_libraries(${name} PUBLIC LLVMSupport)
  endif()
endfunction()

# bnc_add_tool(<name> <sources>... LINK_LIBS <libraries>...)
#   A command-line tool in build/bin.
function(bnc_add_tool name)
  cmake_parse_arguments(ARG "" "" "LINK_LIBS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS})
  install(TARGETS ${name} EXPORT bncTargets RUNTIME DESTINATION bin)
endfunction()

# bnc_add_unittest(<name> <sources>... LINK_LIBS <libraries>...)
#   A GoogleTest binary registered with CTest under the `unit` label.
function(bnc_add_unittest name)
  cmake_parse_arguments(ARG "" "" "LINK_LIBS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS} GTest::gtest_main)
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/unit)
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()
