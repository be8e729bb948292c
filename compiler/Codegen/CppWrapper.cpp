//===- CppWrapper.cpp - The C++ class of an ahead-of-time model -----------===//
//
// Part of bnc. See CppWrapper.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/CppWrapper.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

using namespace bnc;
using Kind = InterfaceValue::Kind;

namespace {

/// C++ keywords, and the names the class itself uses.
bool isReserved(llvm::StringRef name) {
  static const llvm::StringSet<> reserved = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor",
      "bool", "break", "case", "catch", "char", "char16_t", "char32_t",
      "class", "compl", "const", "constexpr", "const_cast", "continue",
      "decltype", "default", "delete", "do", "double", "dynamic_cast", "else",
      "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace",
      "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
      "or_eq", "private", "protected", "public", "register",
      "reinterpret_cast", "return", "short", "signed", "sizeof", "static",
      "static_assert", "static_cast", "struct", "switch", "template", "this",
      "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
      "while", "xor", "xor_eq",
      // members of the generated class
      "state", "stateSpec", "state_", "options", "options_"};
  return reserved.contains(name);
}

/// `train_step` -> `TrainStep`.
std::string camelCase(llvm::StringRef name) {
  std::string result;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    result += upper ? llvm::toUpper(c) : c;
    upper = false;
  }
  return result;
}

std::string shapeList(llvm::ArrayRef<int64_t> shape) {
  std::string text = "{";
  for (auto [i, size] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(size);
  return text + "}";
}

std::string shapeText(llvm::ArrayRef<int64_t> shape) {
  std::string text = shapeList(shape);
  text.front() = '[';
  text.back() = ']';
  return text;
}

const char *layoutEnum(TensorLayout layout) {
  switch (layout) {
  case TensorLayout::NCHW:
    return "bnrt::Layout::NCHW";
  case TensorLayout::NHWC:
    return "bnrt::Layout::NHWC";
  case TensorLayout::Plain:
    break;
  }
  return "bnrt::Layout::Plain";
}

const char *layoutSuffix(TensorLayout layout) {
  switch (layout) {
  case TensorLayout::NCHW:
    return " (NCHW)";
  case TensorLayout::NHWC:
    return " (NHWC)";
  case TensorLayout::Plain:
    break;
  }
  return "";
}

const char *kindEnum(Kind kind) {
  switch (kind) {
  case Kind::Input:
    return "bnrt::ValueSpec::Kind::Input";
  case Kind::State:
    return "bnrt::ValueSpec::Kind::State";
  case Kind::Output:
    return "bnrt::ValueSpec::Kind::Output";
  case Kind::StateUpdate:
    break;
  }
  return "bnrt::ValueSpec::Kind::StateUpdate";
}

const char *initEnum(StateInit init) {
  switch (init) {
  case StateInit::Zeros:
    return "bnrt::Init::Zeros";
  case StateInit::Ones:
    return "bnrt::Init::Ones";
  case StateInit::Uniform:
    break;
  }
  return "bnrt::Init::Uniform";
}

std::vector<const InterfaceValue *> valuesOf(const EntryPointInterface &entry,
                                             Kind kind) {
  std::vector<const InterfaceValue *> values;
  for (const InterfaceValue &value : entry.values)
    if (value.kind == kind)
      values.push_back(&value);
  return values;
}

/// Checks every name that becomes a C++ name.
bool checkNames(const ModelInterface &model, const CppWrapperNames &names,
                std::string &error) {
  auto check = [&](llvm::StringRef name, llvm::StringRef what) {
    if (bn::isIdentifier(name) && !isReserved(name))
      return true;
    error = (what + " '" + name +
             "' cannot be a C++ name in the generated class; rename it")
                .str();
    return false;
  };
  if (!check(names.model, "model name"))
    return false;
  for (const EntryPointInterface &entry : model.entryPoints) {
    if (!check(entry.name, "entry point"))
      return false;
    for (const InterfaceValue &value : entry.values)
      if ((value.kind == Kind::Input || value.kind == Kind::Output) &&
          !check(value.name, "the bn.name of a value of @" + entry.name))
        return false;
  }
  return true;
}

void emitStateSpec(const ModelInterface &model, llvm::raw_ostream &os) {
  os << "  /// The state entries, in PyTorch state_dict order, with PyTorch's\n"
        "  /// default initial values.\n"
        "  static std::vector<bnrt::StateEntrySpec> stateSpec() {\n"
        "    return {\n";
  for (const StateEntry &entry : model.state) {
    os << "        {\"" << entry.name << "\", " << shapeList(entry.shape)
       << ", " << (entry.isCounter ? "bnrt::DType::I64" : "bnrt::DType::F32")
       << ", " << initEnum(entry.init) << ", ";
    os << llvm::format("%.17g", entry.uniformBound) << "},\n";
  }
  os << "    };\n  }\n\n";
}

void emitEntryPoint(const EntryPointInterface &entry,
                    const CppWrapperNames &names, llvm::raw_ostream &os) {
  std::string outputsType = camelCase(entry.name) + "Outputs";
  std::vector<const InterfaceValue *> inputs = valuesOf(entry, Kind::Input);
  std::vector<const InterfaceValue *> outputs = valuesOf(entry, Kind::Output);
  std::vector<const InterfaceValue *> reads = valuesOf(entry, Kind::State);
  std::vector<const InterfaceValue *> updates =
      valuesOf(entry, Kind::StateUpdate);

  os << "  /// What " << entry.name << " returns.\n";
  os << "  struct " << outputsType << " {\n";
  for (const InterfaceValue *output : outputs)
    os << "    bnrt::Tensor " << output->name << "; // f32 "
       << shapeText(output->shape) << layoutSuffix(output->layout) << "\n";
  os << "  };\n\n";

  // The documentation of the method says the whole contract.
  os << "  /// @" << entry.name << " (bn.mode = \""
     << bn::stringifyEntryMode(entry.mode) << "\").\n";
  for (const InterfaceValue *input : inputs)
    os << "  /// " << input->name << ": f32 " << shapeText(input->shape)
       << layoutSuffix(input->layout) << "\n";
  if (!reads.empty()) {
    os << "  /// Reads the state";
    for (const InterfaceValue *read : reads)
      os << (read == reads.front() ? ": " : ", ") << read->name;
    os << ".\n";
  }
  if (!updates.empty() || !entry.counters.empty()) {
    os << "  /// Updates";
    bool first = true;
    for (const InterfaceValue *update : updates) {
      os << (first ? " " : ", ") << update->name;
      first = false;
    }
    for (const std::string &counter : entry.counters)
      os << ", " << counter;
    os << "\n  /// only when the whole step succeeds; on an error the state is "
          "unchanged.\n";
  }

  auto parameters = [&] {
    std::string text;
    for (const InterfaceValue *input : inputs)
      text += "const bnrt::Tensor &" + input->name + ", ";
    return text;
  };
  os << "  bnrt::Status try_" << entry.name << "(" << parameters()
     << outputsType << " &outputs) {\n";
  os << "    std::vector<bnrt::Tensor> results;\n";
  os << "    bnrt::Status status = bnrt::call(" << entry.name
     << "_spec(), state_, {";
  for (const InterfaceValue *input : inputs)
    os << (input == inputs.front() ? "&" : ", &") << input->name;
  os << "}, results, options_);\n";
  os << "    if (!status.ok())\n      return status;\n";
  for (auto [i, output] : llvm::enumerate(outputs))
    os << "    outputs." << output->name << " = std::move(results[" << i
       << "]);\n";
  os << "    return status;\n  }\n\n";

  os << "  /// The same; throws bnrt::Error on failure.\n";
  std::string params = parameters();
  if (!params.empty())
    params.resize(params.size() - 2);
  os << "  " << outputsType << " " << entry.name << "(" << params << ") {\n";
  os << "    " << outputsType << " outputs;\n";
  os << "    bnrt::throwIfError(try_" << entry.name << "(";
  for (const InterfaceValue *input : inputs)
    os << input->name << ", ";
  os << "outputs));\n    return outputs;\n  }\n\n";

  os << "  /// How bnrt calls the kernel of @" << entry.name << ".\n";
  os << "  static const bnrt::EntryPointSpec &" << entry.name << "_spec() {\n";
  os << "    static const bnrt::EntryPointSpec spec{\n";
  os << "        \"" << entry.name << "\",\n";
  os << "        &" << kernelName(names.model, entry.name) << "_argv,\n";
  os << "        {\n";
  for (const InterfaceValue &value : entry.values) {
    os << "            {" << kindEnum(value.kind) << ", \"" << value.name
       << "\", " << shapeList(value.shape) << ", " << layoutEnum(value.layout);
    if (!value.bufferShape.empty())
      os << ", " << shapeList(value.bufferShape);
    os << "},\n";
  }
  os << "        },\n        {";
  for (auto [i, counter] : llvm::enumerate(entry.counters))
    os << (i ? ", " : "") << "\"" << counter << "\"";
  os << "}};\n    return spec;\n  }\n\n";
}

} // namespace

std::string bnc::kernelName(const std::string &model,
                            const std::string &entry) {
  return model + "_" + entry;
}

bool bnc::emitCppWrapper(const ModelInterface &model,
                         const CppWrapperNames &names, llvm::raw_ostream &os,
                         std::string &error) {
  if (!checkNames(model, names, error))
    return false;
  std::string className = camelCase(names.model);
  std::string guard = "BNC_GENERATED_" + llvm::StringRef(names.model).upper() + "_H";

  os << "// Generated by bn-translate --bn-to-halide-aot: the C++ interface of\n"
        "// the compiled model '"
     << names.model << "'. Do not edit.\n\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include \"" << names.halideHeader << "\"\n\n";
  os << "#include <bnrt/EntryPoint.h>\n#include <bnrt/ThreadPool.h>\n\n";
  os << "#include <cstdint>\n#include <utility>\n#include <vector>\n\n";
  os << "/// The model '" << names.model
     << "': its entry points and its state.\n";
  os << "class " << className << " {\npublic:\n";
  emitStateSpec(model, os);
  os << "  /// The model at PyTorch's default initial state; `seed` draws the\n"
        "  /// uniformly initialised weights.\n";
  os << "  explicit " << className << "(uint64_t seed = 0)\n"
     << "      : " << className << "(bnrt::State(stateSpec(), seed)) {}\n\n";
  os << "  /// The model with `state`, made from stateSpec() (or loaded).\n";
  os << "  explicit " << className << "(bnrt::State state)\n"
     << "      : state_(std::move(state)) {\n"
     << "    halide_set_error_handler(&bnrt::captureHalideError);\n"
     << "    // The kernels' parallel loops run on bnrt's pool "
        "(bnrt/ThreadPool.h).\n"
     << "    halide_set_custom_do_par_for(&bnrt::parallelFor);\n  }\n\n";
  os << "  bnrt::State &state() { return state_; }\n";
  os << "  const bnrt::State &state() const { return state_; }\n\n";
  os << "  /// Checks every call makes, such as checkFinite.\n";
  os << "  bnrt::CallOptions &options() { return options_; }\n\n";
  for (const EntryPointInterface &entry : model.entryPoints)
    emitEntryPoint(entry, names, os);
  os << "private:\n  bnrt::State state_;\n  bnrt::CallOptions options_;\n};\n\n#endif // " << guard << "\n";
  return true;
}
