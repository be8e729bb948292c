# bn_add_kernel_library: ahead-of-time compiled bnc models as CMake targets.
#
#   bn_add_kernel_library(<name>
#     MODEL <model.mlir>
#     [PIPELINE <bn-opt pass pipeline>]  e.g. "bn-derive-inference,bn-training-pipeline"
#     [TARGETS <Halide target>]          host (default) or a Halide target string
#     [SCHEDULE hand|auto]               bnc's schedule (default) or Halide's autoscheduler
#     [STMT_HTML])                       also write <name>.stmt.html
#
# runs bn-opt with PIPELINE and bn-translate --bn-to-halide-aot on MODEL at
# build time, again whenever the model or the compiler changes, and makes
# <name> a library target to link: it brings <name>.h (the C++ class of the
# model, see compiler/Codegen/CppWrapper.h), the kernels and bnrt. <name> must
# be a C identifier; the class is its CamelCase.
#
# Works in bnc's own build and in projects that find_package(bnc).

include_guard(GLOBAL)
find_package(Threads REQUIRED)

function(_bn_tool_target out name)
  if(TARGET bnc::${name})
    set(${out} bnc::${name} PARENT_SCOPE)
  elseif(TARGET ${name})
    set(${out} ${name} PARENT_SCOPE)
  else()
    message(FATAL_ERROR "bn_add_kernel_library needs ${name}: find_package(bnc) first")
  endif()
endfunction()

function(bn_add_kernel_library name)
  cmake_parse_arguments(ARG "STMT_HTML" "MODEL;PIPELINE;SCHEDULE" "TARGETS" ${ARGN})
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "bn_add_kernel_library(${name}): MODEL <file.mlir> is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "bn_add_kernel_library(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "bn_add_kernel_library(${name}): the name becomes C++ names; use a C identifier")
  endif()
  if(NOT ARG_TARGETS)
    set(ARG_TARGETS host)
  endif()
  list(LENGTH ARG_TARGETS target_count)
  if(NOT target_count EQUAL 1)
    message(FATAL_ERROR "bn_add_kernel_library(${name}): one target per library for now, got ${ARG_TARGETS}")
  endif()
  if(NOT ARG_SCHEDULE)
    set(ARG_SCHEDULE hand)
  endif()

  _bn_tool_target(bn_opt bn-opt)
  _bn_tool_target(bn_translate bn-translate)
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${name}")
  set(prefix "${dir}/${name}")
  file(MAKE_DIRECTORY "${dir}")

  set(pipeline_args)
  if(ARG_PIPELINE)
    set(pipeline_args "--pass-pipeline=builtin.module(${ARG_PIPELINE})")
  endif()
  add_custom_command(
    OUTPUT "${prefix}.opt.mlir"
    COMMAND ${bn_opt} "${model}" ${pipeline_args} -o "${prefix}.opt.mlir"
    DEPENDS "${model}" ${bn_opt} "$<TARGET_FILE:${bn_opt}>"
    COMMENT "bn-opt ${ARG_PIPELINE} on ${ARG_MODEL}"
    VERBATIM)

  set(outputs "${prefix}.a" "${prefix}.h" "${prefix}.halide.h")
  set(extra_args)
  if(ARG_STMT_HTML)
    list(APPEND outputs "${prefix}.stmt.html")
    list(APPEND extra_args --emit=stmt_html)
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${bn_translate} --bn-to-halide-aot "${prefix}.opt.mlir"
            -o "${prefix}" --target=${ARG_TARGETS} --schedule=${ARG_SCHEDULE}
            ${extra_args}
    DEPENDS "${prefix}.opt.mlir" ${bn_translate} "$<TARGET_FILE:${bn_translate}>"
    COMMENT "bn-translate: compiling ${name} for ${ARG_TARGETS}"
    VERBATIM)
  add_custom_target(${name}.kernels DEPENDS ${outputs})

  add_library(${name} STATIC IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION "${prefix}.a"
    INTERFACE_INCLUDE_DIRECTORIES "${dir}")
  target_link_libraries(${name} INTERFACE bnc::bnrt Threads::Threads ${CMAKE_DL_LIBS})
  add_dependencies(${name} ${name}.kernels)
endfunction()
