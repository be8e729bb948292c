//===- NativeCode.cpp - Halide kernels finished by bnc's LLVM -------------===//
//
// Part of bnc. See NativeCode.h.
//
// Halide 14 writes the bitcode of its own LLVM (14); bnc's LLVM reads it
// (bitcode is readable by every later LLVM). The stores to an output are
// found by their type-based alias metadata: Halide tags every access to a
// buffer with a type node named after the buffer.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/NativeCode.h"

#include "compiler/Codegen/Halide/CpuSchedule.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

#include <fstream>
#include <mutex>
#include <set>
#include <unistd.h>

using namespace bnc::halide;

namespace {

/// The last-level cache where the host does not say.
constexpr int64_t kDefaultLastLevelCacheBytes = 32 << 20;

/// The size of one instance of the host's last-level cache: what Linux
/// says of CPU 0's caches (sysconf's figure can be the whole socket's).
int64_t lastLevelCacheBytes() {
  int bestLevel = 0;
  int64_t bestBytes = 0;
  for (int index = 0; index < 8; ++index) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    std::ifstream levelFile(dir + "/level"), sizeFile(dir + "/size");
    int level = 0;
    int64_t size = 0;
    std::string unit;
    if (!(levelFile >> level) || !(sizeFile >> size))
      continue;
    sizeFile >> unit; // "K" or "M", if any
    size <<= unit == "M" ? 20 : unit == "K" ? 10 : 0;
    if (level > bestLevel) {
      bestLevel = level;
      bestBytes = size;
    }
  }
  if (bestBytes > 0)
    return bestBytes;
  long bytes = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return bytes > 0 ? bytes : kDefaultLastLevelCacheBytes;
}

constexpr int64_t kCacheLineBytes = 64;

/// The elements of `output` (of `pipeline`) that the CPU schedule stores
/// as one contiguous row (storedRow); without a channel, its innermost
/// dimension, which a row spans at least.
int64_t storedRowElements(const LoweredPipeline &pipeline,
                          const LoweredTensor &output) {
  bool hasChannel = static_cast<int64_t>(output.shape.size()) ==
                    pipeline.channelRank;
  return storedRow(output.shape,
                   hasChannel ? pipeline.channelDim : std::nullopt, 1)
      .elements;
}

/// The name of the buffer a store writes, from Halide's type-based alias
/// tag (access type: !{!"<buffer>", parent, offset}, or "<buffer>.width16
/// .base0" and the like for a vector of known alignment); empty if
/// untagged.
llvm::StringRef storedBuffer(const llvm::StoreInst &store) {
  llvm::MDNode *tag = store.getMetadata(llvm::LLVMContext::MD_tbaa);
  if (!tag || tag->getNumOperands() < 2)
    return {};
  auto *access = llvm::dyn_cast<llvm::MDNode>(tag->getOperand(1));
  if (!access || access->getNumOperands() < 1)
    return {};
  auto *name = llvm::dyn_cast<llvm::MDString>(access->getOperand(0));
  if (!name)
    return {};
  return name->getString().split(".width").first;
}

/// Makes `store` non-temporal where its address is aligned to its size
/// (the instructions demand it), plain elsewhere: a branch on the address
/// unless the alignment is known.
void makeNonTemporal(llvm::StoreInst *store, uint64_t bytes) {
  llvm::LLVMContext &context = store->getContext();
  llvm::MDNode *nonTemporal = llvm::MDNode::get(
      context, llvm::ConstantAsMetadata::get(
                   llvm::ConstantInt::get(llvm::Type::getInt32Ty(context), 1)));
  if (store->getAlign().value() >= bytes) {
    store->setMetadata(llvm::LLVMContext::MD_nontemporal, nonTemporal);
    return;
  }
  llvm::IRBuilder<> builder(store);
  llvm::Value *address =
      builder.CreatePtrToInt(store->getPointerOperand(), builder.getInt64Ty());
  llvm::Value *aligned = builder.CreateICmpEQ(
      builder.CreateAnd(address, bytes - 1), builder.getInt64(0));
  llvm::Instruction *thenTerm, *elseTerm;
  llvm::SplitBlockAndInsertIfThenElse(aligned, store->getIterator(), &thenTerm,
                                      &elseTerm);
  auto *streaming = llvm::cast<llvm::StoreInst>(store->clone());
  streaming->insertBefore(thenTerm->getIterator());
  streaming->setAlignment(llvm::Align(bytes));
  streaming->setMetadata(llvm::LLVMContext::MD_nontemporal, nonTemporal);
  store->moveBefore(elseTerm->getIterator());
}

/// Marks the vector stores of `module` to `buffers` non-temporal and ends
/// every function that makes some with a fence: non-temporal stores are
/// weakly ordered, and whoever reads the output next must see them.
void streamStores(llvm::Module &module,
                  const std::vector<std::string> &buffers) {
  if (buffers.empty())
    return;
  std::set<std::string, std::less<>> names(buffers.begin(), buffers.end());
  const llvm::DataLayout &layout = module.getDataLayout();
  for (llvm::Function &function : module) {
    std::vector<llvm::StoreInst *> stores;
    for (llvm::BasicBlock &block : function)
      for (llvm::Instruction &instruction : block)
        if (auto *store = llvm::dyn_cast<llvm::StoreInst>(&instruction))
          if (store->getValueOperand()->getType()->isVectorTy() &&
              names.count(storedBuffer(*store)))
            stores.push_back(store);
    if (stores.empty())
      continue;
    for (llvm::StoreInst *store : stores) {
      uint64_t bytes =
          layout.getTypeStoreSize(store->getValueOperand()->getType());
      if (bytes >= 16 && llvm::isPowerOf2_64(bytes))
        makeNonTemporal(store, bytes);
    }
    for (llvm::BasicBlock &block : function)
      if (auto *ret = llvm::dyn_cast<llvm::ReturnInst>(block.getTerminator()))
        llvm::IRBuilder<>(ret).CreateFence(
            llvm::AtomicOrdering::SequentiallyConsistent);
  }
}

/// Makes the prefetches of `module` fetch for reading into the second-level
/// cache. Halide 14's ask for no temporal locality (PREFETCHNTA on x86);
/// bnc prefetches the next channel of an input (PrefetchAhead.h), which is
/// read twice, a whole channel later (measured, forward channel by channel
/// from DRAM: 32x64x56x56 1.97-1.98 ms against 2.07-2.15 ms, 64x128x56x56
/// 6.7-7.1 ms against 6.9-7.9 ms).
void prefetchForReadingIntoL2(llvm::Module &module) {
  llvm::Function *prefetch = llvm::Intrinsic::getDeclarationIfExists(
      &module, llvm::Intrinsic::prefetch,
      {llvm::PointerType::getUnqual(module.getContext())});
  if (!prefetch)
    return;
  llvm::Type *i32 = llvm::Type::getInt32Ty(module.getContext());
  for (llvm::User *user : prefetch->users())
    if (auto *call = llvm::dyn_cast<llvm::CallInst>(user)) {
      call->setArgOperand(1, llvm::ConstantInt::get(i32, 0)); // read
      call->setArgOperand(2, llvm::ConstantInt::get(i32, 2)); // L2
    }
}

/// The alignment Halide assumes of an embedded buffer's data: its native
/// vector width, which is 64 bytes with AVX-512.
constexpr uint64_t kEmbeddedBufferAlignment = 64;

/// Aligns the data of the buffers Halide embeds (constants: weights, BN
/// parameters) to kEmbeddedBufferAlignment. Halide 14 aligns them to 32
/// bytes, yet, since it takes them for its own allocations, derives a
/// vector load's alignment from the index alone, up to the native vector
/// width: with AVX-512 an aligned load (VMOVAPS) of 64 bytes from a
/// 32-byte aligned constant faults.
void alignEmbeddedBuffers(llvm::Module &module) {
  for (llvm::GlobalVariable &global : module.globals())
    if (global.hasInitializer() && global.getName().ends_with(".data") &&
        global.getAlign().valueOrOne().value() < kEmbeddedBufferAlignment)
      global.setAlignment(llvm::Align(kEmbeddedBufferAlignment));
}

void initializeLlvmTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers(); // Halide's runtime has inline assembly.
  });
}

/// LLVM's x86 features that Halide's feature `feature` stands for.
const char *x86Features(Halide::Target::Feature feature) {
  switch (feature) {
  case Halide::Target::SSE41:
    return "+sse4.1";
  case Halide::Target::AVX:
    return "+avx";
  case Halide::Target::AVX2:
    return "+avx2";
  case Halide::Target::FMA:
    return "+fma";
  case Halide::Target::F16C:
    return "+f16c";
  case Halide::Target::AVX512:
    return "+avx512f,+avx512cd";
  case Halide::Target::AVX512_Skylake:
    return "+avx512f,+avx512cd,+avx512vl,+avx512bw,+avx512dq";
  case Halide::Target::AVX512_Cannonlake:
    return "+avx512ifma,+avx512vbmi";
  case Halide::Target::AVX512_SapphireRapids:
    return "+avx512bf16,+avx512vnni";
  default:
    return nullptr;
  }
}

} // namespace

bool bnc::halide::storesNonTemporally(int64_t bytes, int64_t rowBytes,
                                      const CpuTunables &tunables) {
  static const int64_t quarterOfCache = lastLevelCacheBytes() / 4;
  return bytes >= tunables.nonTemporalBytes.value_or(quarterOfCache) &&
         rowBytes % kCacheLineBytes == 0;
}

std::vector<std::string>
bnc::halide::nonTemporalOutputs(const LoweredPipeline &pipeline,
                                const CpuTunables &tunables) {
  std::vector<std::string> names;
  if (pipeline.has(FuncRole::Layer))
    return names;
  for (const LoweredTensor &output : pipeline.outputs)
    if (storesNonTemporally(4 * output.elements(),
                            4 * storedRowElements(pipeline, output), tunables))
      names.push_back(output.func.name());
  return names;
}

std::unique_ptr<llvm::Module> bnc::halide::finishHalideModule(
    const Halide::Module &module, const std::vector<std::string> &buffers,
    llvm::LLVMContext &context, std::string &error) {
  llvm::SmallString<128> path;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("bnc-kernel", "bc", path)) {
    error = "cannot create a temporary file: " + ec.message();
    return nullptr;
  }
  llvm::FileRemover removeAtEnd(path);
  try {
    module.compile({{Halide::OutputFileType::bitcode, path.str().str()}});
  } catch (const Halide::Error &e) {
    error = std::string("Halide could not compile ") + module.name() + ": " +
            e.what();
    return nullptr;
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> bitcode =
      llvm::MemoryBuffer::getFile(path);
  if (!bitcode) {
    error = "cannot read Halide's bitcode: " + bitcode.getError().message();
    return nullptr;
  }
  llvm::Expected<std::unique_ptr<llvm::Module>> parsed =
      llvm::parseBitcodeFile((*bitcode)->getMemBufferRef(), context);
  if (!parsed) {
    error = "cannot read Halide's bitcode: " + toString(parsed.takeError());
    return nullptr;
  }
  alignEmbeddedBuffers(**parsed);
  streamStores(**parsed, buffers);
  prefetchForReadingIntoL2(**parsed);
  return std::move(*parsed);
}

bool bnc::halide::describeMachine(const Halide::Target &target,
                                  MachineDescription &machine,
                                  std::string &error) {
  initializeLlvmTargets();
  Halide::Target host = Halide::get_host_target();
  bool isHost = target.os == host.os && target.arch == host.arch &&
                target.bits == host.bits &&
                target.without_feature(Halide::Target::NoRuntime)
                        .without_feature(Halide::Target::JIT)
                        .get_features_bitset() == host.get_features_bitset();
  if (target.os != Halide::Target::Linux || target.bits != 64 ||
      (target.arch != Halide::Target::X86 &&
       target.arch != Halide::Target::ARM)) {
    error = "bnc generates code for x86-64 and arm-64 Linux, not for " +
            target.to_string();
    return false;
  }
  if (isHost) {
    machine.triple = llvm::sys::getProcessTriple();
    machine.cpu = llvm::sys::getHostCPUName().str();
    std::string features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(feature.second ? "+" : "-") +
                  feature.first().str();
    machine.features = features;
    return true;
  }
  if (target.arch == Halide::Target::ARM) {
    machine = {"aarch64-unknown-linux-gnu", "generic", "+neon"};
    return true;
  }
  // Halide's plain x86-64 is LLVM's: SSE2; each feature adds its own.
  machine = {"x86_64-unknown-linux-gnu", "x86-64", ""};
  for (int f = 0; f < Halide::Target::FeatureEnd; ++f) {
    auto feature = static_cast<Halide::Target::Feature>(f);
    if (const char *names = x86Features(feature);
        names && target.has_feature(feature))
      machine.features += (machine.features.empty() ? "" : ",") +
                          std::string(names);
  }
  return true;
}

std::unique_ptr<llvm::TargetMachine>
bnc::halide::createTargetMachine(const MachineDescription &machine,
                                 std::string &error) {
  initializeLlvmTargets();
  llvm::Triple triple(machine.triple);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> targetMachine(
      llvmTarget->createTargetMachine(triple, machine.cpu, machine.features,
                                      options, llvm::Reloc::PIC_));
  if (!targetMachine)
    error = "LLVM has no target machine for " + machine.triple;
  return targetMachine;
}

namespace {

/// The object code of `halideModule` for `targetMachine`, appended to
/// `object`.
bool emitObject(const Halide::Module &halideModule,
                const std::vector<std::string> &nonTemporalOutputs,
                llvm::TargetMachine &targetMachine,
                llvm::SmallVectorImpl<char> &object, std::string &error) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module =
      finishHalideModule(halideModule, nonTemporalOutputs, context, error);
  if (!module)
    return false;
  module->setTargetTriple(targetMachine.getTargetTriple());
  module->setDataLayout(targetMachine.createDataLayout());
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager passes;
  if (targetMachine.addPassesToEmitFile(passes, stream, nullptr,
                                        llvm::CodeGenFileType::ObjectFile)) {
    error = "LLVM cannot emit object code for " +
            targetMachine.getTargetTriple().str();
    return false;
  }
  passes.run(*module);
  return true;
}

} // namespace

bool bnc::halide::writeStaticLibrary(const std::vector<NativeKernel> &kernels,
                                     const Halide::Target &target,
                                     const MachineDescription &machine,
                                     const std::string &path,
                                     std::string &error) {
  std::unique_ptr<llvm::TargetMachine> targetMachine =
      createTargetMachine(machine, error);
  if (!targetMachine)
    return false;
  // Members: the runtime, then the kernels, named as Halide names them.
  std::vector<std::string> names = {"halide_runtime.o"};
  std::vector<llvm::SmallVector<char, 0>> objects(kernels.size() + 1);
  Halide::Module runtime("halide_runtime",
                         target.without_feature(Halide::Target::NoRuntime));
  if (!emitObject(runtime, {}, *targetMachine, objects[0], error))
    return false;
  for (size_t k = 0; k < kernels.size(); ++k) {
    names.push_back(kernels[k].module.name() + ".o");
    if (!emitObject(kernels[k].module, kernels[k].nonTemporalOutputs,
                    *targetMachine, objects[k + 1], error))
      return false;
  }
  std::vector<llvm::NewArchiveMember> members;
  for (size_t m = 0; m < objects.size(); ++m)
    members.emplace_back(llvm::MemoryBufferRef(
        llvm::StringRef(objects[m].data(), objects[m].size()), names[m]));
  if (llvm::Error failed = llvm::writeArchive(
          path, members, llvm::SymtabWritingMode::NormalSymtab,
          llvm::object::Archive::K_GNU, /*Deterministic=*/true,
          /*Thin=*/false)) {
    error = "cannot write " + path + ": " + toString(std::move(failed));
    return false;
  }
  return true;
}
