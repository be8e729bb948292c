# lit configuration of bnc's regression tests (bn-opt + FileCheck).
import os

import lit.formats

config.name = "bnc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bnc_obj_root, "tests", "lit")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

# bnc's tools come first, then FileCheck, not and split-file from LLVM 22.
config.environment["PATH"] = os.pathsep.join(
    [config.bnc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
)
config.substitutions.append(("%bnc_src_root", config.bnc_src_root))
config.substitutions.append(
    ("%examples", os.path.join(config.bnc_src_root, "examples", "models"))
)

# bn-bench is built only where oneDNN is (bench/CMakeLists.txt).
if config.bnc_has_bn_bench:
    config.available_features.add("bn-bench")
